"""A finding names every tree function whose summary decided it, whichever check asked first: a memo
answering a second time (what objects of a tree class hold) replays what its first answer relied on,
so the gate reports as new every finding a changed helper causes, not only the first one checked (see
reliance.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leaklint_gopy import cli
from test_gate import committed, edit
from test_gate_helpers import found

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

CONNS = """\
import socket


class Conn:
    def __init__(self, host):
        self._sock = None

    def close(self):
        if self._sock is not None:
            self._sock.close()
"""

USERS = """\
from conns import Conn


def first(host):
    c = Conn(host)
    return 1


def second(host):
    c = Conn(host)
    return 2
"""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = committed(tmp_path / "app", {"conns.py": CONNS, "users.py": USERS})
    monkeypatch.chdir(root)
    return root


def open_in_constructor(root: Path) -> None:
    edit(root / "conns.py", "self._sock = None", "self._sock = socket.create_connection((host, 80))")


def test_every_finding_a_changed_constructor_causes_is_new(app, capsys):
    assert found(capsys) == (0, [])
    open_in_constructor(app)
    assert found(capsys, "--no-cache", "--new-from-rev", "HEAD") == (1, [("users.py", 5), ("users.py", 10)])


def test_both_findings_name_the_constructor_they_relied_on(app, capsys):
    open_in_constructor(app)
    assert cli.main(["check", "--no-cache", "users.py", "conns.py"]) == 1
    out = capsys.readouterr().out
    assert out.count("= note: summary of __init__() used at conns.py:5:5") == 2


def test_text_names_the_first_helpers_and_counts_the_rest(tmp_path):
    from leaklint_gopy.finding import Finding
    from leaklint_gopy.ir import Span
    from leaklint_gopy.report import ReportOptions
    from leaklint_gopy.report.text import HELPER_NOTES, TextReporter

    helpers = tmp_path / "helpers.py"
    helpers.write_text("".join(f"def h{i}(sock):\n    pass\n\n\n" for i in range(HELPER_NOTES + 3)))
    uses = tuple(Span(str(helpers), 1 + 4 * i, 1, 1 + 4 * i, 2) for i in range(HELPER_NOTES + 3))
    finding = Finding("LL201", "m", Span(str(tmp_path / "user.py"), 3, 5, 3, 20), "error", uses=uses)
    notes = TextReporter().notes(finding, ReportOptions(str(tmp_path), str(tmp_path), "0"))
    assert notes[:2] == ["summary of h0() used at helpers.py:1:1", "summary of h1() used at helpers.py:5:1"]
    assert len(notes) == HELPER_NOTES + 1
    assert notes[-1] == "and 3 more helpers' summaries used (all of them in JSON and SARIF)"
