"""Nesting as deep as parsers allow and deeper: a one-line notice on the file that holds it (never
a RecursionError, never on another file), and every other finding still reported."""
from __future__ import annotations

from pathlib import Path

from hostile import GO_LEAK, GO_LEAK_AT, PY_LEAK, PY_LEAK_AT, leaklint


def _errors(stderr: str) -> list[str]:
    assert "Traceback" not in stderr and "RecursionError" not in stderr, stderr
    return [line for line in stderr.splitlines() if ": error: " in line]


def test_10000_deep_python_nesting_is_a_notice(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(PY_LEAK)
    (tmp_path / "parens.py").write_text(PY_LEAK + "    x = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n")
    (tmp_path / "unary.py").write_text(PY_LEAK + "    x = " + "-" * 10_000 + "1\n")
    (tmp_path / "sums.py").write_text(PY_LEAK + "    x = " + "+".join(["s"] * 10_000) + "\n")
    (tmp_path / "blocks.py").write_text(PY_LEAK + "".join("    " * (i + 1) + "if s:\n" for i in range(120))
                                        + "    " * 121 + "pass\n")
    proc = leaklint(["check", "--no-cache", "."], tmp_path, timeout=60)
    assert "ok.py" + PY_LEAK_AT in proc.stdout
    assert _errors(proc.stderr) == [
        "blocks.py:105:1: error: syntax error: too many levels of indentation",
        "parens.py:6:209: error: syntax error: too many nested parentheses",
        "sums.py:1:1: error: cannot parse: nested too deeply for Python's parser",
        "unary.py:1:1: error: cannot parse: nested too deeply for Python's parser",
    ]


def test_a_too_deep_helper_is_reported_on_its_own_file(tmp_path: Path) -> None:
    caller = GO_LEAK.replace("\t_ = resp\n", "\thelper(resp)\n")
    caller += "\nfunc G(u string) {\n\tr, _ := http.Get(u)\n\t_ = r\n}\n"
    (tmp_path / "a.go").write_text(caller)
    (tmp_path / "b.go").write_text('package a\n\nimport "net/http"\n\nfunc helper(r *http.Response) {\n\tx := '
                                   + "+".join(["1"] * 5000) + "\n\t_ = x\n\tr.Body.Close()\n}\n")
    proc = leaklint(["check", "--no-cache", "."], tmp_path, timeout=60)
    assert "a.go:11:10: LL101" in proc.stdout, proc.stdout
    assert _errors(proc.stderr) == ["b.go:1:1: error: function helper too deeply nested to analyse"]


def test_10000_deep_go_nesting_is_a_notice(tmp_path: Path) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.go").write_text(GO_LEAK)
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "d.go").write_text(GO_LEAK.replace("\t_ = resp\n", "\t_ = resp\n\tx := " + "(" * 10_000 + "1"
                                                             + ")" * 10_000 + "\n\t_ = x\n"))
    proc = leaklint(["check", "--no-cache", "."], tmp_path, timeout=60)
    assert "ok/a.go" + GO_LEAK_AT in proc.stdout
    assert _errors(proc.stderr) == ["deep/d.go:1:1: error: too deeply nested to analyse"]
