"""Runs inside a traced Python process: streams, as JSON lines to $LEAKLINT_TRACE_DIR/trace-PID-N.jsonl,
every socket and HTTP response it creates (with the whole stack of user frames), whether the
program released it or it was reclaimed while still open, which finding lines ran, and at exit
what was still open.

It is copied next to a .pth line or run as a wrapper (`python tracer.py script.py ...`), so it
uses the standard library only, Python 3.8 syntax (no dataclass slots, no match) and imports
nothing from leaklint; its siblings tracer_model.py (what is recorded) and tracer_lines.py (which
finding lines ran) are loaded from its own directory. "Released" is the static rules'
definition: close(), detach() (what wrap_socket does to the plain socket), a response read to its
end, all through explicit calls; a close that runs inside a finalizer (`__del__`, or io's, which
marks the object `_finalizing`) is a reclamation, what ResourceWarning reports.
"""
import atexit
import builtins
import importlib.util
import io
import json
import os
import runpy
import signal
import sys
import threading
import types

ENV_DIR = "LEAKLINT_TRACE_DIR"
ENV_LINES = "LEAKLINT_TRACE_LINES"
INSTALLED = "_leaklint_tracer_installed"
CONNECTION_DEPTH = 12


def _sibling(name):
    """Returns tracer_NAME.py from this file's directory (validate copies them side by side as
    _leaklint_tracer_NAME.py), loaded once per process."""
    key = "_leaklint_tracer_" + name
    if key not in sys.modules:
        here = os.path.dirname(os.path.abspath(__file__))
        prefix = "_leaklint_tracer_" if os.path.basename(__file__).startswith("_leaklint") else "tracer_"
        spec = importlib.util.spec_from_file_location(key, os.path.join(here, prefix + name + ".py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


_model = _sibling("model")
Frames, Objects, Stream, USER = _model.Frames, _model.Objects, _model.Stream, _model.USER


class Tracer:
    """This process's hooks: the audit hook for sockets, wrappers in socket and http.client."""

    def __init__(self, out_dir, wanted):
        self.out_dir = out_dir
        self.frames, self.stream = Frames((__file__, _sibling("lines").__file__)), Stream(out_dir)
        self.objects = Objects(self.stream)
        self.lines = _sibling("lines").Lines(self.stream, self.frames, wanted) if wanted else None

    def on_socket(self, sock, frame):
        """Follows a socket created on behalf of user code (not a library's pool)."""
        if "socket" in sys.modules:
            self.patch_socket(sys.modules["socket"])
        owner, stack = self.frames.stack(frame)
        if owner == USER:
            sites = [self.stream.site(stack)] + self._connection_sites(frame)
            self.objects.track(sock, "socket", sites)

    def on_response(self, response, args, frame):
        """Follows an http.client response (urllib, http.client, urllib3 and requests use it);
        args[0] is the socket it reads from."""
        sock = args[0] if args else None
        stack = self.frames.stack(frame)[1]
        if stack:
            sites = [self.stream.site(stack)] + self._connection_sites(frame)
            self.objects.track(response, "response", sites, self.objects.key_of(sock))

    def on_connection(self, connection, args, frame):
        """Remembers where user code made an HTTPConnection: its lazily opened socket belongs there."""
        owner, stack = self.frames.stack(frame)
        if owner == USER and stack:
            connection.__dict__["_leaklint_site"] = self.stream.site(stack)

    @staticmethod
    def _connection_sites(frame):
        """Returns the creation site of the user's HTTPConnection whose connect() or
        getresponse() is on the stack (where its socket and responses are made)."""
        for _ in range(CONNECTION_DEPTH):
            if frame is None:
                return []
            code = frame.f_code
            if code.co_name in ("connect", "getresponse") and code.co_argcount and code.co_varnames[0] == "self":
                found = getattr(frame.f_locals["self"], "__dict__", {}).get("_leaklint_site")
                if found is not None:
                    return [found]
            frame = frame.f_back
        return []

    @staticmethod
    def patch_socket(module):
        """Wraps socket.socket's _real_close and detach (once): both release the socket."""
        if "socket" not in _patched:
            _patched.add("socket")
            for name in ("_real_close", "detach"):
                setattr(module.socket, name, _releasing(getattr(module.socket, name)))

    @staticmethod
    def patch_http(module):
        """Wraps http.client (once): responses report themselves and their release (an
        explicit close or a read to the end both go through _close_conn); connections made by
        user code remember where."""
        if "http" in _patched:
            return
        _patched.add("http")
        response, connection = module.HTTPResponse, module.HTTPConnection
        response.__init__ = _reporting(response.__init__, "on_response")
        response._close_conn = _releasing(response._close_conn)
        connection.__init__ = _reporting(connection.__init__, "on_connection")

    def final(self):
        """Writes the final record (what is open now, whether line tracing stayed ours) once."""
        self.stream.emit({"e": "final", "open": self.objects.still_open(),
                          "lines_intact": self.lines.intact() if self.lines else None})
        self.stream.closed = True


def _releasing(method):
    """Returns `method` wrapped to report, before it runs, that its object is being released."""
    def release(self, *args, **kwargs):
        """Reports the release, then runs the wrapped method."""
        tracer = _tracer
        if tracer is not None:
            tracer.objects.release(self, sys._getframe(1))
        return method(self, *args, **kwargs)
    return release


def _reporting(init, hook):
    """Returns an __init__ wrapped to call the tracer's `hook` with the new object afterwards."""
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        tracer = _tracer
        if tracer is not None:
            getattr(tracer, hook)(self, args, sys._getframe(1))
    return __init__


class _PatchOnImport:
    """A meta path finder that patches http.client right after it is first imported."""

    def find_spec(self, name, path, target=None):
        """Returns http.client's spec with a loader that patches the module it executes."""
        if name != "http.client" or _tracer is None:
            return None
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, "find_spec"):
                spec = finder.find_spec(name, path, target)
                if spec is not None and hasattr(spec.loader, "exec_module"):
                    execute = spec.loader.exec_module

                    def exec_module(module, execute=execute):
                        """Executes http.client, then patches it."""
                        execute(module)
                        if _tracer is not None:
                            _tracer.patch_http(module)
                    spec.loader.exec_module = exec_module
                    return spec
        return None


_tracer = None
_patched = set()


def _audit(event, args):
    """The audit hook: every event of the process passes here, so it returns fast."""
    if event == "socket.__new__" and _tracer is not None:
        _tracer.on_socket(args[0], sys._getframe(1))


def _on_term(signum, frame):
    """Turns SIGTERM into SystemExit so that the atexit report is written."""
    raise SystemExit(128 + signum)


def _final():
    """Writes the final record of the current tracer. A SIGTERM from now on is ignored: the process is
    leaving already, and the SystemExit _on_term raises inside an atexit callback printed a traceback
    when validate ended the command group as the program was exiting."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is _on_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if _tracer is not None:
        _tracer.final()


def _read_wanted(path):
    """Returns {real path: set of lines} from the JSON file validate wrote, {} without one."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError, TypeError):
        return {}
    return {os.path.realpath(p): {int(n) for n in lines} for p, lines in data.items()}


def _start(out_dir, wanted):
    """Makes a tracer current: hooks in socket and http.client, line tracing when asked."""
    global _tracer
    _tracer = Tracer(out_dir, wanted)
    if "socket" in sys.modules:
        _tracer.patch_socket(sys.modules["socket"])
    if "http.client" in sys.modules:
        _tracer.patch_http(sys.modules["http.client"])
    if _tracer.lines:
        _tracer.lines.start()


def _after_fork():
    """Starts afresh in a forked child: its stream and its objects are its own, and it waits
    only for the lines its parent had not seen run."""
    if _tracer is not None:
        pending = _tracer.lines.pending if _tracer.lines else {}
        _start(_tracer.out_dir, {path: set(lines) for path, lines in pending.items()})


def install(out_dir=None):
    """Starts tracing this process (once, however many copies of this file run: a venv can list
    its site-packages twice, through lib and lib64); returns the Tracer, or None without an
    output dir or when another copy traces this process."""
    out_dir = out_dir or os.environ.get(ENV_DIR)
    if _tracer is not None or not out_dir or INSTALLED in sys.modules:
        return _tracer
    sys.modules[INSTALLED] = types.ModuleType(INSTALLED)
    _start(out_dir, _read_wanted(os.environ.get(ENV_LINES, "")))
    sys.meta_path.insert(0, _PatchOnImport())
    sys.addaudithook(_audit)
    atexit.register(_final)
    real_exit = os._exit

    def _exit(code):
        """Writes the final record, then leaves as os._exit does."""
        _final()
        real_exit(code)
    os._exit = _exit
    os.register_at_fork(after_in_child=_after_fork)
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_term)
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
    """Runs `script args`, `-m module args` or `-c code args` the way the interpreter would.

    A script is compiled under its absolute path, as the interpreter does since 3.9, so a
    program that changes directory keeps its frames' files.
    """
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
        path = os.path.abspath(argv[0])
        sys.argv = list(argv)
        sys.path[0] = os.path.dirname(os.path.realpath(path))
        with io.open_code(path) as f:
            code = compile(f.read(), path, "exec")
        exec(code, _fresh_main(path).__dict__)


if __name__ == "__main__":
    install()
    _run(sys.argv[1:])
elif __name__ == "_leaklint_tracer_pth":
    install()
