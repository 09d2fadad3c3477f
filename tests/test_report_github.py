"""GitHub workflow commands: escaping, levels, and what gets an annotation."""
from __future__ import annotations

import io
from pathlib import Path

from leaklint_gopy.finding import Finding, Location, RunResult
from leaklint_gopy.ir import Directive, FileError, Span
from leaklint_gopy.report import ReportOptions, get
from leaklint_gopy.report.github import command, escape_data, escape_property
from leaklint_gopy.spec import load_rules
from leaklint_gopy.config import builtin_rule_dirs

RULES = load_rules(builtin_rule_dirs())


def render(root: Path, findings, errors=(), unused=(), unused_ignores=False) -> str:
    out = io.StringIO()
    result = RunResult(list(findings), RULES, list(errors), 1, str(root), list(unused))
    get("github").write(result, out, ReportOptions(str(root), str(root), "0", unused_ignores=unused_ignores))
    return out.getvalue()


def test_escaping_follows_the_runner():
    assert escape_data("100%\r\nnext: a,b") == "100%25%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert command("notice", [("file", "a,b:c.go"), ("line", 3)], "x\ny") == "::notice file=a%2Cb%3Ac.go,line=3::x%0Ay\n"


def test_finding_becomes_an_annotation_with_span_title_and_path(tmp_path):
    path = str(tmp_path / "svc" / "a.go")
    finding = Finding("LL102", "connection of `c` from net.Dial is not closed: 50% of paths, a, b", Span(path, 4, 2, 4, 19),
                      "warning", related=(Location(Span(path, 9, 3, 9, 9), "returns here"),))
    assert render(tmp_path, [finding]) == (
        "::warning file=svc/a.go,line=4,endLine=4,col=2,endColumn=19,title=LL102 go-conn-not-closed::"
        "connection of `c` from net.Dial is not closed: 50%25 of paths, a, b%0A  = note: returns at line 9"
        "%0A  = help: defer its Close() right after the error check, so it is closed on every path\n")


def test_levels_map_to_error_warning_notice(tmp_path):
    spans = Span(str(tmp_path / "a.go"), 1, 1, 1, 2)
    text = render(tmp_path, [Finding("LL101", "m", spans, level) for level in ("error", "warning", "note")])
    assert [line.split(" ", 1)[0] for line in text.splitlines()] == ["::error", "::warning", "::notice"]


def test_suppressed_are_silent_errors_and_unused_ignores_are_warnings(tmp_path):
    path = str(tmp_path / "a.go")
    quiet = Finding("LL101", "m", Span(path, 1, 1, 1, 2), "error", suppressed=True)
    error = FileError(path, "invalid UTF-8 at byte 7", 2, 1)
    unused = Directive(3, ("LL101",), "", Span(path, 2, 5, 2, 30))
    assert render(tmp_path, [quiet], [error], [unused]) == (
        "::error file=a.go,line=2,col=1,title=leaklint could not analyse this file::invalid UTF-8 at byte 7\n")
    assert render(tmp_path, [], [], [unused], unused_ignores=True) == (
        "::warning file=a.go,line=2,col=5,title=LL001 unused-suppression::this suppression (LL101) suppresses nothing\n")
