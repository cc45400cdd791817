// Package kernel is torchless's Jupyter kernel: Go cells, run by the yaegi
// interpreter, with the project's packages at hand, rich display, and
// interrupts that stop a forward pass without losing the session.
//
// # Running
//
//	torchless kernel install [--user|--sys-prefix|--prefix DIR]
//	jupyter lab   # pick "Go (torchless)"
//
// The kernelspec (named torchless, interrupt_mode message) runs
// `torchless kernel --connection-file F`.
//
// # Protocol
//
// Jupyter messaging protocol 5.3 over github.com/go-zeromq/zmq4: shell,
// control and stdin ROUTER sockets, an iopub PUB socket and a heartbeat
// echo, with HMAC-SHA256 signatures (messages with bad signatures are
// dropped and logged). Control requests (interrupt, shutdown) are handled on
// their own goroutine, so they work while a cell runs; SIGINT interrupts
// the running cell and SIGTERM exits. File descriptors 1 and 2 are
// captured, so prints of compiled code reach the notebook as streams.
// zmq4's connections go through a guarded transport (see transport.go): a
// peer is admitted once it has sent the ZMTP signature, and a peer that
// stops reading is dropped after a write timeout, so neither a silent TCP
// connection nor a suspended client can stall the others.
//
// # Cells
//
// A cell is Go: declarations (import, func, type, var, const) and
// statements may be mixed; the kernel runs the imports, then the other
// declarations, then the statements. The value of a final expression
// statement is displayed (a call returning nothing, several values or a
// nil error is not). Variables, functions and types persist across cells.
// Importing a package a second time is ignored.
//
// Predeclared in every cell: ctx, the cell's context.Context, cancelled
// when the user interrupts the kernel (pass it to every long call:
// m.Forward(ctx, ...), introspect.RunWithCache(ctx, ...)); the packages
// display (kernel/display: HTML, PNG, SVG, Markdown, JSON, Image, Show,
// ShowID, Update, Clear) and nb (kernel/nb: Context, Input, Password).
// fmt.Scan* and nb.Input ask the front end for input (input_request).
//
// The standard library and the packages listed in kernel/symbols/packages.txt
// can be imported. A panic in a cell or in compiled code it calls becomes
// the cell's error; the kernel keeps its variables.
//
// # Dialect limits (yaegi v0.16.1)
//
//   - no min, max or clear builtins; no range over integers or functions;
//   - loop variables are shared between iterations (pre-Go 1.22 semantics);
//   - no generic functions of compiled packages (the project's API has
//     none);
//   - redefining a type needs %reset or a kernel restart;
//   - display.Show sees one display method of a type declared in a cell
//     (all of them when the value is the cell's last expression);
//   - a panic in a goroutine a cell starts with go func() {...}() is
//     recovered and reported on stderr; in go namedFunc(...) it ends the
//     kernel, as in any Go program (recover inside such functions);
//   - an interrupt stops interpreted code at once; compiled code stops when
//     it next checks ctx.
//
// # Magics
//
// On the first lines of a cell: %load PATH [as NAME], %models, %hooks NAME,
// %time, %who, %reset, %help (see MagicHelp). %load calls the function set
// with SetLoader and %hooks the one set with SetHookLister; the torchless
// command wires both to the models package.
package kernel
