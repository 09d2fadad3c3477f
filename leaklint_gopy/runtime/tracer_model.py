"""Runs inside a traced Python process beside tracer.py: what a trace records. Frames classifies
code as user code, site-packages or the standard library; Stream appends JSON lines to this
process's trace file; Objects follows each socket and response to its release or reclamation.

Standard library only, Python 3.8 syntax, imports nothing from leaklint_gopy (tracer.py loads it from
its own directory).
"""
import json
import os
import site
import sys
import sysconfig
import threading
import weakref

USER, LIBRARY, STDLIB = 0, 1, 2
FINALIZER_DEPTH = 6


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
    """Classifies code by its file as user code, site-packages or the standard library (the
    tracer's own files, `own`, count as the latter), caching the real path of each file the first time it is seen (keyed by
    the file name: a code object's hash covers its whole body, and is computed on every lookup)."""

    def __init__(self, own=()):
        self.stdlib, self.packages = _library_prefixes()
        self.own = {os.path.realpath(path) for path in (*own, __file__)}
        self.known = {}

    def of(self, code):
        """Returns (kind, real path) of a code object."""
        name = code.co_filename
        known = self.known.get(name)
        if known is None:
            real = name if name.startswith("<") else os.path.realpath(name)
            if name.startswith("<") or real in self.own:
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
