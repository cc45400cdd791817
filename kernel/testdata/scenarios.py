"""Drive the torchless kernel with Debian's jupyter_client.

Usage: python3 scenarios.py SCENARIO
JUPYTER_PATH must point at a directory holding kernels/torchless (the Go
test installs the kernelspec there). Every message received is validated
with jupyter_kernel_test's message spec plus the header checks this kernel
promises (version 5.3, UTC dates). Exit status 0 means the scenario passed.
"""
import base64
import json
import os
import signal
import socket
import sys
import time
from queue import Empty

import zmq
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session
from jupyter_kernel_test.msgspec_v5 import schema_fragments, validate_message

T = 30  # seconds: bound on every wait


def check(msg, msg_type=None, parent=None):
    if msg["msg_type"] == "input_request":
        # jupyter_kernel_test's schema wants a number for password; the
        # protocol (and ipykernel) send a boolean.
        c = msg["content"]
        assert isinstance(c["prompt"], str) and isinstance(c["password"], bool), c
    elif msg["msg_type"] == "execute_reply" and msg["content"]["status"] == "aborted":
        # the suite's schema says "abort"; the protocol and ipykernel say "aborted"
        pass
    elif msg["msg_type"] not in schema_fragments:
        # comm messages: the suite has no schema for them
        assert msg["msg_type"] in ("comm_close",), msg["msg_type"]
        assert isinstance(msg["content"]["comm_id"], str) and isinstance(msg["content"]["data"], dict)
    else:
        validate_message(msg, msg_type, parent)
    h = msg["header"]
    assert h["version"] == "5.3", h
    d = h["date"]
    assert getattr(d, "tzinfo", None) is not None and d.utcoffset().total_seconds() == 0, d
    return msg


def start():
    km = KernelManager(kernel_name="torchless")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=T)
    drain(kc)
    return km, kc


def other_client(km):
    """A second frontend's client, with a session of its own. km.client()
    gives every client a clone of km's session: the same session id, which
    jupyter_client also uses as the shell socket's identity and as the
    prefix of its message ids, so two such clients could receive each
    other's replies, to requests with the same ids."""
    s = Session(key=km.session.key, signature_scheme=km.session.signature_scheme)
    return km.client(session=s)


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def drain(kc):
    for get in (kc.get_shell_msg, kc.get_iopub_msg):
        while True:
            try:
                check(get(timeout=0.2))
            except Empty:
                break


def shell_reply(kc, mid, timeout=T):
    deadline = time.time() + timeout
    while True:
        r = check(kc.get_shell_msg(timeout=max(0.1, deadline - time.time())))
        if r["parent_header"].get("msg_id") == mid:
            return r


def outputs(kc, mid, timeout=T):
    """iopub messages of request mid from busy to idle (execute_input dropped)."""
    outs = []
    seen_busy = False
    deadline = time.time() + timeout
    while True:
        m = check(kc.get_iopub_msg(timeout=max(0.1, deadline - time.time())))
        if m["parent_header"].get("msg_id") != mid:
            continue
        if m["msg_type"] == "status":
            if m["content"]["execution_state"] == "busy":
                seen_busy = True
            elif m["content"]["execution_state"] == "idle":
                assert seen_busy, "idle without busy"
                return outs
            continue
        if m["msg_type"] != "execute_input":
            outs.append(m)


def execute(kc, code, timeout=T, **kw):
    mid = kc.execute(code, **kw)
    outs = outputs(kc, mid, timeout)
    reply = shell_reply(kc, mid, timeout)
    check(reply, "execute_reply", mid)
    return reply, outs


def stream(outs, name="stdout"):
    return "".join(m["content"]["text"] for m in outs if m["msg_type"] == "stream" and m["content"]["name"] == name)


def result(outs):
    rs = [m for m in outs if m["msg_type"] == "execute_result"]
    assert len(rs) == 1, outs
    return rs[0]["content"]["data"]


