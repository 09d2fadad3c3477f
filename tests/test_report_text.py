"""The text reporter on hand-built findings: caret placement, notes, summary wording, colour."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from leaklint_gopy.finding import Finding, Location, RunResult
from leaklint_gopy.ir import Directive, FileError, Span
from leaklint_gopy.report import ReportOptions, get
from leaklint_gopy.report.text import summary


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "a.go").write_text(
        "package svc\n\nfunc f() {\n\tx := \"中文\"; resp, err := http.Get(u)\n\treturn\n}\n", encoding="utf-8")
    return tmp_path


def render(root: Path, findings: list[Finding], color: bool = False, **more) -> str:
    result = RunResult(findings, [], more.pop("errors", []), more.pop("files", 3), str(root),
                       more.pop("unused", []))
    options = ReportOptions(cwd=str(root), source_root=str(root), version="0", color=color, **more)
    out = io.StringIO()
    get("text").write(result, out, options)
    return out.getvalue()


def leak(root: Path, name: str = "svc/a.go", **extra) -> Finding:
    path = str(root / name)
    call, exit_ = Span(path, 4, 26, 4, 37), Span(path, 5, 2, 5, 8)
    fields = {"related": (Location(exit_, "returns here"),),
              "flow": (Location(call, "response body acquired here"), Location(exit_, "returns here")), **extra}
    return Finding("LL101", "response body of `resp` from http.Get is not closed when returning at line 5",
                   call, "error", **fields)


def test_caret_lines_up_under_tabs_and_wide_characters(root):
    assert render(root, [leak(root)]) == (
        "svc/a.go:4:26: LL101 [error] response body of `resp` from http.Get is not closed when returning at line 5\n"
        "  |\n"
        "4 |     x := \"中文\"; resp, err := http.Get(u)\n"
        "  | " + " " * 30 + "^^^^^^^^^^^ LL101\n"
        "  |\n"
        "  = note: returns at line 5\n"
        "\n"
        "1 leak in 1 file\n")


def test_span_over_several_lines_is_underlined_to_the_end_of_the_first(root):
    finding = Finding("LL102", "m", Span(str(root / "svc" / "a.go"), 4, 26, 6, 2), "error")
    assert "  | " + " " * 30 + "^^^^^^^^^^^ LL102\n" in render(root, [finding])


def test_notes_in_other_files_name_the_file(root):
    elsewhere = Location(Span(str(root / "svc" / "b.go"), 9, 3, 9, 9), "closed on this path only")
    text = render(root, [leak(root, related=(elsewhere,), flow=())])
    assert "  = note: closed on this path only at svc/b.go:9:3\n" in text


def test_missing_source_prints_the_header_and_notes_only(root):
    text = render(root, [leak(root, name="svc/gone.go")])
    assert text.splitlines()[:3] == [
        "svc/gone.go:4:26: LL101 [error] response body of `resp` from http.Get is not closed when returning at line 5",
        "  = note: returns at line 5", ""]


@pytest.mark.parametrize(("active", "suppressed", "errors", "files", "expected"), [
    (0, 0, 0, 1, "no leaks found in 1 file"),
    (0, 0, 0, 7, "no leaks found in 7 files"),
    (1, 0, 0, 7, "1 leak in 1 file"),
    (3, 1, 0, 7, "3 leaks in 2 files (1 suppressed)"),
    (0, 2, 1, 7, "no leaks found in 7 files (2 suppressed); 1 file could not be analysed"),
    (2, 0, 2, 7, "2 leaks in 2 files; 2 files could not be analysed"),
])
def test_summary_wording(root, active, suppressed, errors, files, expected):
    names = ["svc/a.go", "svc/b.go", "svc/b.go"]
    findings = [leak(root, name=names[i]) for i in range(active)]
    findings += [leak(root, suppressed=True) for _ in range(suppressed)]
    result = RunResult(findings, [], [FileError(f"e{i}.go", "bad") for i in range(errors)], files, str(root))
    assert summary(result, ReportOptions(str(root), str(root), "0")) == expected


def test_colour_codes_only_when_enabled(root):
    plain = render(root, [leak(root)])
    coloured = render(root, [leak(root)], color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1msvc/a.go:4:26:\x1b[0m \x1b[1;31mLL101\x1b[0m" in coloured
    assert "\x1b[1;31m^^^^^^^^^^^ LL101\x1b[0m" in coloured


def test_quiet_drops_the_summary_and_suppressed_are_not_printed(root):
    assert render(root, [leak(root, suppressed=True)], quiet=True) == ""
    assert render(root, [leak(root, suppressed=True)]) == "no leaks found in 3 files (1 suppressed)\n"


def test_unused_directives_listed_when_asked(root):
    path = str(root / "svc" / "a.go")
    unused = [Directive(5, ("LL101",), "old", Span(path, 4, 40, 4, 70)),
              Directive(6, (), "", Span(path, 5, 9, 5, 30))]
    assert render(root, [], unused=unused) == "no leaks found in 3 files\n"
    text = render(root, [], unused=unused, unused_ignores=True)
    assert text == (
        "svc/a.go:4:40: LL001 unused suppression: no LL101 finding here\n"
        "svc/a.go:5:9: LL001 suppression without a rule code suppresses nothing\n"
        "no leaks found in 3 files; 2 unused suppressions\n")
