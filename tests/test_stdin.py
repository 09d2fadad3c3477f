"""`leaklint check - --stdin-filename PATH`: editors and other tools send the buffer on stdin; it is
analysed as if it were PATH (its package siblings on disk lend their helpers), and reported there."""
from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from leaklint_gopy import cli
from test_cli import CLEAN, LEAK


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "ping.go").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(capsys, monkeypatch, text: str, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    status = cli.main(["check", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_stdin_is_analysed_as_the_named_file(project, capsys, monkeypatch):
    status, out, _ = check(capsys, monkeypatch, LEAK, "-", "--stdin-filename", "svc/probe.go")
    assert status == 1
    assert out.startswith("svc/probe.go:9:15: LL101 [error] response body of `resp`")
    assert "9 |     resp, err := c.Get(url)" in out
    assert out.rstrip().endswith("1 leak in 1 file")


def test_stdin_replaces_the_file_on_disk(project, capsys, monkeypatch):
    (project / "svc" / "probe.go").write_text(LEAK)
    assert check(capsys, monkeypatch, CLEAN.replace("Ping", "Probe"), "-", "--stdin-filename", "svc/probe.go")[0] == 0
    (project / "svc" / "probe.go").write_text(CLEAN.replace("Ping", "Probe"))
    assert check(capsys, monkeypatch, LEAK, "--stdin-filename", "svc/probe.go", "-")[0] == 1


def test_siblings_on_disk_lend_their_helpers(project, capsys, monkeypatch):
    (project / "svc" / "fetch.go").write_text(
        'package svc\n\nimport "net/http"\n\nfunc fetch(u string) (*http.Response, error) {\n\treturn http.Get(u)\n}\n')
    use = "package svc\n\nfunc Use(u string) int {\n\tresp, err := fetch(u)\n\tif err != nil {\n\t\treturn 0\n\t}\n\treturn resp.StatusCode\n}\n"
    status, out, _ = check(capsys, monkeypatch, use, "-", "--stdin-filename", "svc/use.go", "--format", "json")
    assert status == 1
    assert [(f["path"], f["line"]) for f in json.loads(out)["findings"]] == [("svc/use.go", 4)]


def test_sarif_positions_come_from_the_buffer(project, capsys, monkeypatch):
    (project / "svc" / "probe.go").write_text("package svc\n")
    out = check(capsys, monkeypatch, LEAK, "-", "--stdin-filename", "svc/probe.go", "--format", "sarif")[1]
    [result] = json.loads(out)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startColumn"] == 15
    assert "primaryLocationLineHash" in result["partialFingerprints"]


def test_stdin_needs_a_file_name(project, capsys, monkeypatch):
    status, _, err = check(capsys, monkeypatch, LEAK, "-")
    assert status == 2
    assert err == "leaklint: error: reading source from stdin (-) needs --stdin-filename PATH to name its language\n"
    status, _, err = check(capsys, monkeypatch, LEAK, "-", "--stdin-filename", "notes.txt")
    assert status == 2 and "notes.txt: not a Go or Python file" in err


def test_stdin_is_read_as_python_reads_a_file_and_within_the_size_limit(project, capsys, monkeypatch):
    source = "\ufeffimport socket\r\n\r\ndef f():\r\n    s = socket.socket()\r\n"
    status, out, _ = check(capsys, monkeypatch, source, "-", "--stdin-filename", "probe.py")
    assert status == 1 and out.startswith("probe.py:4:9: LL201 [error] socket `s`")
    status, _, err = check(capsys, monkeypatch, LEAK, "-", "--stdin-filename", "svc/probe.go", "--max-file-size", "64")
    assert status == 2 and err == "leaklint: error: stdin holds more than --max-file-size (64 bytes)\n"
