package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/torchless-go/torchless/kernel"
	"github.com/torchless-go/torchless/models"
)

func init() {
	register("kernel", "run the Jupyter kernel, or install its kernelspec (kernel install)", runKernel)
	// %load and %hooks use the models package.
	kernel.SetLoader(func(ctx context.Context, path string) (any, error) {
		return models.LoadContext(ctx, path, "", models.LoadOptions{})
	})
	kernel.SetHookLister(func(v any) ([]string, error) {
		m, ok := v.(models.Model)
		if !ok {
			return nil, fmt.Errorf("%T is not a models.Model", v)
		}
		var out []string
		for _, n := range m.HookNames() {
			out = append(out, fmt.Sprintf("%-40s %v", n, m.HookShape(n, 1, 1)))
		}
		return out, nil
	})
}

func runKernel(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "install" {
		return installKernel(args[1:])
	}
	fs := flag.NewFlagSet("kernel", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: torchless kernel --connection-file FILE\n       torchless kernel install [--user|--sys-prefix|--prefix DIR]")
		fs.PrintDefaults()
	}
	conn := fs.String("connection-file", "", "Jupyter connection file (written by the front end)")
	noCapture := fs.Bool("no-capture", false, "leave file descriptors 1 and 2 alone (prints of compiled code go to the terminal)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *conn == "" && fs.NArg() == 1 {
		*conn = fs.Arg(0)
	}
	if *conn == "" {
		fs.Usage()
		return errors.New("missing --connection-file")
	}
	return kernel.Run(ctx, *conn, kernel.Options{NoCapture: *noCapture})
}

func installKernel(args []string) error {
	fs := flag.NewFlagSet("kernel install", flag.ContinueOnError)
	user := fs.Bool("user", false, "install for the current user (the default)")
	sysPrefix := fs.Bool("sys-prefix", false, "install into Python's sys.prefix (the active virtual environment)")
	prefix := fs.String("prefix", "", "install into `DIR`/share/jupyter/kernels")
	if err := fs.Parse(args); err != nil {
		return err
	}
	n := 0
	mode := "user"
	if *user {
		n++
	}
	if *sysPrefix {
		n++
		mode = "sys-prefix"
	}
	if *prefix != "" {
		n++
		mode = "prefix"
	}
	if n > 1 {
		return errors.New("kernel install: --user, --sys-prefix and --prefix are exclusive")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	dir, err := kernel.KernelsDir(mode, *prefix)
	if err != nil {
		return err
	}
	path, err := kernel.Install(dir, exe)
	if err != nil {
		return err
	}
	fmt.Println("installed kernelspec", kernel.KernelName, "in", path)
	return nil
}
