package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/torchless-go/torchless/kernel/display"
)

// Options configures a kernel.
type Options struct {
	// Log receives the kernel's diagnostics (and zmq4's); nil logs to the
	// process's original standard error.
	Log *log.Logger
	// NoCapture leaves file descriptors 1 and 2 alone: writes to
	// os.Stdout and os.Stderr (by compiled code or cells) then go to the
	// kernel's terminal; only the fmt.Print* and log output of cells reach
	// the notebook.
	NoCapture bool
	// NoSignals leaves SIGINT and SIGTERM to the caller.
	NoSignals bool
}

// flushDelay is how long the kernel waits before closing its sockets after
// the last message it published: PUB sends are queued asynchronously.
const flushDelay = 300 * time.Millisecond

// Kernel is a running Jupyter kernel.
type Kernel struct {
	ci      *ConnectionInfo
	signer  *Signer
	session string
	log     *log.Logger

	shell, control, stdin, iopub, hb zmq4.Socket

	pubMu sync.Mutex // orders iopub messages

	ex      *Executor
	cap     *capture
	parent  atomic.Pointer[Message] // request whose outputs are being published
	inputCh chan *Message
	// allowStdin is whether the running request accepts input_request.
	allowStdin atomic.Bool

	mu        sync.Mutex
	count     int
	hist      []historyEntry
	aborting  bool
	done      chan struct{}
	doneOnce  sync.Once
	restart   bool
	shellWork chan *Message
}

// Run runs a kernel for the connection file path until it is shut down
// (shutdown_request, SIGTERM or ctx cancelled).
func Run(ctx context.Context, path string, opts Options) error {
	ci, err := ReadConnectionFile(path)
	if err != nil {
		return err
	}
	k, err := Start(ci, opts)
	if err != nil {
		return err
	}
	return k.Wait(ctx)
}

// Start binds the kernel's sockets and starts serving.
func Start(ci *ConnectionInfo, opts Options) (*Kernel, error) {
	signer, err := NewSigner(ci.SignatureScheme, []byte(ci.Key))
	if err != nil {
		return nil, err
	}
	k := &Kernel{
		ci:        ci,
		signer:    signer,
		session:   newID(),
		log:       opts.Log,
		inputCh:   make(chan *Message, 1),
		done:      make(chan struct{}),
		shellWork: make(chan *Message, 64),
	}
	if !opts.NoCapture {
		k.cap, err = startCapture(k.publishStream)
		if err != nil {
			return nil, fmt.Errorf("capturing output: %w", err)
		}
	}
	if k.log == nil {
		var w io.Writer = os.Stderr
		if k.cap != nil {
			w = k.cap.origStderr
			// Crashes (an unrecovered panic in a goroutine a cell started)
			// are reported on the terminal, not into the dead pipe.
			debug.SetCrashOutput(k.cap.origStderr, debug.CrashOptions{})
		}
		k.log = log.New(w, "torchless kernel: ", log.LstdFlags)
	}
	registerTransports()
	ctx := context.Background()
	sopts := []zmq4.Option{zmq4.WithLogger(k.log), zmq4.WithTimeout(2 * time.Second)}
	k.shell = zmq4.NewRouter(ctx, sopts...)
	k.control = zmq4.NewRouter(ctx, sopts...)
	k.stdin = zmq4.NewRouter(ctx, sopts...)
	k.iopub = zmq4.NewPub(ctx, sopts...)
	k.hb = zmq4.NewRouter(ctx, sopts...)
	for _, s := range []struct {
		sock zmq4.Socket
		port int
		name string
	}{{k.shell, ci.ShellPort, "shell"}, {k.control, ci.ControlPort, "control"}, {k.stdin, ci.StdinPort, "stdin"}, {k.iopub, ci.IOPubPort, "iopub"}, {k.hb, ci.HBPort, "hb"}} {
		if err := s.sock.Listen(ci.endpoint(s.port)); err != nil {
			k.closeSockets()
			k.stopCapture()
			return nil, fmt.Errorf("%s socket: %w", s.name, err)
		}
	}
	k.ex = NewExecutor(k)
	display.SetPublisher(k.showDisplay, k.clearOutput)
	if !opts.NoSignals {
		k.handleSignals()
	}
	go k.watchParent()
	go k.heartbeat()
	go k.recvLoop(k.shell, "shell", func(m *Message) { k.shellWork <- m })
	go k.recvLoop(k.control, "control", k.handleControl)
	go k.recvLoop(k.stdin, "stdin", func(m *Message) {
		select {
		case k.inputCh <- m:
		default:
			k.log.Printf("stdin: unexpected %s dropped", m.Header.MsgType)
		}
	})
	go k.shellWorker()
	k.publish(nil, "status", map[string]any{"execution_state": "starting"})
	return k, nil
}

