"""Runs inside a traced Python process: records where sockets and HTTP responses are created and
which of them are still open, and writes that to $LEAKLINT_TRACE_DIR/trace-PID.json at exit.

It is copied next to a .pth line or run as a wrapper (`python tracer.py script.py ...`), so it
uses the standard library only, Python 3.8 syntax (no dataclass slots, no match) and imports
nothing from leaklint. Sockets are seen through `sys.addaudithook` ("socket.__new__");
responses through a wrapper around `http.client.HTTPResponse.__init__`, installed once
http.client is loaded.
"""
import atexit
import builtins
import io
import json
import os
import runpy
import signal
import site
import sys
import sysconfig
import threading
import time
import types
import weakref

ENV_DIR = "LEAKLINT_TRACE_DIR"
ENV_INTERVAL = "LEAKLINT_TRACE_INTERVAL"
PRUNE_EVERY = 512


def _library_prefixes():
    """Returns (stdlib prefixes, site-packages prefixes) as tuples of directory paths."""
    paths = sysconfig.get_paths()
    stdlib = {paths.get("stdlib"), paths.get("platstdlib")}
    packages = {paths.get("purelib"), paths.get("platlib")}
    try:
        packages.update(site.getsitepackages())
        packages.add(site.getusersitepackages())
    except AttributeError:
        pass
    clean = lambda found: tuple(os.path.join(os.path.realpath(p), "") for p in found if p)  # noqa: E731
    return clean(stdlib), clean(packages)


class Tracer:
    """Creation sites and liveness of the sockets and responses of this process."""

    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.stdlib, self.packages = _library_prefixes()
        self.own_file = os.path.realpath(__file__) if "__file__" in globals() else ""
        self.kinds = {}
        self.created = {}
        self.sockets = {}
        self.responses = {}
        self.http_sockets = set()
        self.peak = {}
        self.patched = False
        self.inserted = 0

    def _kind_of(self, code):
        """Returns (kind, real path): kind 0 user code, 1 site-packages, 2 stdlib or this tracer."""
        name = code.co_filename
        real = os.path.realpath(name) if not name.startswith("<") else name
        if name.startswith("<") or real == self.own_file:
            return 2, real
        if real.startswith(self.packages):
            return 1, real
        return (2 if real.startswith(self.stdlib) else 0), real

    def site(self, frame):
        """Returns (file, line) of the first frame outside the stdlib and site-packages.

        Falls back to the first frame outside the stdlib; None if every frame is the stdlib's.
        """
        fallback = None
        kinds = self.kinds
        while frame is not None:
            code = frame.f_code
            known = kinds.get(code)
            if known is None:
                known = kinds[code] = self._kind_of(code)
            if known[0] == 0:
                return (known[1], frame.f_lineno)
            if known[0] == 1 and fallback is None:
                fallback = (known[1], frame.f_lineno)
            frame = frame.f_back
        return fallback

    def _count(self, kind, site):
        """Counts a creation at a site, pruning dead objects now and then."""
        key = (kind,) + site
        self.created[key] = self.created.get(key, 0) + 1
        self.inserted += 1
        if self.inserted % PRUNE_EVERY == 0:
            self._prune()

    def on_socket(self, sock, frame):
        """Records a new socket object and its creation site."""
        if not self.patched and "http.client" in sys.modules:
            self._patch_http(sys.modules["http.client"])
        site = self.site(frame)
        if site is None:
            return
        try:
            ref = weakref.ref(sock)
        except TypeError:
            return
        self._count("socket", site)
        self.sockets[id(sock)] = (ref, site)

    def on_response(self, response, sock, frame):
        """Records a new http.client response, its site and the socket it reads from."""
        site = self.site(frame)
        if site is None:
            return
        self._count("response", site)
        self.responses[id(response)] = (weakref.ref(response), site, id(sock))
        self.http_sockets.add(id(sock))

    def _patch_http(self, module):
        """Wraps HTTPResponse.__init__ so that every response reports itself."""
        self.patched = True
        original = module.HTTPResponse.__init__
        tracer = self

        def __init__(response, sock, *args, **kwargs):
            original(response, sock, *args, **kwargs)
            tracer.on_response(response, sock, sys._getframe(1))

        module.HTTPResponse.__init__ = __init__

    def _prune(self):
        """Forgets objects that were garbage collected."""
        for table in (self.sockets, self.responses):
            for key in [k for k, v in list(table.items()) if v[0]() is None]:
                table.pop(key, None)

    def snapshot(self):
        """Returns {(kind, file, line): [open, idle]} for the objects alive now."""
        counts, busy = {}, set()
        for ref, site, sock_id in list(self.responses.values()):
            response = ref()
            if response is not None and not response.isclosed():
                counts.setdefault(("response",) + site, [0, 0])[0] += 1
                busy.add(sock_id)
        for sock_id, (ref, site) in list(self.sockets.items()):
            sock = ref()
            if sock is None or sock.fileno() == -1:
                continue
            slot = counts.setdefault(("socket",) + site, [0, 0])
            if sock_id in self.http_sockets:
                slot[1] += sock_id not in busy
            else:
                slot[0] += 1
        for key, (opened, _) in counts.items():
            self.peak[key] = max(self.peak.get(key, 0), opened)
        return counts

    def report(self, final):
        """Returns the JSON-ready report of every site seen."""
        counts = self.snapshot()
        sites = []
        for key in sorted(set(self.created) | set(counts)):
            opened, idle = counts.get(key, (0, 0))
            sites.append({"kind": key[0], "file": key[1], "line": key[2],
                          "created": self.created.get(key, 0), "open": opened, "idle": idle,
                          "peak": self.peak.get(key, 0)})
        return {"pid": os.getpid(), "argv": sys.argv, "python": sys.executable,
                "final": final, "time": time.time(), "sites": sites}

    def write(self, final=True):
        """Writes the report atomically to the output directory."""
        path = os.path.join(self.out_dir, "trace-%d.json" % os.getpid())
        try:
            with open(path + ".tmp", "w") as f:
                json.dump(self.report(final), f)
            os.replace(path + ".tmp", path)
        except OSError:
            pass


