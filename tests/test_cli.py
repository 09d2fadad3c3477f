"""The command line end to end: real driver, real files, exit status and output as users see them."""
from __future__ import annotations

import re
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leaklint_gopy import cli

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

LEAK = """\
package svc

import (
\t"fmt"
\t"net/http"
)

func Probe(c *http.Client, url string) error {
\tresp, err := c.Get(url)
\tif err != nil {
\t\treturn err
\t}
\tif resp.StatusCode != http.StatusOK {
\t\treturn fmt.Errorf("status %d", resp.StatusCode)
\t}
\treturn resp.Body.Close()
}
"""

CLEAN = """\
package svc

import "net/http"

func Ping(c *http.Client, url string) error {
\tresp, err := c.Get(url)
\tif err != nil {
\t\treturn err
\t}
\tdefer resp.Body.Close()
\treturn nil
}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with one leaking and one clean Go file, as the working directory."""
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "probe.go").write_text(LEAK)
    (tmp_path / "svc" / "ping.go").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_leak_is_printed_with_source_caret_notes_and_summary(project, capsys):
    status, out, _ = run(capsys, "check")
    assert status == 1
    assert out == (
        "svc/probe.go:9:15: LL101 [error] response body of `resp` from (*http.Client).Get is not closed when returning at line 14\n"
        "  |\n"
        "9 |     resp, err := c.Get(url)\n"
        "  |                  ^^^^^^^^^^ LL101\n"
        "  |\n"
        "  = note: returns at line 14\n"
        "  = help: add `defer resp.Body.Close()` right after the error check, so it is closed on every path\n"
        "\n"
        "1 leak in 1 file\n"
            )


def test_clean_tree_exits_zero_and_counts_files(project, capsys):
    (project / "svc" / "probe.go").unlink()
    status, out, err = run(capsys, "check", ".")
    assert (status, out, err) == (0, "no leaks found in 1 file\n", "")


def test_exit_zero_keeps_the_report(project, capsys):
    status, out, _ = run(capsys, "check", "--exit-zero")
    assert status == 0
    assert "svc/probe.go:9:15: LL101" in out


def test_quiet_prints_findings_without_summary(project, capsys):
    status, out, _ = run(capsys, "check", "-q")
    assert status == 1
    assert out.startswith("svc/probe.go:9:15:") and "1 leak" not in out


def test_ignore_and_select_choose_rules(project, capsys):
    assert run(capsys, "check", "--ignore", "LL101")[0] == 0
    assert run(capsys, "check", "--select", "LL102")[0] == 0
    assert run(capsys, "check", "--select", "go-http-body-not-closed")[0] == 1
    assert run(capsys, "check", "--select", "LL1", "--ignore", "LL102")[0] == 1


def test_unknown_selector_is_a_one_line_usage_error(project, capsys):
    status, out, err = run(capsys, "check", "--select", "LL999")
    assert status == 2 and out == ""
    assert err == "leaklint: error: command line: unknown rule selector 'LL999'\n"


def test_bad_flag_and_missing_path_are_one_line_errors(project, capsys):
    status, _, err = run(capsys, "check", "--no-such-flag")
    assert status == 2 and err.count("\n") == 1 and "unrecognized arguments: --no-such-flag" in err
    status, _, err = run(capsys, "check", "nowhere")
    assert (status, err) == (2, "leaklint: error: nowhere: no such file or directory\n")
    status, _, err = run(capsys, "check", "--shard", "3/2")
    assert status == 2 and "invalid shard '3/2'" in err and err.count("\n") == 1


def test_fail_on_error_ignores_warnings(project, capsys):
    (project / "leaklint.toml").write_text('[severity]\nLL101 = "warning"\n')
    assert run(capsys, "check")[0] == 1
    assert run(capsys, "check", "--fail-on", "error")[0] == 0
    assert run(capsys, "check", "--fail-on", "warning")[0] == 1


