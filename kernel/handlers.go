package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	"github.com/torchless-go/torchless/kernel/display"
)

// Version is the kernel's implementation version.
const Version = "0.1.0"

var yaegiVersion = func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/traefik/yaegi" {
				return d.Version
			}
		}
	}
	return "v0.16.1"
}()

func goVersion() string { return strings.TrimPrefix(runtime.Version(), "go") }

type historyEntry struct {
	line   int
	input  string
	output string
}

type executeRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history"`
	UserExpressions map[string]string `json:"user_expressions"`
	AllowStdin      *bool             `json:"allow_stdin"`
	StopOnError     *bool             `json:"stop_on_error"`
}

func (k *Kernel) execute(m *Message) {
	var c executeRequest
	if err := json.Unmarshal(m.Content, &c); err != nil {
		k.send(k.shell, m, "execute_reply", map[string]any{"status": "error", "ename": "BadRequest", "evalue": err.Error(), "traceback": []string{err.Error()}, "execution_count": 0})
		return
	}
	store := !c.Silent && (c.StoreHistory == nil || *c.StoreHistory)
	k.mu.Lock()
	if store {
		k.count++
	}
	count := k.count
	k.mu.Unlock()
	if !c.Silent {
		k.publish(m, "execute_input", map[string]any{"code": c.Code, "execution_count": count})
	}
	k.parent.Store(m)
	k.allowStdin.Store(c.AllowStdin == nil || *c.AllowStdin)
	res, err := k.ex.Run(c.Code)
	k.flushOutput()
	k.allowStdin.Store(false)
	var out string
	if err != nil {
		ce := toCellError(err)
		tb := ce.Traceback
		if len(tb) == 0 {
			tb = []string{ce.Name + ": " + ce.Value}
		}
		k.publish(m, "error", map[string]any{"ename": ce.Name, "evalue": ce.Value, "traceback": tb})
		// The requests queued before this reply are aborted (stop_on_error);
		// those sent after it, in answer to it, run.
		queued := len(k.shellWork)
		k.send(k.shell, m, "execute_reply", map[string]any{
			"status": "error", "execution_count": count, "ename": ce.Name, "evalue": ce.Value, "traceback": tb,
			"user_expressions": map[string]any{}, "payload": []any{},
		})
		out = ce.Name + ": " + ce.Value
		if store {
			k.addHistory(count, c.Code, out)
		}
		if c.StopOnError == nil || *c.StopOnError {
			k.abortQueued(queued)
		}
		return
	}
	if res.Value != nil && !c.Silent {
		d := sanitize(*res.Value)
		k.publish(m, "execute_result", map[string]any{"execution_count": count, "data": d.Data, "metadata": d.Metadata})
		if s, ok := d.Data[display.MIMEPlain].(string); ok {
			out = s
		}
	}
	uexpr := map[string]any{}
	for name, expr := range c.UserExpressions {
		uexpr[name] = k.userExpression(expr)
	}
	k.send(k.shell, m, "execute_reply", map[string]any{"status": "ok", "execution_count": count, "user_expressions": uexpr, "payload": []any{}})
	if store {
		k.addHistory(count, c.Code, out)
	}
}

func (k *Kernel) userExpression(expr string) map[string]any {
	res, err := k.ex.Run(expr)
	if err != nil {
		ce := toCellError(err)
		return map[string]any{"status": "error", "ename": ce.Name, "evalue": ce.Value, "traceback": ce.Traceback}
	}
	d := display.Text("")
	if res.Value != nil {
		d = sanitize(*res.Value)
	}
	return map[string]any{"status": "ok", "data": d.Data, "metadata": d.Metadata}
}

// abortQueued answers the execute requests among the first n waiting with
// status aborted, after a cell failed with stop_on_error; the other
// requests among them are handled.
func (k *Kernel) abortQueued(n int) {
	var keep []*Message
	for ; n > 0; n-- {
		select {
		case m := <-k.shellWork:
			if m.Header.MsgType == "execute_request" {
				k.mu.Lock()
				count := k.count
				k.mu.Unlock()
				k.status(m, "busy")
				k.send(k.shell, m, "execute_reply", map[string]any{"status": "aborted", "execution_count": count})
				k.status(m, "idle")
			} else {
				keep = append(keep, m)
			}
		default:
			n = 0
		}
	}
	for _, m := range keep {
		k.handleShell(m)
	}
}

