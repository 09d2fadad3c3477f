"""Runs inside a traced Python process: streams, as JSON lines to $LEAKLINT_TRACE_DIR/trace-PID-N.jsonl,
every socket and HTTP response it creates (with the whole stack of user frames), whether the
program released it or it was reclaimed while still open, which finding lines ran, and at exit
what was still open.

It is copied next to a .pth line or run as a wrapper (`python tracer.py script.py ...`), so it
uses the standard library only, Python 3.8 syntax (no dataclass slots, no match) and imports
nothing from leaklint. "Released" is the static rules' definition: close(), detach() (what
wrap_socket does to the plain socket), a response read to its end, all through explicit calls;
a close that runs inside a finalizer (`__del__`, or io's, which marks the object `_finalizing`)
is a reclamation, what ResourceWarning reports.
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
import types
import weakref

ENV_DIR = "LEAKLINT_TRACE_DIR"
ENV_LINES = "LEAKLINT_TRACE_LINES"
USER, LIBRARY, STDLIB = 0, 1, 2
INSTALLED = "_leaklint_tracer_installed"
FINALIZER_DEPTH = 6
CONNECTION_DEPTH = 12


def _library_prefixes():
    """Returns (stdlib prefixes, site-packages prefixes) as tuples of directory paths.

    Besides the interpreter's own site directories, every sys.path entry named site-packages or
    dist-packages counts (another environment's packages added by a .pth file or PYTHONPATH).
    """
    paths = sysconfig.get_paths()
    stdlib = {paths.get("stdlib"), paths.get("platstdlib")}
    packages = {paths.get("purelib"), paths.get("platlib")}
    packages.update(p for p in sys.path if os.path.basename(p.rstrip(os.sep)) in ("site-packages", "dist-packages"))
    try:
        packages.update(site.getsitepackages())
        packages.add(site.getusersitepackages())
    except AttributeError:
        pass
    clean = lambda found: tuple(os.path.join(os.path.realpath(p), "") for p in found if p)  # noqa: E731
    return clean(stdlib), clean(packages)


class Frames:
    """Classifies code by its file as user code, site-packages or the standard library (this file
    counts as the latter), caching the real path of each file the first time it is seen (keyed by
    the file name: a code object's hash covers its whole body, and is computed on every lookup)."""

    def __init__(self):
        self.stdlib, self.packages = _library_prefixes()
        self.own = os.path.realpath(__file__) if "__file__" in globals() else ""
        self.known = {}

    def of(self, code):
        """Returns (kind, real path) of a code object."""
        name = code.co_filename
        known = self.known.get(name)
        if known is None:
            real = name if name.startswith("<") else os.path.realpath(name)
            if name.startswith("<") or real == self.own:
                kind = STDLIB
            elif real.startswith(self.packages):  # before the stdlib: a venv's platstdlib contains it
                kind = LIBRARY
            else:
                kind = STDLIB if real.startswith(self.stdlib) else USER
            known = self.known[name] = (kind, real)
        return known

    def stack(self, frame):
        """Returns (owner, user frames innermost first): owner is the kind of the innermost frame
        outside the standard library; without user frames, the site-packages frames are used."""
        user, library, owner = [], [], None
        while frame is not None:
            kind, path = self.of(frame.f_code)
            if owner is None and kind != STDLIB:
                owner = kind
            if kind != STDLIB:
                (user if kind == USER else library).append((path, frame.f_lineno))
            frame = frame.f_back
        return owner, tuple(user or library)


def in_finalizer(frame):
    """Reports whether a release happens inside a finalizer: a `__del__` method, or the close()
    of an io object that the interpreter marked `_finalizing` before closing it for the collector
    (only `close` frames are asked for their `self`, which is what costs)."""
    for _ in range(FINALIZER_DEPTH):
        if frame is None:
            return False
        name = frame.f_code.co_name
        if name == "__del__":
            return True
        if name == "close" and frame.f_code.co_argcount:
            owner = frame.f_locals.get(frame.f_code.co_varnames[0])
            if getattr(owner, "__dict__", {}).get("_finalizing") is True:
                return True
        frame = frame.f_back
    return False


class Stream:
    """Appends one JSON object per line to this process's trace file, each with one write(), so
    whatever was written survives os._exit and SIGKILL."""

    def __init__(self, directory):
        path = os.path.join(directory, "trace-%d-%d.jsonl" % (os.getpid(), id(self)))
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.sites = {}
        self.lock = threading.RLock()
        self.closed = False

    def emit(self, record):
        """Writes one record (silently nothing once the final record was written)."""
        self.write(json.dumps(record, separators=(",", ":")))

    def write(self, line):
        """Writes one line of JSON text made by the caller (the frequent records skip json)."""
        if not self.closed:
            try:
                os.write(self.fd, (line + "\n").encode())
            except OSError:
                pass

    def site(self, stack):
        """Returns the number of a stack, writing it the first time it is seen."""
        with self.lock:
            number = self.sites.get(stack)
            if number is None:
                number = self.sites[stack] = len(self.sites)
                self.emit({"e": "site", "n": number, "stack": [list(f) for f in stack]})
            return number


class Objects:
    """The sockets and responses of this process, by key: created, released, reclaimed open."""

    def __init__(self, stream):
        self.stream = stream
        self.keys, self.refs, self.released = {}, {}, set()
        self.next = 0
        self.lock = threading.RLock()

    def track(self, obj, kind, sites, carrier=None):
        """Starts following an object created at `sites` (stack numbers); returns its key."""
        with self.lock:
            key, self.next = self.next, self.next + 1
        ident = id(obj)
        try:
            ref = weakref.ref(obj, lambda _, key=key, ident=ident: self._gone(key, ident))
        except TypeError:
            return None
        with self.lock:
            self.keys[ident], self.refs[key] = key, ref
        carried = "" if carrier is None else ',"on":%d' % carrier
        self.stream.write('{"e":"new","k":%d,"kind":"%s","s":[%s]%s}' % (key, kind, ",".join(map(str, sites)), carried))
        return key

    def key_of(self, obj):
        """Returns the key of a followed object, None for one never seen."""
        key = self.keys.get(id(obj))
        return key if key is not None and self.refs[key]() is obj else None

    def release(self, obj, frame):
        """Records that an object was closed: released, or reclaimed when a finalizer did it."""
        key = self.key_of(obj)
        if key is None or key in self.released:
            return
        self.released.add(key)
        self.stream.write('{"e":"%s","k":%d}' % ("gc" if in_finalizer(frame) else "rel", key))

    def _gone(self, key, ident):
        """The weakref callback: an object collected before it was released was reclaimed open."""
        with self.lock:
            if self.keys.get(ident) == key:
                del self.keys[ident]
            self.refs.pop(key, None)
            released = key in self.released
            self.released.discard(key)
        if not released:
            self.stream.write('{"e":"gc","k":%d}' % key)

    def still_open(self):
        """Returns the keys of the objects alive and not released now."""
        return sorted(k for k, ref in list(self.refs.items()) if k not in self.released and ref() is not None)


def _lines_module():
    """Returns tracer_lines.py from this file's directory (where validate copied both)."""
    import importlib.util
    here = os.path.dirname(os.path.abspath(__file__))
    name = "_leaklint_tracer_lines" if os.path.basename(__file__).startswith("_leaklint") else "tracer_lines"
    spec = importlib.util.spec_from_file_location("_leaklint_tracer_lines", os.path.join(here, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Tracer:
    """This process's hooks: the audit hook for sockets, wrappers in socket and http.client."""

    def __init__(self, out_dir, wanted):
        self.out_dir = out_dir
        self.frames, self.stream = Frames(), Stream(out_dir)
        self.objects = Objects(self.stream)
        self.lines = _lines_module().Lines(self.stream, self.frames, wanted) if wanted else None

    def on_socket(self, sock, frame):
        """Follows a socket created on behalf of user code (not a library's pool)."""
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
    """Writes the final record of the current tracer."""
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
