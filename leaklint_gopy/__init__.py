"""leaklint: finds resource leaks (unclosed HTTP bodies, sockets, connections) in Go and Python source."""

__version__ = "0.1.0"
