"""What reporters read from source files (whether columns need converting to UTF-16, the names of
the helpers a finding used) is stored with each package's result: a warm SARIF report reads no
file and is byte-identical to the cold one, and the facts follow every edit that changes them."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from leaklint_gopy import cli
from leaklint_gopy.report import source

from test_gate_helpers import API  # a package calling util.Drain(resp), the helper that leaves the body open

DRAIN = """\
package util

import "net/http"

// Drain reads the status, and leaves the body open.
func Drain(resp *http.Response) {
\t_ = resp.StatusCode
}
"""

PROBE = """\
package api

import "net/http"

// Probe leaks the body of a URL with a character beyond the BMP.
func Probe() int {
\tresp, _ := http.Get("http://\U0001F600.example") // the call ends after a two-unit character
\treturn resp.StatusCode
}
"""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A module whose api package uses util.Drain's summary; files dated in the past, so the stat
    index trusts them; the cwd."""
    root = tmp_path / "shop"
    for name, text in {"go.mod": "module example.com/shop\n\ngo 1.21\n", "util/drain.go": DRAIN,
                       "api/api.go": API,
                       "api/probe.go": PROBE}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
        _age(root / name)
    monkeypatch.chdir(root)
    return root


def _age(path: Path) -> None:
    past = time.time() - 60
    os.utime(path, (past, past))


class _NoReading:
    """Stands for source.text_of: a report that reads a file other than probe.go (whose columns
    differ in UTF-16, so its lines are needed) fails."""

    def __init__(self) -> None:
        self.text_of = source.text_of

    def __call__(self, path: str) -> str | None:
        if path.endswith(f"{os.sep}probe.go"):
            return self.text_of(path)
        raise AssertionError(f"the report read {path}")

    def cache_clear(self) -> None:
        return None


def sarif(capsys) -> str:
    cli.main(["check", "--format", "sarif", "."])
    captured = capsys.readouterr()
    assert captured.out, captured.err
    return captured.out


def test_a_warm_sarif_report_reads_no_source_file(shop, capsys, monkeypatch):
    cold = sarif(capsys)
    results = json.loads(cold)["runs"][0]["results"]
    assert len(results) == 2
    monkeypatch.setattr(source, "text_of", _NoReading())
    assert sarif(capsys) == cold  # from the stat index: the last run merged
    assert sarif(capsys) == cold


def test_facts_are_those_a_report_reading_the_files_computes(shop, capsys, monkeypatch):
    cold = sarif(capsys)
    monkeypatch.setattr(source, "same_columns", lambda finding: False)
    monkeypatch.setattr(source, "helper_names", lambda finding: [
        source.function_name(os.path.abspath(span.path), span.line) for span in finding.uses])
    assert sarif(capsys) == cold
    number = next(i for i, text in enumerate(PROBE.splitlines(), 1) if "\U0001F600" in text)
    path = "api/probe.go"
    probe = [r for r in json.loads(cold)["runs"][0]["results"]
             if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == path]
    region = probe[0]["locations"][0]["physicalLocation"]["region"]
    line = PROBE.splitlines()[number - 1]
    assert region["startLine"] == number
    assert region["endColumn"] - region["startColumn"] == len(line[line.index("http.Get"):line.index(")") + 1].encode("utf-16-le")) // 2


def test_a_helper_moved_in_another_package_is_named_where_it_is_now(shop, capsys):
    helper = json.loads(sarif(capsys))["runs"][0]["results"][0]["relatedLocations"][-1]
    assert (helper["message"]["text"], helper["physicalLocation"]["region"]["startLine"]) == ("summary of Drain() used here", 6)
    drain = shop / "util" / "drain.go"
    drain.write_text(DRAIN.replace("// Drain", "// Release\nfunc Release(resp *http.Response) { Drain(resp) }\n\n// Drain"))
    _age(drain)
    helper = json.loads(sarif(capsys))["runs"][0]["results"][0]["relatedLocations"][-1]
    assert (helper["message"]["text"], helper["physicalLocation"]["region"]["startLine"]) == ("summary of Drain() used here", 9)
