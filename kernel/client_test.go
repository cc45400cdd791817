package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// testClient is a minimal Jupyter client over zmq4 for in-process tests.
type testClient struct {
	t      testing.TB
	signer *Signer // verifies what the client receives
	sendAs *Signer // signs what it sends (tests replace it)
	shell  zmq4.Socket
	ctl    zmq4.Socket
	sub    zmq4.Socket
	hb     zmq4.Socket
	subCh  chan *Message
	shCh   chan *Message
	ctlCh  chan *Message
	sess   string
}

func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

func testConnection(t testing.TB) *ConnectionInfo {
	p := freePorts(t, 5)
	return &ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: p[0], ControlPort: p[1], StdinPort: p[2], IOPubPort: p[3], HBPort: p[4], Key: "secret-key", SignatureScheme: "hmac-sha256"}
}

// startTestKernel starts an in-process kernel (no fd capture, no signal
// handling) and a client connected to it.
func startTestKernel(t testing.TB) (*Kernel, *testClient) {
	t.Helper()
	return startTestKernelOn(t, testConnection(t))
}

func startTestKernelOn(t testing.TB, ci *ConnectionInfo) (*Kernel, *testClient) {
	t.Helper()
	k, err := Start(ci, Options{NoCapture: true, NoSignals: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan struct{})
	go func() { k.Wait(ctx); close(waited) }()
	c := newTestClient(t, ci)
	t.Cleanup(func() {
		c.close()
		cancel()
		select {
		case <-waited:
		case <-time.After(5 * time.Second):
			t.Error("kernel did not stop")
		}
	})
	// Wait until iopub delivers (subscriptions are asynchronous).
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.request(c.shell, "kernel_info_request", map[string]any{})
		if m := c.waitType(c.subCh, "status", 200*time.Millisecond); m != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("kernel never published on iopub")
		}
	}
	c.drain()
	return k, c
}

func newTestClient(t testing.TB, ci *ConnectionInfo) *testClient {
	ctx := context.Background()
	signer, _ := NewSigner(ci.SignatureScheme, []byte(ci.Key))
	c := &testClient{t: t, signer: signer, sendAs: signer, sess: newID(),
		shell: zmq4.NewDealer(ctx, zmq4.WithID(zmq4.SocketIdentity("client-"+newID()[:8]))),
		ctl:   zmq4.NewDealer(ctx),
		sub:   zmq4.NewSub(ctx),
		hb:    zmq4.NewReq(ctx),
		subCh: make(chan *Message, 1024), shCh: make(chan *Message, 64), ctlCh: make(chan *Message, 64)}
	addr := func(p int) string { return fmt.Sprintf("tcp://%s:%d", ci.IP, p) }
	if ci.Transport == "ipc" {
		addr = func(p int) string { return fmt.Sprintf("ipc://%s-%d", ci.IP, p) }
	}
	for _, d := range []struct {
		s zmq4.Socket
		p int
	}{{c.shell, ci.ShellPort}, {c.ctl, ci.ControlPort}, {c.sub, ci.IOPubPort}, {c.hb, ci.HBPort}} {
		if err := d.s.Dial(addr(d.p)); err != nil {
			t.Fatal(err)
		}
	}
	c.sub.SetOption(zmq4.OptionSubscribe, "")
	go c.pump(c.sub, c.subCh)
	go c.pump(c.shell, c.shCh)
	go c.pump(c.ctl, c.ctlCh)
	return c
}

func (c *testClient) close() {
	for _, s := range []zmq4.Socket{c.shell, c.ctl, c.sub, c.hb} {
		s.Close()
	}
}

func (c *testClient) pump(s zmq4.Socket, ch chan *Message) {
	for {
		raw, err := s.Recv()
		if err != nil {
			return
		}
		m, err := Decode(raw.Frames, c.signer)
		if err != nil {
			continue
		}
		ch <- m
	}
}

func (c *testClient) request(s zmq4.Socket, typ string, content any) string {
	b, _ := json.Marshal(content)
	m := &Message{Header: Header{MsgID: newID(), Session: c.sess, Username: "test", Date: now(), MsgType: typ, Version: ProtocolVersion}, Content: b}
	frames, err := Encode(m, c.sendAs)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := s.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		c.t.Fatal(err)
	}
	return m.Header.MsgID
}

func (c *testClient) drain() {
	for {
		select {
		case <-c.subCh:
		case <-c.shCh:
		default:
			return
		}
	}
}

func (c *testClient) waitType(ch chan *Message, typ string, d time.Duration) *Message {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case m := <-ch:
			if m.Header.MsgType == typ {
				return m
			}
		case <-timer.C:
			return nil
		}
	}
}

func parentID(m *Message) string {
	var h Header
	json.Unmarshal(m.Parent, &h)
	return h.MsgID
}

// execute runs code and returns the reply and the iopub messages between
// busy and idle (execute_input excluded).
func (c *testClient) execute(code string) (*Message, []*Message) {
	c.t.Helper()
	id := c.request(c.shell, "execute_request", map[string]any{"code": code, "silent": false, "store_history": true, "user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true})
	var outs []*Message
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-c.subCh:
			if parentID(m) != id {
				continue
			}
			if m.Header.MsgType == "status" {
				var s struct {
					State string `json:"execution_state"`
				}
				json.Unmarshal(m.Content, &s)
				if s.State == "idle" {
					return c.reply(id), outs
				}
				continue
			}
			if m.Header.MsgType != "execute_input" {
				outs = append(outs, m)
			}
		case <-timeout:
			c.t.Fatalf("no idle for %q", code)
		}
	}
}

func (c *testClient) reply(id string) *Message {
	c.t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-c.shCh:
			if parentID(m) == id {
				return m
			}
		case <-timeout:
			c.t.Fatalf("no reply to %s", id)
			return nil
		}
	}
}