def test_internal_error_is_one_line_unless_debugging(project, capsys, monkeypatch):
    def broken(paths, settings):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("leaklint_gopy.driver.run", broken)
    monkeypatch.setattr("leaklint_gopy.driver.plan", broken)  # (a run that may reuse its report plans first)
    status, _, err = run(capsys, "check")
    assert status == 2
    assert err.count("\n") == 1
    assert err.startswith("leaklint: internal error: ZeroDivisionError: boom. This is a bug in leaklint")
    assert "https://github.com/leaklint/leaklint/issues" in err and "LEAKLINT_DEBUG=1" in err
    monkeypatch.setenv("LEAKLINT_DEBUG", "1")
    status, _, err = run(capsys, "check")
    assert status == 2 and "Traceback (most recent call last)" in err


def test_unreadable_file_is_reported_and_the_run_goes_on(project, capsys):
    (project / "svc" / "broken.go").write_bytes(b"package svc\n\nvar s = \"\xff\xfe\"\n")
    status, out, err = run(capsys, "check")
    assert status == 1
    assert "svc/probe.go:9:15: LL101" in out
    assert err == "svc/broken.go:3:1: warning: invalid UTF-8 at byte 22\n"  # it calls no acquisition
    assert out.rstrip().endswith("1 leak in 1 file; 1 file with warnings")
    (project / "svc" / "probe.go").unlink()
    status, out, err = run(capsys, "check")
    assert status == 0 and "broken.go" in err
    (project / "svc" / "broken.go").write_bytes(b"package svc\n\nimport \"net/http\"\n\nvar s = \"\xff\"\n"
                                                b"var r, _ = http.Get(s)\n")
    status, out, err = run(capsys, "check")
    assert status == 1 and err == "svc/broken.go:5:1: error: invalid UTF-8 at byte 41\n"
    assert out.rstrip().endswith("; 1 file could not be analysed")


def test_suppressed_finding_is_counted_not_printed(project, capsys):
    source = LEAK.replace("resp, err := c.Get(url)", "resp, err := c.Get(url) //leaklint:ignore LL101 closed by caller")
    (project / "svc" / "probe.go").write_text(source)
    status, out, _ = run(capsys, "check")
    assert (status, out) == (0, "no leaks found in 2 files (1 suppressed)\n")


def test_unused_ignores_are_reported_only_when_asked(project, capsys):
    source = CLEAN.replace("defer resp.Body.Close()", "defer resp.Body.Close() //leaklint:ignore LL101 stale")
    (project / "svc" / "ping.go").write_text(source)
    (project / "svc" / "probe.go").unlink()
    assert run(capsys, "check")[0] == 0
    status, out, _ = run(capsys, "check", "--report-unused-ignores")
    assert status == 1
    assert "svc/ping.go:10:26: LL001 unused suppression: no LL101 finding here\n" in out
    assert out.endswith("no leaks found in 1 file; 1 unused suppression\n")


def test_output_file_gets_the_report_and_stderr_the_summary(project, capsys):
    status, out, err = run(capsys, "check", "--format", "sarif", "-o", "out.sarif")
    assert status == 1 and out == ""
    assert err == "1 leak in 1 file; sarif report written to out.sarif\n"
    log = json.loads((project / "out.sarif").read_text())
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["LL101"]


def test_sarif_to_stdout_keeps_stdout_clean(project, capsys):
    status, out, err = run(capsys, "check", "--format", "sarif")
    assert status == 1
    assert json.loads(out)["version"] == "2.1.0"
    assert err == "1 leak in 1 file\n"


def test_sarif_is_byte_identical_across_runs_and_invocation_paths(project, capsys):
    (project / "leaklint.toml").write_text("")  # the project root, wherever leaklint runs
    first = run(capsys, "check", "--format", "sarif")[1]
    second = run(capsys, "check", "--format", "sarif", str(project))[1]
    os.chdir(project / "svc")
    third = run(capsys, "check", "--format", "sarif", ".")[1]
    assert first == second == third


