package kernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// KernelName is the kernelspec's directory name.
const KernelName = "torchless"

// Kernelspec is the content of kernel.json.
type Kernelspec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata,omitempty"`
}

// NewKernelspec returns the kernelspec that runs executable as the kernel.
func NewKernelspec(executable string) Kernelspec {
	return Kernelspec{
		Argv:          []string{executable, "kernel", "--connection-file", "{connection_file}"},
		DisplayName:   "Go (torchless)",
		Language:      "go",
		InterruptMode: "message",
	}
}

// KernelsDir returns the Jupyter kernels directory for the install mode
// ("user", "sys-prefix", or "prefix" with prefix set).
func KernelsDir(mode, prefix string) (string, error) {
	switch mode {
	case "user":
		if runtime.GOOS == "darwin" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", err
			}
			return filepath.Join(home, "Library", "Jupyter", "kernels"), nil
		}
		if runtime.GOOS == "windows" {
			return filepath.Join(os.Getenv("APPDATA"), "jupyter", "kernels"), nil
		}
		data := os.Getenv("XDG_DATA_HOME")
		if data == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", err
			}
			data = filepath.Join(home, ".local", "share")
		}
		return filepath.Join(data, "jupyter", "kernels"), nil
	case "sys-prefix":
		p, err := sysPrefix()
		if err != nil {
			return "", err
		}
		return filepath.Join(p, "share", "jupyter", "kernels"), nil
	case "prefix":
		if prefix == "" {
			return "", errors.New("--prefix needs a directory")
		}
		return filepath.Join(prefix, "share", "jupyter", "kernels"), nil
	}
	return "", fmt.Errorf("unknown install mode %q", mode)
}

// sysPrefix is Python's sys.prefix: the active virtual or conda
// environment, else what python3 reports.
func sysPrefix() (string, error) {
	for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if p := os.Getenv(v); p != "" {
			return p, nil
		}
	}
	out, err := exec.Command("python3", "-c", "import sys; print(sys.prefix)").Output()
	if err != nil {
		return "", fmt.Errorf("--sys-prefix: cannot ask python3 for sys.prefix: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Install writes the kernelspec directory (kernel.json and the logos) under
// kernelsDir and returns its path.
func Install(kernelsDir, executable string) (string, error) {
	dir := filepath.Join(kernelsDir, KernelName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(NewKernelspec(executable), "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	for _, size := range []int{32, 64} {
		logo, err := Logo(size)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("logo-%dx%d.png", size, size)), logo, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// Logo draws the kernel's logo (a Go-blue disc with a white flame-like
// spark) as a size×size PNG.
func Logo(size int) ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	blue := color.NRGBA{0x00, 0xAD, 0xD8, 0xFF}
	white := color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	c := float64(size-1) / 2
	r := float64(size) / 2
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			dx, dy := float64(x)-c, float64(y)-c
			d := dx*dx + dy*dy
			switch {
			case d <= r*r:
				img.SetNRGBA(x, y, blue)
			}
			// a white "T" for torchless
			fx, fy := float64(x)/float64(size), float64(y)/float64(size)
			if (fy > 0.25 && fy < 0.37 && fx > 0.25 && fx < 0.75) || (fx > 0.44 && fx < 0.56 && fy >= 0.37 && fy < 0.78) {
				img.SetNRGBA(x, y, white)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
