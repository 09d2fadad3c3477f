"""Leaks: keeps every streamed requests response, whose connection stays checked out."""
import sys
import time

import requests

url, count, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
kept = []
for _ in range(count):
    kept.append(requests.get(url, stream=True))  # leak: stream=True response never closed
    time.sleep(delay)
time.sleep(0.4)