def test_json_and_github_formats(project, capsys):
    status, out, _ = run(capsys, "check", "--format", "json")
    document = json.loads(out)
    assert status == 1
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in document["findings"]] == [
        ("LL101", "svc/probe.go", 9, 15)]
    assert document["summary"]["findings"] == 1
    status, out, _ = run(capsys, "check", "--format", "github")
    assert status == 1
    assert out.startswith("::error file=svc/probe.go,line=9,endLine=9,col=15,endColumn=25,"
                          "title=LL101 go-http-body-not-closed::")
    assert "%0A  = note%3A" not in out and "%0A  = note: returns at line 14" in out


def test_colour_only_when_asked_or_on_a_terminal(project, capsys, monkeypatch):
    assert "\x1b[" not in run(capsys, "check")[1]
    assert "\x1b[1;31mLL101\x1b[0m" in run(capsys, "check", "--color", "always")[1]
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert "\x1b[" in run(capsys, "check")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(capsys, "check")[1]


def test_single_go_file_is_analysed_with_its_package(project, capsys):
    (project / "svc" / "client.go").write_text(
        "package svc\n\nimport \"net/http\"\n\n"
        "func fetch(u string) (*http.Response, error) {\n\treturn http.Get(u)\n}\n")
    (project / "svc" / "use.go").write_text(
        "package svc\n\nfunc Use(u string) error {\n\tresp, err := fetch(u)\n\tif err != nil {\n\t\treturn err\n\t}\n"
        "\t_ = resp.StatusCode\n\treturn nil\n}\n")
    status, out, _ = run(capsys, "check", "svc/use.go")
    assert status == 1
    assert out.startswith("svc/use.go:4:15: LL101 ") and "`resp`" in out.splitlines()[0]
    assert "probe.go" not in out
    assert out.endswith("1 leak in 1 file\n")


def test_shards_together_find_what_one_run_finds(project, capsys):
    (project / "other").mkdir()
    (project / "other" / "probe.go").write_text(LEAK)
    whole = json.loads(run(capsys, "check", "--format", "json")[1])["findings"]
    parts = [json.loads(run(capsys, "check", "--format", "json", "--shard", f"{k}/3")[1])["findings"] for k in (1, 2, 3)]
    assert sorted(f["path"] for part in parts for f in part) == sorted(f["path"] for f in whole)
    assert len(whole) == 2


def test_merge_of_shard_sarif_equals_the_whole_run(project, capsys):
    for name in ("a", "b", "c"):
        (project / name).mkdir()
        (project / name / "probe.go").write_text(LEAK)
    run(capsys, "check", "--format", "sarif", "-o", "whole.sarif")
    for k in (1, 2):
        run(capsys, "check", "--format", "sarif", "--shard", f"{k}/2", "-o", f"shard{k}.sarif")
    assert run(capsys, "merge", "shard2.sarif", "shard1.sarif", "shard2.sarif", "-o", "merged.sarif")[0] == 0
    assert (project / "merged.sarif").read_text() == (project / "whole.sarif").read_text()
    status, _, err = run(capsys, "merge", "svc/probe.go")
    assert status == 2 and err.startswith("leaklint: error: svc/probe.go: cannot read SARIF")


def test_rules_table_and_explain(project, capsys):
    status, out, _ = run(capsys, "rules")
    lines = out.splitlines()
    assert status == 0
    assert lines[0].split() == ["CODE", "NAME", "LANGUAGE", "SEVERITY", "TITLE"]
    assert re.match(r"LL101  go-http-body-not-closed +go {8}error {5}HTTP response body", lines[1])
    by_code = run(capsys, "explain", "LL102")[1]
    by_name = run(capsys, "explain", "go-conn-not-closed")[1]
    assert by_code == by_name
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert f"\n{heading}\n" in by_code
    status, _, err = run(capsys, "explain", "LL999")
    assert (status, err) == (2, "leaklint: error: unknown rule 'LL999' (see `leaklint rules`)\n")


