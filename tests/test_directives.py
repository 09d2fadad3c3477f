"""In-source suppressions teams already write: ruff/flake8 `noqa` lists with other tools' codes,
golangci-lint `nolint` with linter names, on a line or over a whole declaration."""
from __future__ import annotations

from pathlib import Path

import pytest

from leaklint_gopy import cli, directives
from leaklint_gopy.directives import ALL

PY_LEAK = "import socket\n\ndef f():\n    s = socket.socket(){comment}\n    return 1\n"


def codes(language: str, line: str) -> tuple[str, ...] | None:
    found = directives.parse("x", language, (line + "\n").encode())
    return found[0].codes if found else None


@pytest.mark.parametrize(("comment", "expected"), [
    ("# noqa: E501, LL201", ("LL201",)),
    ("# noqa: B008,LL201", ("LL201",)),
    ("# NOQA: LL201", ("LL201",)),
    ("# noqa:LL201,LL202", ("LL201", "LL202")),
    ("# noqa", ALL),
    ("# NoQA", ALL),
    ("# noqa: E501", None),
    ("# leaklint: ignore[LL201] handed to the loop", ("LL201",)),
])
def test_python_noqa_forms(comment, expected):
    assert codes("python", f"s = socket.socket()  {comment}") == expected


@pytest.mark.parametrize(("comment", "expected"), [
    ("//nolint:bodyclose", ("LL101",)),
    ("//nolint:sqlclosecheck", ("LL104",)),
    ("//nolint:leaklint", ALL),
    ("//nolint", ALL),
    ("// nolint:bodyclose,errcheck // closed by the middleware", ("LL101",)),
    ("//nolint:errcheck", None),
    ("//leaklint:ignore LL102 reviewed", ("LL102",)),
])
def test_go_nolint_forms(comment, expected):
    assert codes("go", f"\tresp, _ := http.Get(u) {comment}") == expected


def test_nolint_reasons_follow_a_second_slash_pair():
    found = directives.parse("x", "go", b"\tr, _ := http.Get(u) //nolint:bodyclose,errcheck // closed by the middleware\n")
    assert found[0].reason == "closed by the middleware"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def active(capsys, *argv: str) -> int:
    status = cli.main(["check", "-q", *argv])
    capsys.readouterr()
    return status


@pytest.mark.parametrize("comment", ["  # noqa", "  # noqa: E501, LL201", "  # NOQA:LL201"])
def test_noqa_forms_suppress_the_finding_on_their_line(tree, capsys, comment):
    (tree / "a.py").write_text(PY_LEAK.format(comment=comment))
    assert active(capsys, "--report-unused-ignores") == 0


def test_a_noqa_for_other_tools_is_never_an_unused_leaklint_suppression(tree, capsys):
    (tree / "a.py").write_text("import os  # noqa\nimport sys  # noqa: F401\n" + PY_LEAK.format(comment=""))
    cli.main(["check", "--report-unused-ignores"])
    assert "LL001" not in capsys.readouterr().out


GO_DECL = """\
package svc

import "net/http"

{above}
// Fetch returns the status.
func Fetch(u string) int {{
\tresp, err := http.Get(u)
\tif err != nil {{
\t\treturn 0
\t}}
\treturn resp.StatusCode
}}

func Other(u string) int {{
\tresp, _ := http.Get(u)
\treturn resp.StatusCode
}}
"""


def lines_found(capsys) -> list[int]:
    import json

    cli.main(["check", "--format", "json"])
    return [f["line"] for f in json.loads(capsys.readouterr().out)["findings"] if not f["suppressed"]]


def test_nolint_above_a_declaration_covers_the_whole_function(tree, capsys):
    (tree / "a.go").write_text(GO_DECL.format(above="//nolint:bodyclose // legacy, tracked in #12"))
    assert lines_found(capsys) == [16]
    (tree / "a.go").write_text(GO_DECL.format(above="//nolint:errcheck"))
    assert lines_found(capsys) == [8, 16]


def test_nolint_on_the_func_line_covers_the_whole_function(tree, capsys):
    text = GO_DECL.format(above="").replace("func Fetch(u string) int {", "func Fetch(u string) int { //nolint:leaklint")
    (tree / "a.go").write_text(text)
    assert lines_found(capsys) == [16]