// Wait blocks until the kernel shuts down (or ctx is cancelled), then
// closes it.
func (k *Kernel) Wait(ctx context.Context) error {
	select {
	case <-k.done:
	case <-ctx.Done():
		k.finish(false)
	}
	time.Sleep(flushDelay)
	k.closeSockets()
	k.stopCapture()
	return nil
}

// Restart reports whether the kernel was shut down with restart requested.
func (k *Kernel) Restart() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.restart
}

func (k *Kernel) finish(restart bool) {
	k.doneOnce.Do(func() {
		k.mu.Lock()
		k.restart = restart
		k.mu.Unlock()
		k.ex.Interrupt()
		close(k.done)
	})
}

func (k *Kernel) closeSockets() {
	for _, s := range []zmq4.Socket{k.shell, k.control, k.stdin, k.iopub, k.hb} {
		if s != nil {
			s.Close()
		}
	}
	if k.ci.Transport == "ipc" { // zmq4 removes only ipc:// socket files
		for _, p := range []int{k.ci.ShellPort, k.ci.ControlPort, k.ci.StdinPort, k.ci.IOPubPort, k.ci.HBPort} {
			os.Remove(fmt.Sprintf("%s-%d", k.ci.IP, p))
		}
	}
}

func (k *Kernel) stopCapture() {
	if k.cap != nil {
		k.cap.stop()
	}
}

func (k *Kernel) handleSignals() {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		for {
			select {
			case s := <-ch:
				if s == os.Interrupt {
					k.log.Printf("SIGINT: interrupting the running cell")
					k.ex.Interrupt()
				} else {
					k.log.Printf("SIGTERM: exiting")
					k.finish(false)
				}
			case <-k.done:
				signal.Stop(ch)
				return
			}
		}
	}()
}

// watchParent ends the kernel when the front end that started it (its
// JPY_PARENT_PID, set by jupyter_client) is gone, so that a crashed front
// end leaves no kernel behind.
func (k *Kernel) watchParent() {
	ppid, err := strconv.Atoi(os.Getenv("JPY_PARENT_PID"))
	if err != nil || ppid <= 1 {
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-k.done:
			return
		case <-t.C:
			if err := syscall.Kill(ppid, 0); errors.Is(err, syscall.ESRCH) {
				k.log.Printf("parent process %d is gone: exiting", ppid)
				k.finish(false)
				return
			}
		}
	}
}

func (k *Kernel) heartbeat() {
	for {
		msg, err := k.hb.Recv()
		if err != nil {
			select {
			case <-k.done:
				return
			default:
			}
			if errors.Is(err, context.Canceled) {
				return
			}
			continue
		}
		if msg.Type == zmq4.CmdMsg || len(msg.Frames) == 0 {
			continue
		}
		if err := k.hb.Send(msg); err != nil {
			k.log.Printf("heartbeat: %v", err)
		}
	}
}

func (k *Kernel) recvLoop(sock zmq4.Socket, name string, handle func(*Message)) {
	for {
		raw, err := sock.Recv()
		if err != nil {
			select {
			case <-k.done:
				return
			default:
			}
			if errors.Is(err, context.Canceled) {
				return
			}
			continue
		}
		if raw.Type == zmq4.CmdMsg {
			continue // ZMTP PING and other commands surface as data
		}
		m, err := Decode(raw.Frames, k.signer)
		if err != nil {
			if !errors.Is(err, ErrNoDelimiter) {
				k.log.Printf("%s: dropped message: %v", name, err)
			}
			continue
		}
		handle(m)
	}
}

func (k *Kernel) newMessage(parent *Message, msgType string, content any) (*Message, error) {
	c, err := json.Marshal(content)
	if err != nil {
		return nil, err
	}
	m := &Message{
		Header:  Header{MsgID: newID(), Session: k.session, Username: "kernel", Date: now(), MsgType: msgType, Version: ProtocolVersion},
		Content: c,
	}
	if parent != nil {
		p, err := json.Marshal(parent.Header)
		if err != nil {
			return nil, err
		}
		m.Parent = p
	}
	return m, nil
}

// publish sends a message on iopub.
func (k *Kernel) publish(parent *Message, msgType string, content any) {
	m, err := k.newMessage(parent, msgType, content)
	if err != nil {
		k.log.Printf("iopub %s: %v", msgType, err)
		return
	}
	m.Identities = [][]byte{[]byte("kernel." + k.session + "." + msgType)}
	frames, err := Encode(m, k.signer)
	if err != nil {
		k.log.Printf("iopub %s: %v", msgType, err)
		return
	}
	k.pubMu.Lock()
	defer k.pubMu.Unlock()
	if err := k.iopub.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		k.log.Printf("iopub %s: %v", msgType, err)
	}
}