def test_test_and_live_process_subcommands_delegate(capsys, monkeypatch):
    calls = []

    class Fake:
        @staticmethod
        def main(argv):
            calls.append(argv)
            return 3

    monkeypatch.setitem(sys.modules, "leaklint_gopy.testing", Fake)
    monkeypatch.setitem(sys.modules, "leaklint_gopy.runtime.cli", Fake)
    assert cli.main(["test", "fixtures/go", "-v"]) == 3
    assert cli.main(["runtime", "watch", "--pid", "1"]) == 3
    assert calls == [["fixtures/go", "-v"], ["watch", "--pid", "1"]]


def test_leaklint_test_runs_the_fixture_harness(capsys):
    status = cli.main(["test", str(REPO / "fixtures" / "go" / "go-conn-not-closed")])
    captured = capsys.readouterr()
    assert status in (0, 1) and " found, " in captured.out + captured.err


def test_python_dash_m_and_version(project):
    done = subprocess.run([PYTHON, "-m", "leaklint_gopy", "check", "svc"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 1
    assert done.stdout.startswith("svc/probe.go:9:15: LL101 ")
    done = subprocess.run([PYTHON, "-m", "leaklint_gopy", "--version"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert (done.returncode, done.stdout) == (0, "leaklint 0.1.0\n")


def test_version_imports_no_parser():
    done = subprocess.run([PYTHON, "-X", "importtime", "-m", "leaklint_gopy", "--version"], capture_output=True,
                          text=True, cwd=REPO)
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    heavy = {name for name in imported if name.split(".")[0] in {"libcst", "astroid", "tree_sitter", "tree_sitter_go"}}
    assert done.returncode == 0 and heavy == set()
    assert not {"leaklint_gopy.driver", "leaklint_gopy.spec", "json"} & imported


def test_discovery_and_speed_flags_reach_the_driver(project, capsys, monkeypatch):
    from leaklint_gopy import driver

    seen = {}
    real = driver.run

    def spy(paths, settings):
        seen.update(paths=paths, settings=settings)
        return real(paths, settings)

    monkeypatch.setattr(driver, "run", spy)
    (project / "leaklint.toml").write_text('exclude = ["gen/"]\n')
    argv = ["check", "--jobs", "3", "--no-cache", "--shard", "2/5", "--no-gitignore", "--force-exclude", "svc"]
    assert cli.main(argv) in (0, 1)
    settings = seen["settings"]
    assert seen["paths"] == ["svc"]
    assert (settings.jobs, settings.use_cache, settings.shard) == (3, False, (2, 5))
    assert (settings.respect_gitignore, settings.force_exclude, settings.exclude) == (False, True, ("gen/",))
    assert settings.root == str(project)
    from leaklint_gopy.config import builtin_rule_dirs
    from leaklint_gopy.spec import load_rules

    assert [r.id for r in settings.rules] == [r.id for r in load_rules(builtin_rule_dirs())]


def test_unused_ignores_are_results_in_sarif_and_json(project, capsys):
    source = CLEAN.replace("defer resp.Body.Close()", "defer resp.Body.Close() //leaklint:ignore LL101 stale")
    (project / "svc" / "ping.go").write_text(source)
    (project / "svc" / "probe.go").unlink()
    status, out, _ = run(capsys, "check", "--format", "sarif", "--report-unused-ignores")
    run_ = json.loads(out)["runs"][0]
    assert status == 1
    [result] = run_["results"]
    rule = run_["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert (result["ruleId"], rule["id"], rule["name"], result["level"]) == ("LL001", "LL001", "unused-suppression", "warning")
    assert result["message"]["text"] == "unused suppression: no LL101 finding here"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 10
    assert set(result["partialFingerprints"]) == {"leaklint/v1", "primaryLocationLineHash"}
    status, out, _ = run(capsys, "check", "--format", "json", "--report-unused-ignores")
    assert [(u["path"], u["line"], u["codes"]) for u in json.loads(out)["unused_ignores"]] == [("svc/ping.go", 10, ["LL101"])]
    assert "LL001" not in run(capsys, "check", "--format", "sarif")[1]