_tracer = None


def _watch(interval):
    """Keeps peaks up to date and leaves a partial report behind every few seconds."""
    last = time.monotonic()
    while True:
        time.sleep(interval)
        tracer = _tracer
        if tracer is None:
            return
        tracer.snapshot()
        if time.monotonic() - last >= 2.0:
            tracer.write(final=False)
            last = time.monotonic()


def _audit(event, args):
    """The audit hook: every event of the process passes here, so it returns fast."""
    if event == "socket.__new__" and _tracer is not None:
        _tracer.on_socket(args[0], sys._getframe(1))


def _on_term(signum, frame):
    """Turns SIGTERM into SystemExit so that the atexit report is written."""
    raise SystemExit(128 + signum)


def _start_watch():
    """Starts the peak-tracking thread unless LEAKLINT_TRACE_INTERVAL is 0."""
    interval = float(os.environ.get(ENV_INTERVAL, "0.25") or 0)
    if interval > 0:
        threading.Thread(target=_watch, args=(interval,), name="leaklint-trace", daemon=True).start()


def _after_fork():
    """Starts afresh in a forked child: its report is its own."""
    global _tracer
    if _tracer is not None:
        _tracer = Tracer(_tracer.out_dir)
        _start_watch()


def install(out_dir=None):
    """Starts tracing this process (once); returns the Tracer, or None without an output dir."""
    global _tracer
    out_dir = out_dir or os.environ.get(ENV_DIR)
    if _tracer is not None or not out_dir:
        return _tracer
    _tracer = Tracer(out_dir)
    if "http.client" in sys.modules:
        _tracer._patch_http(sys.modules["http.client"])
    sys.addaudithook(_audit)
    atexit.register(lambda: _tracer and _tracer.write(final=True))
    os.register_at_fork(after_in_child=_after_fork)
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_term)
    _start_watch()
    return _tracer


_modules = []


def _fresh_main(path):
    """Returns a new __main__ module (registered in sys.modules) for the traced program.

    Like the interpreter's own __main__, it stays alive until exit, so what the program holds
    at module level is still open when the atexit report is written, also after SIGTERM.
    """
    _modules.append(sys.modules.get(__name__))
    module = types.ModuleType("__main__")
    module.__dict__.update({"__builtins__": builtins, "__file__": path, "__cached__": None})
    if path is None:
        del module.__file__
    sys.modules["__main__"] = module
    _modules.append(module)
    return module


def _run(argv):
    """Runs `script args`, `-m module args` or `-c code args` the way the interpreter would."""
    if not argv:
        sys.exit("usage: tracer.py (SCRIPT | -m MODULE | -c CODE) [ARGS...]")
    if argv[0] == "-m":
        sys.argv = [argv[1]] + argv[2:]
        sys.path[0] = os.getcwd()
        _fresh_main(None)
        runpy._run_module_as_main(argv[1], alter_argv=True)
    elif argv[0] == "-c":
        sys.argv = ["-c"] + argv[2:]
        sys.path[0] = ""
        exec(compile(argv[1], "<string>", "exec"), _fresh_main(None).__dict__)
    else:
        path = os.path.realpath(argv[0])
        sys.argv = list(argv)
        sys.path[0] = os.path.dirname(path)
        with io.open_code(path) as f:
            code = compile(f.read(), argv[0], "exec")
        exec(code, _fresh_main(argv[0]).__dict__)


if __name__ == "__main__":
    install()
    _run(sys.argv[1:])
elif __name__ == "_leaklint_tracer_pth":
    install()