def scenario_basics():
    km, kc = start()
    try:
        mid = kc.kernel_info()
        r = shell_reply(kc, mid)
        check(r, "kernel_info_reply", mid)
        c = r["content"]
        assert c["protocol_version"] == "5.3", c
        li = c["language_info"]
        assert (li["name"], li["mimetype"], li["file_extension"], li["pygments_lexer"], li["codemirror_mode"]) == \
            ("go", "text/x-go", ".go", "go", "go"), li
        assert c["banner"] and c["help_links"], c

        r, outs = execute(kc, 'import "fmt"\nfmt.Println("hello, world")')
        assert r["content"]["status"] == "ok" and stream(outs) == "hello, world\n", outs

        r, outs = execute(kc, 'import "os"\nfmt.Fprintln(os.Stderr, "to stderr")')
        assert stream(outs, "stderr") == "to stderr\n", outs

        # a write straight to file descriptor 1, as compiled code does
        r, outs = execute(kc, 'f := os.NewFile(1, "fd1")\nf.WriteString("raw fd write\\n")\nfmt.Print("")')
        assert "raw fd write\n" in stream(outs), outs

        # many short prints arrive complete and in order (coalesced)
        r, outs = execute(kc, 'for i := 0; i < 5000; i++ {\n\tfmt.Println("line", i)\n}')
        assert stream(outs) == "".join("line %d\n" % i for i in range(5000))

        r, outs = execute(kc, "x := 40\nx + 2")
        assert result(outs)["text/plain"] == "42", outs
        assert r["content"]["execution_count"] >= 1

        r, outs = execute(kc, 'import "image"\ndisplay.Show(image.NewRGBA(image.Rect(0, 0, 4, 3)))')
        dd = [m for m in outs if m["msg_type"] == "display_data"]
        assert len(dd) == 1, outs
        png = base64.b64decode(dd[0]["content"]["data"]["image/png"])
        assert png.startswith(b"\x89PNG"), png[:8]

        r, outs = execute(kc, 'id := display.NewID()\ndisplay.ShowID(id, "step 1")\ndisplay.Update(id, "step 2")\ndisplay.Clear(true)')
        types = [m["msg_type"] for m in outs]
        assert types == ["display_data", "update_display_data", "clear_output"], types
        assert outs[0]["content"]["transient"]["display_id"] == outs[1]["content"]["transient"]["display_id"]

        r, outs = execute(kc, "var a []int\na[3] = 1")
        assert r["content"]["status"] == "error", r["content"]
        errs = [m for m in outs if m["msg_type"] == "error"]
        assert len(errs) == 1 and errs[0]["content"]["ename"] == "Panic", outs
        assert isinstance(errs[0]["content"]["traceback"], list)

        r, outs = execute(kc, "x")  # the kernel kept its variables
        assert result(outs)["text/plain"] == "40", outs

        mid = kc.complete("fmt.Pri", 7)
        r = check(shell_reply(kc, mid), "complete_reply", mid)
        assert sorted(r["content"]["matches"]) == ["Print", "Printf", "Println"], r["content"]
        assert (r["content"]["cursor_start"], r["content"]["cursor_end"]) == (4, 7)

        for code, want in (("fmt.Println", "Println formats"), ("kernels.Add", "func Add(")):
            mid = kc.inspect(code, len(code))
            r = check(shell_reply(kc, mid), "inspect_reply", mid)
            assert r["content"]["found"] and want in r["content"]["data"]["text/plain"], r["content"]

        mid = kc.is_complete("func f() {")
        r = check(shell_reply(kc, mid), "is_complete_reply", mid)
        assert r["content"]["status"] == "incomplete", r["content"]

        mid = kc.history(hist_access_type="tail", n=2, output=False, raw=True)
        r = check(shell_reply(kc, mid), "history_reply", mid)
        h = r["content"]["history"]
        assert [e[2] for e in h] == ["var a []int\na[3] = 1", "x"], h

        mid = kc.comm_info()
        r = check(shell_reply(kc, mid), "comm_info_reply", mid)
        assert r["content"]["comms"] == {}

        # stdin: a cell asks for input
        mid = kc.execute('name, err := nb.Input("name? ")\nfmt.Println("hi", name, err)', allow_stdin=True)
        req = kc.get_stdin_msg(timeout=T)
        check(req, "input_request")
        assert req["content"]["prompt"] == "name? ", req["content"]
        kc.input("gopher")
        outs = outputs(kc, mid)
        shell_reply(kc, mid)
        assert stream(outs) == "hi gopher <nil>\n", outs

        mid = kc.execute('var word string\nfmt.Scanln(&word)\nfmt.Println("scanned", word)', allow_stdin=True)
        check(kc.get_stdin_msg(timeout=T), "input_request")
        kc.input("gopher")
        outs = outputs(kc, mid)
        shell_reply(kc, mid)
        assert stream(outs) == "scanned gopher\n", outs

        # comm_open is closed politely
        msg = kc.session.msg("comm_open", {"comm_id": "c1", "target_name": "jupyter.widget", "data": {}})
        kc.shell_channel.send(msg)
        outs = outputs(kc, msg["header"]["msg_id"])
        assert [m["msg_type"] for m in outs] == ["comm_close"] and outs[0]["content"]["comm_id"] == "c1", outs

        r, outs = execute(kc, "1", silent=True)
        assert outs == [], outs
    finally:
        stop(km, kc)


