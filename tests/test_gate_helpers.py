"""A change in a helper can cause a leak where it is called: both gates (--new-from-rev and the
files pre-commit names) report it, and the finding names the helper whose summary decided it."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from leaklint_gopy import cli, gate
from leaklint_gopy.finding import Finding
from leaklint_gopy.gitdiff import Changes, FileChanges
from leaklint_gopy.ir import Span
from test_gate import committed, edit

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

HELPERS = """\
package svc

import "net/http"

// drain closes the body.
func drain(resp *http.Response) {
\tresp.Body.Close()
}
"""

CLIENT = """\
package svc

import "net/http"

// Status returns the status code of url.
func Status(c *http.Client, url string) (int, error) {
\tresp, err := c.Get(url)
\tif err != nil {
\t\treturn 0, err
\t}
\tdefer drain(resp)
\treturn resp.StatusCode, nil
}
"""

UTIL = HELPERS.replace("package svc", "package util").replace("func drain", "func Drain").replace("// drain", "// Drain")

API = """\
package api

import (
\t"net/http"

\t"example.com/shop/util"
)

// Fetch returns the status of url.
func Fetch(url string) int {
\tresp, err := http.Get(url)
\tif err != nil {
\t\treturn 0
\t}
\tdefer util.Drain(resp)
\treturn resp.StatusCode
}
"""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A module whose helpers close what their callers hand them, committed; the cwd."""
    root = committed(tmp_path / "shop", {"go.mod": "module example.com/shop\n\ngo 1.21\n", "svc/helpers.go": HELPERS,
                                         "svc/client.go": CLIENT, "util/drain.go": UTIL, "api/api.go": API})
    monkeypatch.chdir(root)
    return root


def stop_closing(path: Path) -> None:
    edit(path, "\tresp.Body.Close()\n", "\t_ = resp.StatusCode\n")


def found(capsys, *argv: str) -> tuple[int, list[tuple[str, int]]]:
    status = cli.main(["check", "--format", "json", *argv])
    document = json.loads(capsys.readouterr().out)
    return status, [(f["path"], f["line"]) for f in document["findings"] if not f["suppressed"]]


def test_new_from_rev_reports_the_leak_a_changed_helper_causes(shop, capsys):
    assert found(capsys) == (0, [])
    stop_closing(shop / "svc" / "helpers.go")
    assert found(capsys, "--new-from-rev", "HEAD") == (1, [("svc/client.go", 7)])


def test_new_from_rev_follows_helpers_of_other_packages(shop, capsys):
    stop_closing(shop / "util" / "drain.go")
    assert found(capsys, "--new-from-rev", "HEAD") == (1, [("api/api.go", 11)])


def test_files_named_by_pre_commit_report_the_callers_their_helpers_break(shop, capsys):
    stop_closing(shop / "svc" / "helpers.go")
    assert found(capsys, "--force-exclude", "svc/helpers.go") == (1, [("svc/client.go", 7)])


def test_files_named_alone_keep_their_own_findings_and_no_others(shop, capsys):
    (shop / "svc" / "old.go").write_text(CLIENT.replace("defer drain(resp)", "_ = 1").replace("Status", "Old"))
    assert found(capsys, "svc/client.go") == (0, [])
    assert found(capsys, "svc/old.go") == (1, [("svc/old.go", 7)])


def test_the_finding_names_the_helper_whose_summary_decided_it(shop, capsys):
    stop_closing(shop / "svc" / "helpers.go")
    assert cli.main(["check", "svc"]) == 1
    out = capsys.readouterr().out
    assert "= note: summary of drain() used at svc/helpers.go:6:1" in out
    document = json.loads(cli.main(["check", "--format", "sarif", "svc"]) and capsys.readouterr().out)
    related = document["runs"][0]["results"][0]["relatedLocations"]
    assert related[-1]["message"]["text"] == "summary of drain() used here"
    assert related[-1]["physicalLocation"]["region"]["startLine"] == 6


def test_is_new_when_a_change_touches_a_helper_it_used(tmp_path):
    path, helper = str(tmp_path / "client.go"), str(tmp_path / "helpers.go")
    finding = Finding("LL101", "m", Span(path, 7, 2, 7, 9), "error", uses=(Span(helper, 6, 1, 8, 2),))

    def new(**changes) -> bool:
        return gate.is_new(finding, Changes({helper: FileChanges(**changes)}))

    assert new(added={7}) and new(removals={8}) and new(whole=True)
    assert not new(added={5}) and not new(removals={9})


def test_pre_commit_leaves_test_callers_of_package_code_to_the_ci_gate(shop):
    from leaklint_gopy.dependents import dependents

    uses_drain = "package svc\n\nimport \"testing\"\n\nfunc TestDrain(t *testing.T) {\n\tdrain(nil)\n}\n"
    (shop / "svc" / "helpers_test.go").write_text(uses_drain.replace("drain(nil)", "fetchAll(t)") +
                                                   "\nfunc fetchAll(t *testing.T) {}\n")
    (shop / "svc" / "client_test.go").write_text(uses_drain.replace("TestDrain", "TestStatus") +
                                                  "\nfunc TestFetch(t *testing.T) {\n\tfetchAll(t)\n}\n")
    assert dependents(["svc/helpers.go"]) == ["svc/client.go"]
    assert dependents(["svc/helpers_test.go"]) == ["svc/client_test.go"]
