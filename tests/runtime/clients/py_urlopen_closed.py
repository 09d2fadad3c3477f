"""Correct: every urlopen response is read and closed by the with-statement."""
import sys
import time
import urllib.request

url, count, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
for _ in range(count):
    with urllib.request.urlopen(url) as response:
        response.read()
    time.sleep(delay)
time.sleep(0.4)
