"""Correct: every raw socket is closed by the with-statement after reading the response head."""
import socket
import sys
import time
from urllib.parse import urlsplit

url, count, delay = urlsplit(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
request = f"GET {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: close\r\n\r\n".encode()
for _ in range(count):
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall(request)
        while sock.recv(65536):
            pass
    time.sleep(delay)
time.sleep(0.4)
