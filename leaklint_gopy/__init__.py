"""leaklint: finds resource leaks (unclosed HTTP bodies, sockets, connections) in Go and Python source."""

from leaklint_gopy import codecache as _codecache

__version__ = "0.1.0"
CODE_CACHE = _codecache.install()  # (before any module of leaklint declares a dataclass)
