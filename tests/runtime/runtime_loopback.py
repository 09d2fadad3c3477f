"""A keep-alive HTTP server on 127.0.0.1 for the runtime tests: TCP_NODELAY, 16 KiB bodies, and
a counter file holding the number of requests served (the exercise count for verdicts)."""
from __future__ import annotations

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b"x" * 16384


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 20

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.count_request()  # type: ignore[attr-defined]
        if self.path.endswith("/upgrade"):
            self._echo_after_upgrade()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
        self.wfile.flush()

    def _echo_after_upgrade(self) -> None:
        """Answers 101 Switching Protocols, then echoes every byte until the client closes."""
        self.send_response(101)
        self.send_header("Connection", "Upgrade")
        self.send_header("Upgrade", "leakdemo-echo")
        self.end_headers()
        self.wfile.flush()
        while chunk := self.connection.recv(4096):
            self.connection.sendall(chunk)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


class LoopbackServer(ThreadingHTTPServer):
    """Serves on 127.0.0.1:0 in a daemon thread; `url` and `counter_path` describe it."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 512  # socketserver's 5 drops SYNs of clients that open many connections at once

    def __init__(self, counter_path: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.counter_path = counter_path
        self.requests = 0
        self._lock = threading.Lock()
        self.count_request(0)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/data"

    def count_request(self, step: int = 1) -> None:
        """Adds to the request count and rewrites the counter file atomically."""
        with self._lock:
            self.requests += step
            with open(self.counter_path + ".tmp", "w") as f:
                f.write(str(self.requests))
            os.replace(self.counter_path + ".tmp", self.counter_path)

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignores clients that vanish or reset: the leaking clients do that on exit."""

    def __enter__(self) -> "LoopbackServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
