package kernel

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

func TestGuardConnWriteDeadline(t *testing.T) {
	old := writeTimeout
	writeTimeout = 100 * time.Millisecond
	defer func() { writeTimeout = old }()
	a, b := net.Pipe() // synchronous: a write blocks until the peer reads
	defer b.Close()
	c := &guardConn{Conn: a}
	_, err := c.Write([]byte("stalled"))
	if !errors.Is(err, io.EOF) {
		t.Fatalf("write to a peer that does not read: %v, want an io.EOF error", err)
	}
	if _, err := a.Write([]byte("x")); err == nil {
		t.Error("the stalled connection was not closed")
	}
}

func TestGuardListenerAdmission(t *testing.T) {
	old := handshakeTimeout
	handshakeTimeout = 200 * time.Millisecond
	defer func() { handshakeTimeout = old }()
	l, err := guardTransport{"tcp"}.Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()

	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	garbage, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer garbage.Close()
	garbage.Write([]byte("GET / HTTP/1.0\r\n"))

	good, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	sig := []byte{0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F}
	good.Write(append(sig, 3))

	accepted := make(chan net.Conn, 3)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	select {
	case c := <-accepted:
		got := make([]byte, 11)
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, append(sig, 3)) {
			t.Errorf("admitted connection reads %x, %v", got, err)
		}
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("the connection that sent the signature was not admitted")
	}
	select {
	case c := <-accepted:
		t.Errorf("admitted %v, which never sent a ZMTP signature", c.RemoteAddr())
	case <-time.After(400 * time.Millisecond):
	}
	// Both bad peers were hung up on.
	for _, c := range []net.Conn{silent, garbage} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := c.Read(make([]byte, 1))
		var ne net.Error
		if err == nil || errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("bad peer: %v, want EOF or reset", err)
		}
	}
}
