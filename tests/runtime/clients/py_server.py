"""A TCP server on 127.0.0.1 that accepts connections and holds them open, for watching a server.

Writes its port to the file named by argv[1] once listening; exits after argv[2] seconds.
"""
import socket
import sys
import threading
import time

listener = socket.create_server(("127.0.0.1", 0))
held = []


def accept() -> None:
    while True:
        connection, _ = listener.accept()
        held.append(connection)


threading.Thread(target=accept, daemon=True).start()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(listener.getsockname()[1]))
import os  # noqa: E402 - after the port is chosen
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(float(sys.argv[2]))
