"""Item 1 of issue 12 under pytest: a test that keeps responses in a local list. pytest drops the
test's frame when the test ends, so nothing of it is open at exit. Not collected by the project's
own test run (the name does not start with test_); tests/runtime runs it explicitly.
"""
import os
import urllib.request


def test_fetches_and_keeps_the_responses():
    kept = []
    for _ in range(int(os.environ["LEAKDEMO_COUNT"])):
        kept.append(urllib.request.urlopen(os.environ["LEAKDEMO_URL"]))  # leak: open until the test ends
    assert all(response.status == 200 for response in kept)