// sanitize drops the representations of a bundle that do not encode as
// JSON, noting them in text/plain.
func sanitize(d display.Data) display.Data {
	out := display.Data{Data: map[string]any{}, Metadata: d.Metadata, Transient: d.Transient}
	if out.Metadata == nil {
		out.Metadata = map[string]any{}
	}
	var bad []string
	for mime, v := range d.Data {
		if _, err := json.Marshal(v); err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", mime, err))
			continue
		}
		out.Data[mime] = v
	}
	if len(bad) > 0 {
		p, _ := out.Data[display.MIMEPlain].(string)
		out.Data[display.MIMEPlain] = strings.TrimSpace(p + "\n(not shown: " + strings.Join(bad, "; ") + ")")
	}
	if _, err := json.Marshal(out.Metadata); err != nil {
		out.Metadata = map[string]any{}
	}
	return out
}

func (k *Kernel) flushOutput() {
	if k.cap != nil {
		k.cap.flush()
	}
}

// maxStreamChunk bounds the text of one stream message.
const maxStreamChunk = 1 << 20

// publishStream publishes output of the running (or last) request.
func (k *Kernel) publishStream(name, text string) {
	parent := k.parent.Load()
	for len(text) > 0 {
		n := len(text)
		if n > maxStreamChunk {
			n = maxStreamChunk
			for n > 0 && !utf8.RuneStart(text[n]) {
				n--
			}
			if n == 0 {
				n = maxStreamChunk
			}
		}
		k.publish(parent, "stream", map[string]any{"name": name, "text": strings.ToValidUTF8(text[:n], "\uFFFD")})
		text = text[n:]
	}
}

// showDisplay is the display package's publisher.
func (k *Kernel) showDisplay(d display.Data, id string, update bool) error {
	k.flushOutput()
	d = sanitize(d)
	transient := map[string]any{}
	if id != "" {
		transient["display_id"] = id
	}
	typ := "display_data"
	if update {
		typ = "update_display_data"
	}
	k.publish(k.parent.Load(), typ, map[string]any{"data": d.Data, "metadata": d.Metadata, "transient": transient})
	return nil
}

func (k *Kernel) clearOutput(wait bool) error {
	k.flushOutput()
	k.publish(k.parent.Load(), "clear_output", map[string]any{"wait": wait})
	return nil
}

// errNoStdin is returned when a cell reads input but the front end does
// not accept input requests.
var errNoStdin = errors.New("input requested, but the front end does not support input (allow_stdin false)")

// input asks the front end of the running request for a line.
func (k *Kernel) input(prompt string, password bool) (string, error) {
	parent := k.parent.Load()
	if parent == nil || !k.allowStdin.Load() {
		return "", errNoStdin
	}
	for {
		select {
		case <-k.inputCh: // drop stale replies
			continue
		default:
		}
		break
	}
	k.flushOutput()
	k.send(k.stdin, parent, "input_request", map[string]any{"prompt": prompt, "password": password})
	ctx := k.ex.Context()
	for {
		select {
		case r := <-k.inputCh:
			if r.Header.MsgType != "input_reply" {
				continue
			}
			var c struct {
				Value string `json:"value"`
			}
			if err := json.Unmarshal(r.Content, &c); err != nil {
				return "", err
			}
			return c.Value, nil
		case <-ctx.Done():
			return "", context.Canceled
		case <-k.done:
			return "", errors.New("kernel shutting down")
		}
	}
}

func (k *Kernel) addHistory(line int, input, output string) {
	k.mu.Lock()
	k.hist = append(k.hist, historyEntry{line, input, output})
	k.mu.Unlock()
}