def long_cell(kc):
    return kc.execute('import "time"\nn := 0\nfor ctx.Err() == nil {\n\tn++\n\ttime.Sleep(time.Millisecond)\n}')


def wait_running(kc, mid):
    deadline = time.time() + T
    while time.time() < deadline:
        m = check(kc.get_iopub_msg(timeout=T))
        if m["msg_type"] == "execute_input" and m["parent_header"].get("msg_id") == mid:
            time.sleep(0.3)
            return
    raise AssertionError("cell never started")


def scenario_interrupt():
    km, kc = start()
    try:
        execute(kc, "kept := 5")
        for how in ("message", "sigint"):
            mid = long_cell(kc)
            wait_running(kc, mid)
            # heartbeat answers while the cell is busy
            ctx = zmq.Context.instance()
            hb = ctx.socket(zmq.REQ)
            hb.linger = 0
            hb.connect("%s://%s:%d" % (km.transport, km.ip, km.hb_port))
            hb.send(b"ping")
            assert hb.poll(5000), "no heartbeat while busy"
            assert hb.recv() == b"ping"
            hb.close()
            if how == "message":
                km.interrupt_kernel()  # interrupt_mode message: interrupt_request on control
            else:
                km.signal_kernel(signal.SIGINT)
            r = shell_reply(kc, mid)
            assert r["content"]["status"] == "error" and r["content"]["ename"] == "Interrupt", (how, r["content"])
            r, outs = execute(kc, "kept")
            assert result(outs)["text/plain"] == "5", (how, outs)
    finally:
        stop(km, kc)


def scenario_restart():
    km, kc = start()
    try:
        execute(kc, "before := 1")
        pid = km.provisioner.process.pid
        km.restart_kernel(now=False)  # shutdown_request with restart=True, then a new process
        assert km.provisioner.process.pid != pid
        kc.wait_for_ready(timeout=T)
        drain(kc)
        r, outs = execute(kc, "before")
        assert r["content"]["status"] == "error", "variables must not survive a restart"
        r, outs = execute(kc, "1 + 1")
        assert result(outs)["text/plain"] == "2"
    finally:
        stop(km, kc)
    assert not km.is_alive()


def scenario_shutdown():
    km, kc = start()
    proc = km.provisioner.process
    mid = kc.shutdown()
    deadline = time.time() + T
    got = None
    while time.time() < deadline:
        m = check(kc.get_iopub_msg(timeout=T))
        if m["msg_type"] == "shutdown_reply" and m["parent_header"].get("msg_id") == mid:
            got = m
            break
    assert got is not None and got["content"]["restart"] is False, got
    rc = proc.wait(timeout=T)
    assert rc == 0, rc
    kc.stop_channels()
    km.cleanup_resources()


def scenario_sigterm():
    km, kc = start()
    proc = km.provisioner.process
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=T)
    assert rc == 0, rc
    kc.stop_channels()
    km.cleanup_resources()


