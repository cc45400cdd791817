package kernel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/transport"
)

// The guarded transports wrap tcp and ipc for the kernel's sockets. go-zeromq
// runs the ZMTP handshake inside its accept loop without a timeout, and PUB
// and ROUTER write to a peer with no deadline: a TCP peer that never speaks
// blocks every later connection, and a subscriber that stops reading stalls
// iopub for every client. The guarded listener hands a connection to zmq4
// only after the peer has sent the ZMTP signature (waited for in a goroutine
// per connection, bounded by handshakeTimeout), and every write carries a
// deadline: a peer that does not drain its socket within writeTimeout is
// dropped.
const (
	guardedTCP = "tlguard-tcp"
	guardedIPC = "tlguard-ipc"
)

// Timeouts of the guarded transports; variables so tests can shorten them.
var (
	handshakeTimeout = 5 * time.Second
	writeTimeout     = 5 * time.Second
)

var registerOnce sync.Once

// registerTransports registers the guarded transports with zmq4, once.
func registerTransports() {
	registerOnce.Do(func() {
		for name, network := range map[string]string{guardedTCP: "tcp", guardedIPC: "unix"} {
			if err := zmq4.RegisterTransport(name, guardTransport{network}); err != nil {
				panic(err) // only a duplicate name, which registerOnce prevents
			}
		}
	})
}

type guardTransport struct{ network string }

func (g guardTransport) Dial(ctx context.Context, d transport.Dialer, addr string) (net.Conn, error) {
	c, err := d.DialContext(ctx, g.network, addr)
	if err != nil {
		return nil, err
	}
	return &guardConn{Conn: c}, nil
}

func (g guardTransport) Listen(ctx context.Context, addr string) (net.Listener, error) {
	l, err := net.Listen(g.network, addr)
	if err != nil {
		return nil, err
	}
	gl := &guardListener{Listener: l, ready: make(chan net.Conn), done: make(chan struct{})}
	go gl.loop()
	return gl, nil
}

func (g guardTransport) Addr(ep string) (string, error) {
	return transport.New(g.network).Addr(ep)
}

// zmtpSigLen is the length of the ZMTP signature (0xFF, 8 padding bytes,
// 0x7F).
const zmtpSigLen = 10

type guardListener struct {
	net.Listener
	ready     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func (l *guardListener) loop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			select {
			case <-l.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go l.admit(c)
	}
}

// admit waits for the ZMTP signature, then hands the connection to Accept.
func (l *guardListener) admit(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(handshakeTimeout))
	sig := make([]byte, zmtpSigLen)
	if _, err := io.ReadFull(c, sig); err != nil || sig[0] != 0xFF || sig[9]&1 != 1 {
		c.Close()
		return
	}
	// The rest of the handshake runs in zmq4's accept loop; keep the read
	// deadline until the greeting (64 bytes) has been read.
	gc := &guardConn{Conn: c, prefix: sig, readDeadline: true}
	select {
	case l.ready <- gc:
	case <-l.done:
		c.Close()
	}
}

func (l *guardListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *guardListener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.done)
		err = l.Listener.Close()
	})
	return err
}

// guardConn replays the bytes read while admitting the connection, clears
// the handshake read deadline once the greeting is in, and puts a deadline
// on every write. A write that times out closes the connection and reports
// io.EOF, which makes zmq4 drop the peer.
type guardConn struct {
	net.Conn
	prefix       []byte
	readDeadline bool
	nread        int
	mu           sync.Mutex
}

const zmtpGreetingLen = 64

func (c *guardConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		c.nread += n
		return n, nil
	}
	n, err := c.Conn.Read(p)
	c.nread += n
	if c.readDeadline && c.nread >= zmtpGreetingLen+8 {
		c.readDeadline = false
		c.Conn.SetReadDeadline(time.Time{})
	}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.Conn.Close()
			return n, fmt.Errorf("kernel: ZMTP handshake timed out: %w", io.EOF)
		}
	}
	return n, err
}

func (c *guardConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	n, err := c.Conn.Write(p)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.Conn.Close()
			return n, fmt.Errorf("kernel: peer %v stopped reading, dropped: %w", c.RemoteAddr(), io.EOF)
		}
	}
	return n, err
}