type historyRequest struct {
	Output  bool   `json:"output"`
	Raw     bool   `json:"raw"`
	Access  string `json:"hist_access_type"`
	Session int    `json:"session"`
	Start   int    `json:"start"`
	Stop    *int   `json:"stop"`
	N       *int   `json:"n"`
	Pattern string `json:"pattern"`
	Unique  bool   `json:"unique"`
}

// historySession is the session number of this kernel's history.
const historySession = 1

func (k *Kernel) history(m *Message) {
	var c historyRequest
	json.Unmarshal(m.Content, &c)
	k.mu.Lock()
	entries := append([]historyEntry(nil), k.hist...)
	k.mu.Unlock()
	var sel []historyEntry
	switch c.Access {
	case "tail":
		n := 10
		if c.N != nil {
			n = *c.N
		}
		if n < len(entries) {
			entries = entries[len(entries)-n:]
		}
		sel = entries
	case "range":
		if c.Session == 0 || c.Session == historySession || c.Session < 0 {
			for _, e := range entries {
				if e.line >= c.Start && (c.Stop == nil || e.line < *c.Stop) {
					sel = append(sel, e)
				}
			}
		}
	case "search":
		re := globRegexp(c.Pattern)
		seen := map[string]bool{}
		for i := len(entries) - 1; i >= 0; i-- {
			e := entries[i]
			if !re.MatchString(e.input) || (c.Unique && seen[e.input]) {
				continue
			}
			seen[e.input] = true
			sel = append([]historyEntry{e}, sel...)
			if c.N != nil && len(sel) >= *c.N {
				break
			}
		}
	}
	out := make([]any, 0, len(sel))
	for _, e := range sel {
		if c.Output {
			out = append(out, []any{historySession, e.line, []any{e.input, e.output}})
		} else {
			out = append(out, []any{historySession, e.line, e.input})
		}
	}
	k.send(k.shell, m, "history_reply", map[string]any{"status": "ok", "history": out})
}

// globRegexp turns a history search pattern (* and ? wildcards) into a
// regular expression matching the whole input.
func globRegexp(p string) *regexp.Regexp {
	if p == "" {
		p = "*"
	}
	var b strings.Builder
	b.WriteString("(?s)^")
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func (k *Kernel) isComplete(m *Message) {
	var c struct {
		Code string `json:"code"`
	}
	json.Unmarshal(m.Content, &c)
	status, indent := checkComplete(c.Code)
	reply := map[string]any{"status": status}
	if status == codeIncomplete {
		reply["indent"] = indent
	}
	k.send(k.shell, m, "is_complete_reply", reply)
}

type cursorRequest struct {
	Code        string `json:"code"`
	CursorPos   int    `json:"cursor_pos"`
	DetailLevel int    `json:"detail_level"`
}

// byteOffset converts a cursor position in code points to a byte offset.
func byteOffset(s string, cp int) int {
	if cp < 0 {
		return 0
	}
	i := 0
	for n := 0; n < cp && i < len(s); n++ {
		_, sz := utf8.DecodeRuneInString(s[i:])
		i += sz
	}
	return i
}

func (k *Kernel) complete(m *Message) {
	var c cursorRequest
	json.Unmarshal(m.Content, &c)
	off := byteOffset(c.Code, c.CursorPos)
	matches, start := k.ex.Complete(c.Code, off)
	startCP := utf8.RuneCountInString(c.Code[:start])
	k.send(k.shell, m, "complete_reply", map[string]any{
		"status": "ok", "matches": matches, "cursor_start": startCP, "cursor_end": c.CursorPos, "metadata": map[string]any{},
	})
}

func (k *Kernel) inspect(m *Message) {
	var c cursorRequest
	json.Unmarshal(m.Content, &c)
	text, found := k.ex.Inspect(c.Code, byteOffset(c.Code, c.CursorPos))
	data := map[string]any{}
	if found {
		data["text/plain"] = text
	}
	k.send(k.shell, m, "inspect_reply", map[string]any{"status": "ok", "found": found, "data": data, "metadata": map[string]any{}})
}
