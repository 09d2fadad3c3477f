"""A file that cannot be analysed must not look clean: it fails the run (as in ruff), unless the
configuration relaxes it; a Go file analysed in part is a warning; a run on no file says so."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaklint_gopy import cli

BROKEN_PY = "import socket\n\ndef f(:\n    s = socket.socket()\n"
BROKEN_GO_DECL = """\
package svc

import "os"

func broken() {
\tg, _ := os.Open("x")
\tx := [1, 2
}

func fine(path string) error {
\tf, err := os.Open(path)
\tif err != nil {
\t\treturn err
\t}
\treturn f.Close()
}
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_tree_whose_files_do_not_parse_fails(tree, capsys):
    (tree / "a.py").write_text(BROKEN_PY)
    (tree / "b.py").write_text(BROKEN_PY)
    status, out, err = run(capsys, "check")
    assert status == 1
    assert err.count(": error: invalid syntax") == 2 or err.count(": error:") == 2, err
    assert out.rstrip().endswith("no leaks found in 2 files; 2 files could not be analysed")


def test_the_configuration_can_let_unanalysed_files_pass(tree, capsys):
    (tree / "a.py").write_text(BROKEN_PY)
    (tree / "pyproject.toml").write_text("[tool.leaklint]\nfail-on-unanalysed = false\n")
    assert run(capsys, "check")[0] == 0
    assert run(capsys, "check", "--fail-on-unanalysed")[0] == 1


def test_exit_zero_still_exits_zero(tree, capsys):
    (tree / "a.py").write_text(BROKEN_PY)
    assert run(capsys, "check", "--exit-zero")[0] == 0


def test_a_file_the_prefilter_did_not_select_does_not_count(tree, capsys):
    (tree / "plain.py").write_text("def f(:\n    return 1\n")
    (tree / "latin.py").write_bytes(b"# caf\xe9\nx = 1\n")
    status, out, err = run(capsys, "check")
    assert status == 0
    assert "latin.py:1:1: warning: invalid UTF-8 at byte 5" in err


def test_an_unreadable_file_that_acquires_counts(tree, capsys):
    (tree / "latin.py").write_bytes(b"import socket\n# caf\xe9\ns = socket.socket()\n")
    status, _, err = run(capsys, "check")
    assert status == 1
    assert "latin.py:2:1: error: invalid UTF-8" in err


def test_a_go_file_analysed_in_part_is_a_warning(tree, capsys):
    (tree / "svc.go").write_text(BROKEN_GO_DECL)
    status, out, err = run(capsys, "check")
    assert status == 0
    assert "svc.go:5:15: warning: syntax error" in err and err.rstrip().endswith("(the rest of the file is analysed)")


def test_a_run_on_no_file_warns_and_passes(tree, capsys):
    (tree / "notes.txt").write_text("nothing to analyse\n")
    status, out, err = run(capsys, "check")
    assert status == 0
    assert err == "leaklint: warning: no Go or Python file to analyse in .\n"


def test_sarif_keeps_the_run_successful_with_one_notification_per_file(tree, capsys):
    (tree / "a.py").write_text(BROKEN_PY.replace("def f(:", "def f(:\ndef g(:"))
    (tree / "svc.go").write_text(BROKEN_GO_DECL)
    status, out, _ = run(capsys, "check", "--format", "sarif")
    invocation = json.loads(out)["runs"][0]["invocations"][0]
    assert status == 1 and invocation["executionSuccessful"] is True
    notes = invocation["toolExecutionNotifications"]
    where = [(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], n["level"]) for n in notes]
    assert where == [("a.py", "error"), ("svc.go", "warning")]
    assert notes[0]["message"]["text"].endswith("this file was not analysed")
    assert notes[1]["message"]["text"].endswith("(the rest of the file is analysed)")


def test_json_errors_carry_their_severity(tree, capsys):
    (tree / "a.py").write_text(BROKEN_PY)
    (tree / "svc.go").write_text(BROKEN_GO_DECL)
    document = json.loads(run(capsys, "check", "--format", "json")[1])
    assert [(e["path"], e["severity"]) for e in document["errors"]] == [("a.py", "error"), ("svc.go", "warning")]
    assert document["summary"]["errors"] == 1 and document["summary"]["warnings"] == 1
