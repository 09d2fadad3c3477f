"""Leaks: keeps every urlopen response (and its socket) in a list without closing it."""
import sys
import time
import urllib.request

url, count, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
kept = []
for _ in range(count):
    kept.append(urllib.request.urlopen(url))  # leak: the response is never closed
    time.sleep(delay)
time.sleep(0.4)
