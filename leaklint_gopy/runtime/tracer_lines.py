"""Runs inside a traced Python process beside tracer.py: records the first run of each line of
the static findings' regions, so that validate can tell "did not run" from "ran, not traced".

Standard library only, Python 3.8 syntax, imports nothing from leaklint_gopy (tracer.py loads it from
its own directory). sys.settrace's call event gives a local tracer only to the code objects that
hold a pending line, and tracing stops once every line ran.
"""
import sys
import threading


def _code_lines(code):
    """Returns the line numbers a code object's own instructions belong to."""
    if hasattr(code, "co_lines"):
        return {line for _, _, line in code.co_lines() if line}
    import dis
    return {line for _, line in dis.findlinestarts(code)}


class Lines:
    """Records the first run of each wanted line (the findings' regions). sys.settrace's call
    event gives a local tracer only to code objects that hold a pending line, and tracing stops
    once every line ran. The call event first looks the file name up (a string keeps its hash),
    so the code of other files costs one dictionary lookup per call."""

    def __init__(self, stream, frames, wanted):
        self.stream, self.frames, self.pending = stream, frames, wanted
        self.files, self.codes = {}, {}
        self.lock = threading.RLock()

    def _pending_in(self, code):
        """Returns (path, pending lines of that code object), ("", ()) for other files."""
        name = code.co_filename
        watched = self.files.get(name)
        if watched is None:
            watched = self.files[name] = self.frames.of(code)[1] in self.pending
        if not watched:
            return "", ()
        hit = self.codes.get(id(code))
        if hit is None or hit[0] is not code:
            path = self.frames.of(code)[1]
            hit = self.codes[id(code)] = (code, path, self.pending.get(path, set()) & _code_lines(code))
        return hit[1], hit[2]

    def call(self, frame, event, arg):
        """The global trace function."""
        if not self.pending:
            sys.settrace(None)
            return None
        return self.line if self._pending_in(frame.f_code)[1] else None

    def line(self, frame, event, arg):
        """The local trace function of code objects with pending lines."""
        path, lines = self._pending_in(frame.f_code)
        if event == "line" and frame.f_lineno in lines:
            self._seen(path, frame.f_lineno)
        return self.line if lines else None

    def _seen(self, path, line):
        """Reports a line's first run and stops waiting for it."""
        with self.lock:
            if line not in self.pending.get(path, ()):
                return
            self.pending[path].discard(line)
            if not self.pending[path]:
                del self.pending[path]
            self.files.clear()
            self.codes.clear()
        self.stream.emit({"e": "line", "f": path, "l": line})

    def start(self):
        """Traces this thread and every thread started later."""
        sys.settrace(self.call)
        threading.settrace(self.call)

    def intact(self):
        """Reports whether nobody replaced the trace function (a debugger, coverage.py)."""
        return not self.pending or sys.gettrace() == self.call
