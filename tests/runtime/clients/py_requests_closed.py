"""Correct: every streamed requests response is consumed and closed by the with-statement."""
import sys
import time

import requests

url, count, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
for _ in range(count):
    with requests.get(url, stream=True) as response:
        response.content
    time.sleep(delay)
time.sleep(0.4)
