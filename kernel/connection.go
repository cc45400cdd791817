package kernel

import (
	"encoding/json"
	"fmt"
	"os"
)

// ConnectionInfo is the content of a Jupyter connection file.
type ConnectionInfo struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	StdinPort       int    `json:"stdin_port"`
	IOPubPort       int    `json:"iopub_port"`
	HBPort          int    `json:"hb_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile reads and checks a connection file.
func ReadConnectionFile(path string) (*ConnectionInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ci ConnectionInfo
	if err := json.Unmarshal(b, &ci); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if ci.Transport == "" {
		ci.Transport = "tcp"
	}
	if ci.Transport != "tcp" && ci.Transport != "ipc" {
		return nil, fmt.Errorf("%s: transport %q not supported (tcp or ipc)", path, ci.Transport)
	}
	if ci.IP == "" {
		return nil, fmt.Errorf("%s: missing ip", path)
	}
	if ci.Transport == "tcp" {
		for _, p := range []struct {
			name string
			port int
		}{{"shell_port", ci.ShellPort}, {"control_port", ci.ControlPort}, {"stdin_port", ci.StdinPort}, {"iopub_port", ci.IOPubPort}, {"hb_port", ci.HBPort}} {
			if p.port <= 0 || p.port > 65535 {
				return nil, fmt.Errorf("%s: bad %s %d", path, p.name, p.port)
			}
		}
	}
	if ci.Key != "" && ci.SignatureScheme != "hmac-sha256" {
		return nil, fmt.Errorf("%s: signature_scheme %q not supported (hmac-sha256)", path, ci.SignatureScheme)
	}
	return &ci, nil
}

// endpoint returns the zmq4 endpoint of a port, through the guarded
// transport.
func (ci *ConnectionInfo) endpoint(port int) string {
	if ci.Transport == "ipc" {
		return fmt.Sprintf("%s://%s-%d", guardedIPC, ci.IP, port)
	}
	return fmt.Sprintf("%s://%s:%d", guardedTCP, ci.IP, port)
}
