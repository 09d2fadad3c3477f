"""Item 1 of issue 12: leaks that CPython reclaims before exit, and objects released without an
explicit close. Each case runs once, COUNT times over; every acquiring line is unique.

usage: py_reclaimed.py URL COUNT
"""
import socket
import ssl
import sys
import time
import urllib.request
from urllib.parse import urlsplit

import requests

url, count = sys.argv[1], int(sys.argv[2])
address = (urlsplit(url).hostname, urlsplit(url).port)


def responses_held_until_return():
    kept = []
    for _ in range(count):
        kept.append(urllib.request.urlopen(url))  # leak: every response open until the return
    return len(kept)


def sockets_held_until_return():
    kept = []
    for _ in range(count):
        kept.append(socket.create_connection(address))  # leak: every socket open until the return
    return len(kept)


def fetch(target):
    return urllib.request.urlopen(target)  # the wrapper's own acquisition


def wrapper_results_kept():
    kept = []
    for _ in range(count):
        kept.append(fetch(url))  # leak: the wrapper returns an open response
    return len(kept)


def read_to_the_end_and_kept():
    kept = []
    for _ in range(count):
        response = urllib.request.urlopen(url)  # released: read to its end, never closed
        response.read()
        kept.append(response)
    return kept


def wrapped_and_closed():
    context = ssl.create_default_context()
    for _ in range(count):
        plain = socket.create_connection(address)  # released: wrap_socket takes it over
        with context.wrap_socket(plain, server_hostname="localhost", do_handshake_on_connect=False):
            pass


def preloaded_and_kept():
    return [requests.get(url) for _ in range(count)]  # released: requests reads the body


def streamed_to_the_end_and_kept():
    kept = []
    for _ in range(count):
        response = requests.get(url, stream=True)  # released: iterated to the end
        for _chunk in response.iter_content(4096):
            pass
        kept.append(response)
    return kept


responses_held_until_return()
sockets_held_until_return()
wrapper_results_kept()
held = [read_to_the_end_and_kept(), preloaded_and_kept(), streamed_to_the_end_and_kept()]
wrapped_and_closed()
time.sleep(0.2)
