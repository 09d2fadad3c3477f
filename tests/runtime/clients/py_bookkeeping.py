"""Item 6 of issue 12: socket ids reused after many closed HTTP connections, a program that
changes directory, forked workers that leave through os._exit or are killed.

usage: py_bookkeeping.py URL COUNT (run it by a relative path)
"""
import os
import signal
import socket
import sys
import time
import urllib.request
from urllib.parse import urlsplit

url, count = sys.argv[1], int(sys.argv[2])
address = (urlsplit(url).hostname, urlsplit(url).port)

for _ in range(count):
    with urllib.request.urlopen(url) as response:
        response.read()
raw = [socket.create_connection(address) for _ in range(count)]  # leak: ids of closed sockets come back
os.chdir("/")
after_chdir = [socket.create_connection(address) for _ in range(3)]  # leak: made after os.chdir


def exit_worker():
    held = [socket.create_connection(address) for _ in range(2)]  # leak: in a worker leaving by os._exit
    os._exit(0 if held else 1)


def killed_worker():
    held = [socket.create_connection(address) for _ in range(2)]  # fate unknown: the worker is killed
    os.kill(os.getpid(), signal.SIGKILL)
    return held


for worker in (exit_worker, killed_worker):
    child = os.fork()
    if child == 0:
        worker()
    os.waitpid(child, 0)
time.sleep(0.1)