def scenario_two_clients():
    km, kc = start()
    kc2 = other_client(km)
    kc2.start_channels()
    kc2.wait_for_ready(timeout=T)
    drain(kc2)
    try:
        r, outs = execute(kc, 'import "fmt"\nfmt.Println("from one")')
        assert stream(outs) == "from one\n"
        outs2 = outputs(kc2, r["parent_header"]["msg_id"])
        assert stream(outs2) == "from one\n", outs2
        r2, outs2 = execute(kc2, 'fmt.Println("from two")')
        assert stream(outs2) == "from two\n"
        outs = outputs(kc, r2["parent_header"]["msg_id"])
        assert stream(outs) == "from two\n", outs
    finally:
        kc2.stop_channels()
        stop(km, kc)


def scenario_stalled_subscriber():
    km, kc = start()
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.RCVHWM, 1)
    sub.setsockopt(zmq.RCVBUF, 4096)
    sub.linger = 0
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect("%s://%s:%d" % (km.transport, km.ip, km.iopub_port))
    time.sleep(0.5)  # let the subscription reach the kernel; never read
    try:
        mib = 20
        code = ('import "os"\nimport "strings"\nline := strings.Repeat("x", 1023) + "\\n"\n'
                'for i := 0; i < %d*1024; i++ {\n\tos.Stdout.WriteString(line)\n}' % mib)
        r, outs = execute(kc, code, timeout=90)
        assert r["content"]["status"] == "ok", r["content"]
        n = len(stream(outs))
        assert n == mib << 20, n
        r, outs = execute(kc, "1")
        assert result(outs)["text/plain"] == "1"
    finally:
        sub.close()
        stop(km, kc)


def scenario_silent_tcp():
    km, kc = start()
    silent = []
    try:
        for port in (km.shell_port, km.control_port, km.stdin_port, km.iopub_port, km.hb_port):
            s = socket.create_connection((km.ip, port))
            silent.append(s)
        time.sleep(0.3)
        kc2 = other_client(km)
        kc2.start_channels()
        kc2.wait_for_ready(timeout=T)
        drain(kc2)
        r, outs = execute(kc2, "2 * 21")
        assert result(outs)["text/plain"] == "42", outs
        hb = zmq.Context.instance().socket(zmq.REQ)
        hb.linger = 0
        hb.connect("%s://%s:%d" % (km.transport, km.ip, km.hb_port))
        hb.send(b"x")
        assert hb.poll(5000) and hb.recv() == b"x"
        hb.close()
        kc2.stop_channels()
    finally:
        for s in silent:
            s.close()
        stop(km, kc)


def scenario_forward_interrupt():
    """Interrupt a running forward pass of a real (fixture) model; the model
    stays usable. TORCHLESS_TEST_MODEL is the model file."""
    model = os.environ["TORCHLESS_TEST_MODEL"]
    km, kc = start()
    try:
        r, outs = execute(kc, "%%load %s as m" % model)
        assert r["content"]["status"] == "ok", r["content"]
        assert stream(outs).startswith("m = "), outs
        types = [m["msg_type"] for m in outs]
        assert types[:2] == ["display_data", "update_display_data"], types
        r, outs = execute(kc, "%hooks m")
        assert "blocks.0.attn.hook_pattern" in stream(outs), outs
        # Passes of 4000 tokens in one batch (~0.5 s each on the two-layer
        # fixture), one after another for ~10 s unless cancelled: a
        # single pass could end before the interrupt arrives between its
        # layers.
        mid = kc.execute("ids := make([]int, 4000)\nfor i := range ids {\n\tids[i] = 5\n}\n"
                         "var ferr error\nfor i := 0; i < 20 && ferr == nil; i++ {\n"
                         "\t_, ferr = m.ForwardBatch(ctx, m.NewState(), ids)\n}")
        wait_running(kc, mid)
        km.interrupt_kernel()
        r = shell_reply(kc, mid)
        assert r["content"]["status"] == "error" and r["content"]["ename"] == "Interrupt", r["content"]
        r, outs = execute(kc, "logits, err := m.Forward(ctx, m.NewState(), 1)\nlen(logits)")
        assert r["content"]["status"] == "ok", r["content"]
        assert result(outs)["text/plain"] == "384", outs
    finally:
        stop(km, kc)


