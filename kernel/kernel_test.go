package kernel

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

func content(t testing.TB, m *Message) map[string]any {
	t.Helper()
	var c map[string]any
	if err := json.Unmarshal(m.Content, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestKernelInProcess(t *testing.T) {
	_, c := startTestKernel(t)

	t.Run("kernel_info", func(t *testing.T) {
		id := c.request(c.shell, "kernel_info_request", map[string]any{})
		r := c.reply(id)
		if r.Header.Version != "5.3" || !strings.HasSuffix(r.Header.Date, "Z") {
			t.Errorf("header %+v", r.Header)
		}
		li := content(t, r)["language_info"].(map[string]any)
		if li["name"] != "go" || li["file_extension"] != ".go" || li["mimetype"] != "text/x-go" {
			t.Errorf("language_info %v", li)
		}
	})
	t.Run("stdout and result", func(t *testing.T) {
		r, outs := c.execute("import \"fmt\"\nfmt.Println(\"hello\")\nx := 20\nx + 1")
		if content(t, r)["status"] != "ok" {
			t.Fatalf("reply %s", r.Content)
		}
		var text, result string
		for _, m := range outs {
			switch m.Header.MsgType {
			case "stream":
				text += content(t, m)["text"].(string)
			case "execute_result":
				result = content(t, m)["data"].(map[string]any)["text/plain"].(string)
			}
		}
		if text != "hello\n" || result != "21" {
			t.Errorf("stream %q result %q", text, result)
		}
	})
	t.Run("error", func(t *testing.T) {
		r, outs := c.execute("var a []int\na[3] = 1")
		rc := content(t, r)
		if rc["status"] != "error" || rc["ename"] != "Panic" {
			t.Errorf("reply %v", rc)
		}
		n := 0
		for _, m := range outs {
			if m.Header.MsgType == "error" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d error messages", n)
		}
		// The kernel lives on with its variables.
		_, outs = c.execute("x")
		if len(outs) != 1 || content(t, outs[0])["data"].(map[string]any)["text/plain"] != "20" {
			t.Errorf("after panic: %v", outs)
		}
	})
	t.Run("user_expressions", func(t *testing.T) {
		id := c.request(c.shell, "execute_request", map[string]any{"code": "y := 1", "silent": false, "store_history": true,
			"user_expressions": map[string]any{"a": "x + 1", "b": "nosuch"}, "allow_stdin": false, "stop_on_error": true})
		ue := content(t, c.reply(id))["user_expressions"].(map[string]any)
		a := ue["a"].(map[string]any)
		if a["status"] != "ok" || a["data"].(map[string]any)["text/plain"] != "21" || ue["b"].(map[string]any)["status"] != "error" {
			t.Errorf("user_expressions %v", ue)
		}
	})
	t.Run("stop_on_error aborts queued cells", func(t *testing.T) {
		req := func(code string) string {
			return c.request(c.shell, "execute_request", map[string]any{"code": code, "silent": false, "store_history": true,
				"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true})
		}
		first := req("import \"time\"\ntime.Sleep(300 * time.Millisecond)\npanic(\"stop\")")
		second := req("1")
		if s := content(t, c.reply(first))["status"]; s != "error" {
			t.Errorf("first: %v", s)
		}
		if s := content(t, c.reply(second))["status"]; s != "aborted" {
			t.Errorf("second: %v, want aborted", s)
		}
		c.drain()
	})
	t.Run("bad signature dropped", func(t *testing.T) {
		c.sendAs = &Signer{key: []byte("wrong")}
		id := c.request(c.shell, "kernel_info_request", map[string]any{})
		c.sendAs = c.signer
		select {
		case m := <-c.shCh:
			if parentID(m) == id {
				t.Fatal("kernel answered a message with a bad signature")
			}
		case <-time.After(300 * time.Millisecond):
		}
		id = c.request(c.shell, "kernel_info_request", map[string]any{})
		c.reply(id)
	})
	t.Run("frames without delimiter ignored", func(t *testing.T) {
		if err := c.shell.Send(zmq4.NewMsgFrom([]byte("garbage"), []byte("{}"))); err != nil {
			t.Fatal(err)
		}
		id := c.request(c.shell, "kernel_info_request", map[string]any{})
		c.reply(id)
	})
	t.Run("heartbeat", func(t *testing.T) {
		if err := c.hb.Send(zmq4.NewMsgString("ping")); err != nil {
			t.Fatal(err)
		}
		m, err := c.hb.Recv()
		if err != nil || string(m.Frames[0]) != "ping" {
			t.Fatalf("heartbeat: %v %v", m, err)
		}
	})
	t.Run("interrupt on control while a cell runs", func(t *testing.T) {
		if raceEnabled {
			t.Skip("see raceEnabled")
		}
		id := c.request(c.shell, "execute_request", map[string]any{"code": "n := 0\nfor ctx.Err() == nil {\n\tn++\n}", "silent": false, "store_history": true, "user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true})
		// wait until it runs
		for {
			m := c.waitType(c.subCh, "execute_input", 10*time.Second)
			if m == nil {
				t.Fatal("no execute_input")
			}
			if parentID(m) == id {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
		iid := c.request(c.ctl, "interrupt_request", map[string]any{})
		select {
		case m := <-c.ctlCh:
			if m.Header.MsgType != "interrupt_reply" || parentID(m) != iid {
				t.Fatalf("control got %s", m.Header.MsgType)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no interrupt_reply")
		}
		r := c.reply(id)
		if rc := content(t, r); rc["status"] != "error" || rc["ename"] != "Interrupt" {
			t.Errorf("reply %v", rc)
		}
		_, outs := c.execute("x")
		if len(outs) != 1 {
			t.Errorf("after interrupt: %v", outs)
		}
	})
}

func TestSilentTCPPeers(t *testing.T) {
	old := handshakeTimeout
	handshakeTimeout = 300 * time.Millisecond
	defer func() { handshakeTimeout = old }()
	ci := testConnection(t)
	_, c := startTestKernelOn(t, ci)
	var silent []net.Conn
	for _, p := range []int{ci.ShellPort, ci.ControlPort, ci.StdinPort, ci.IOPubPort, ci.HBPort} {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		silent = append(silent, conn)
	}
	// A new client connects and is served while the silent peers wait.
	c2 := newTestClient(t, ci)
	defer c2.close()
	id := c2.request(c2.shell, "kernel_info_request", map[string]any{})
	c2.reply(id)
	if _, outs := c.execute("1"); len(outs) != 1 {
		t.Errorf("first client: %v", outs)
	}
	// The silent peers are dropped after the handshake timeout.
	for _, conn := range silent {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("silent peer: %v, want EOF", err)
		}
	}
}

func TestKernelIPC(t *testing.T) {
	ci := &ConnectionInfo{Transport: "ipc", IP: t.TempDir() + "/k", ShellPort: 1, ControlPort: 2, StdinPort: 3, IOPubPort: 4, HBPort: 5, Key: "k", SignatureScheme: "hmac-sha256"}
	_, c := startTestKernelOn(t, ci)
	r, outs := c.execute("6 * 7")
	if content(t, r)["status"] != "ok" || len(outs) != 1 {
		t.Fatalf("ipc execute: %s %v", r.Content, outs)
	}
}

func BenchmarkExecuteRoundTrip(b *testing.B) {
	_, c := startTestKernel(b)
	c.execute("x := 1")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.execute("x")
	}
}
