"""Items 3 and 6 of issue 12: HTTP connections that connect lazily, HTTP clients whose sockets
belong to a library pool, and a line that never runs.

usage: py_http_connection.py URL COUNT
"""
import http.client
import sys
import time
from urllib.parse import urlsplit

import requests

url, count = sys.argv[1], int(sys.argv[2])
host, port, path = urlsplit(url).hostname, urlsplit(url).port, urlsplit(url).path


def get(connection):
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    response.close()


def connections_dropped():
    for _ in range(count):
        connection = http.client.HTTPConnection(host, port)  # leak: never closed, dropped
        get(connection)


def connections_closed():
    for _ in range(count):
        connection = http.client.HTTPConnection(host, port)  # correct: closed
        get(connection)
        connection.close()


def sessions_dropped():
    for _ in range(count):
        session = requests.Session()  # leak: never closed; its sockets belong to urllib3's pool
        session.get(url).content


def sessions_closed():
    for _ in range(count):
        with requests.Session() as session:  # correct
            session.get(url).content


def never_called():
    return http.client.HTTPConnection(host, port)  # never runs


kept = http.client.HTTPConnection(host, port)  # leak: kept open until exit
for _ in range(count):
    get(kept)
connections_dropped()
connections_closed()
sessions_dropped()
sessions_closed()
time.sleep(0.2)
