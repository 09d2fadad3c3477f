"""`check --add-noqa` (ruff's): a suppression on the line of every current finding, so a codebase
adopts leaklint at once and new leaks still fail; existing noqa lists are extended, not doubled."""
from __future__ import annotations

from pathlib import Path

import pytest

from leaklint_gopy import cli
from test_cli import LEAK

PY = "import socket\n\n\ndef f():\n    s = socket.socket(){tail}\n    return 1\n\n\ndef g():\n    t = socket.socket()\n    return 2\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_finding_gets_a_suppression_and_the_run_then_passes(tree, capsys):
    (tree / "a.py").write_text(PY.format(tail=""))
    (tree / "svc").mkdir()
    (tree / "svc" / "probe.go").write_bytes(LEAK.replace("\n", "\r\n").encode())
    assert cli.main(["check", "--add-noqa"]) == 0
    assert capsys.readouterr().err == "leaklint: added 3 suppressions to 2 files\n"
    lines = (tree / "a.py").read_text().splitlines()
    assert lines[4] == "    s = socket.socket()  # noqa: LL201" and lines[9] == "    t = socket.socket()  # noqa: LL201"
    go = (tree / "svc" / "probe.go").read_bytes()
    assert b"\tresp, err := c.Get(url) //leaklint:ignore LL101\r\n" in go and go.count(b"\r\n") == LEAK.count("\n")
    assert cli.main(["check", "--report-unused-ignores"]) == 0


def test_an_existing_noqa_list_is_extended(tree, capsys):
    (tree / "a.py").write_text(PY.format(tail="  # noqa: E501"))
    assert cli.main(["check", "--add-noqa", "--select", "LL201"]) == 0
    assert (tree / "a.py").read_text().splitlines()[4] == "    s = socket.socket()  # noqa: E501, LL201"
    assert cli.main(["check"]) == 0


def test_a_line_continued_by_a_backslash_is_left_and_named(tree, capsys):
    (tree / "a.py").write_text("import socket\n\n\ndef f():\n    s = socket.socket() \\\n        or None\n    return s.fileno()\n")
    before = (tree / "a.py").read_text()
    assert cli.main(["check", "--add-noqa"]) == 0
    err = capsys.readouterr().err
    assert "a.py:5: cannot add a suppression: the line continues with a backslash" in err
    assert (tree / "a.py").read_text() == before