// send replies to req on sock.
func (k *Kernel) send(sock zmq4.Socket, req *Message, msgType string, content any) {
	m, err := k.newMessage(req, msgType, content)
	if err != nil {
		k.log.Printf("%s: %v", msgType, err)
		return
	}
	m.Identities = req.Identities
	frames, err := Encode(m, k.signer)
	if err != nil {
		k.log.Printf("%s: %v", msgType, err)
		return
	}
	if err := sock.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		k.log.Printf("%s: %v", msgType, err)
	}
}

func (k *Kernel) status(parent *Message, state string) {
	k.publish(parent, "status", map[string]any{"execution_state": state})
}

func (k *Kernel) handleControl(m *Message) {
	k.status(m, "busy")
	defer k.status(m, "idle")
	defer k.recoverHandler(m)
	switch m.Header.MsgType {
	case "interrupt_request":
		k.ex.Interrupt()
		k.send(k.control, m, "interrupt_reply", map[string]any{"status": "ok"})
	case "shutdown_request":
		k.shutdown(k.control, m)
	case "kernel_info_request":
		k.send(k.control, m, "kernel_info_reply", kernelInfo())
	case "debug_request":
		k.send(k.control, m, "debug_reply", map[string]any{"status": "error", "ename": "NotSupported", "evalue": "this kernel has no debugger", "traceback": []string{}})
	default:
		k.log.Printf("control: unhandled %s", m.Header.MsgType)
	}
}

// recoverHandler keeps the kernel alive when handling a request panics
// (a bug): it logs the panic with its stack.
func (k *Kernel) recoverHandler(m *Message) {
	if r := recover(); r != nil {
		k.log.Printf("panic handling %s: %v\n%s", m.Header.MsgType, r, debug.Stack())
		if t, ok := strings.CutSuffix(m.Header.MsgType, "_request"); ok {
			sock := k.shell
			if t == "interrupt" || t == "shutdown" || t == "debug" {
				sock = k.control
			}
			k.send(sock, m, t+"_reply", map[string]any{"status": "error", "ename": "InternalError", "evalue": fmt.Sprint(r), "traceback": []string{}})
		}
	}
}

func (k *Kernel) shutdown(sock zmq4.Socket, m *Message) {
	var c struct {
		Restart bool `json:"restart"`
	}
	json.Unmarshal(m.Content, &c)
	reply := map[string]any{"status": "ok", "restart": c.Restart}
	k.send(sock, m, "shutdown_reply", reply)
	k.publish(m, "shutdown_reply", reply)
	k.finish(c.Restart)
}

func (k *Kernel) shellWorker() {
	for {
		select {
		case <-k.done:
			return
		case m := <-k.shellWork:
			k.handleShell(m)
		}
	}
}

func (k *Kernel) handleShell(m *Message) {
	k.status(m, "busy")
	defer k.status(m, "idle")
	defer k.recoverHandler(m)
	switch m.Header.MsgType {
	case "kernel_info_request":
		k.send(k.shell, m, "kernel_info_reply", kernelInfo())
	case "execute_request":
		k.execute(m)
	case "complete_request":
		k.complete(m)
	case "inspect_request":
		k.inspect(m)
	case "is_complete_request":
		k.isComplete(m)
	case "history_request":
		k.history(m)
	case "comm_info_request":
		k.send(k.shell, m, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
	case "comm_open":
		var c struct {
			CommID string `json:"comm_id"`
		}
		json.Unmarshal(m.Content, &c)
		k.publish(m, "comm_close", map[string]any{"comm_id": c.CommID, "data": map[string]any{}})
	case "comm_msg", "comm_close":
		// no comms are ever open
	case "shutdown_request":
		k.shutdown(k.shell, m)
	case "interrupt_request":
		k.ex.Interrupt()
		k.send(k.shell, m, "interrupt_reply", map[string]any{"status": "ok"})
	default:
		k.log.Printf("shell: unhandled %s", m.Header.MsgType)
	}
}

// kernelInfo is the content of kernel_info_reply.
func kernelInfo() map[string]any {
	return map[string]any{
		"status":                 "ok",
		"protocol_version":       ProtocolVersion,
		"implementation":         "torchless",
		"implementation_version": Version,
		"language_info": map[string]any{
			"name":               "go",
			"version":            goVersion(),
			"mimetype":           "text/x-go",
			"file_extension":     ".go",
			"pygments_lexer":     "go",
			"codemirror_mode":    "go",
			"nbconvert_exporter": "",
		},
		"banner": "torchless: Go cells (yaegi " + yaegiVersion + ") with the model API at hand. %help for magics.",
		"help_links": []map[string]string{
			{"text": "Go", "url": "https://go.dev/doc/"},
			{"text": "Go standard library", "url": "https://pkg.go.dev/std"},
			{"text": "yaegi", "url": "https://github.com/traefik/yaegi"},
		},
		"debugger": false,
	}
}
