"""Leaks: sends a request on a raw socket and keeps the socket in a list."""
import socket
import sys
import time
from urllib.parse import urlsplit

url, count, delay = urlsplit(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
request = f"GET {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode()
kept = []
for _ in range(count):
    sock = socket.create_connection((url.hostname, url.port))  # leak: never closed
    sock.sendall(request)
    sock.recv(1024)
    kept.append(sock)
    time.sleep(delay)
time.sleep(0.4)