def scenario_notebook():
    """notebooks/kernel-tour.ipynb runs with nbclient (its %load path
    replaced by TORCHLESS_TEST_MODEL); cells are found by their tags."""
    import nbformat
    from nbclient import NotebookClient

    model = os.environ["TORCHLESS_TEST_MODEL"]
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "notebooks", "kernel-tour.ipynb")
    nb = nbformat.read(path, as_version=4)
    cells = {c.metadata.get("tags", [""])[0]: c for c in nb.cells if c.cell_type == "code"}
    load = cells["load"]
    assert load.source.startswith("%load "), load.source
    load.source = "%%load %s as m" % model
    client = NotebookClient(nb, timeout=T, kernel_name="torchless", startup_timeout=T,
                            resources={"metadata": {"path": os.path.dirname(path)}})
    client.execute()
    nbformat.validate(nb)
    for c in nb.cells:
        if c.cell_type == "code":
            errs = [o for o in c.outputs if o["output_type"] == "error"]
            assert not errs, (c.source, errs)
    outs = {k: c.outputs for k, c in cells.items()}
    # %load: a progress display updated in place, then the binding
    assert outs["load"][0]["output_type"] == "display_data", outs["load"]
    assert outs["load"][0]["data"]["text/plain"].startswith("loaded "), outs["load"]
    assert outs["load"][1]["text"].startswith("m = "), outs["load"]
    assert outs["config"][0]["text"].startswith("layers: "), outs["config"]
    assert outs["capture"][0]["data"]["text/plain"] == "<nil>", outs["capture"]
    figs = [o for o in outs["figure"] if o["output_type"] == "execute_result"]
    assert len(figs) == 1 and "image/png" in figs[0]["data"], outs["figure"]
    png = base64.b64decode(figs[0]["data"]["image/png"])
    assert png.startswith(b"\x89PNG"), png[:8]
    assert outs["markdown"][0]["data"]["text/markdown"].startswith("**note:**"), outs["markdown"]
    gen = outs["generate"]
    assert gen[0]["output_type"] == "display_data" and gen[0]["data"]["text/plain"] == "generating: 20/20", gen
    assert [o for o in gen if o["output_type"] == "execute_result"][0]["data"]["text/plain"] == "20", gen
    texts = "".join(o.get("text", "") for o in outs["time"])
    assert "Wall time" in texts, outs["time"]


def scenario_teaching_notebooks():
    """Every notebook in notebooks/ but the tour (which the notebook
    scenario runs) executes top to bottom with nbclient, reading models
    from ../../shared as written; no cell errors, and every code cell
    shows something."""
    import glob
    import nbformat
    from nbclient import NotebookClient

    here = os.path.dirname(os.path.abspath(__file__))
    nbdir = os.path.join(here, "..", "..", "notebooks")
    paths = sorted(p for p in glob.glob(os.path.join(nbdir, "*.ipynb")) if not p.endswith("kernel-tour.ipynb"))
    assert paths, "no teaching notebooks in " + nbdir
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=T, kernel_name="torchless", startup_timeout=T,
                                resources={"metadata": {"path": nbdir}})
        client.execute()
        nbformat.validate(nb)
        for c in nb.cells:
            if c.cell_type != "code":
                continue
            errs = [o for o in c.outputs if o["output_type"] == "error"]
            assert not errs, (path, c.source, errs)
            assert c.outputs, (path, "no output", c.source)
        figs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o["output_type"] == "execute_result" and "image/png" in o.get("data", {})]
        assert figs, (path, "no figure")
        print("ran", os.path.basename(path), len(nb.cells), "cells,", len(figs), "figures")


def main():
    name = sys.argv[1]
    fn = globals().get("scenario_" + name)
    if fn is None:
        print("unknown scenario", name, file=sys.stderr)
        sys.exit(2)
    fn()
    print("PASS", name)


if __name__ == "__main__":
    main()
