"""The output formats CI systems and people expect, end to end: ruff's format names, GitLab code
quality, JUnit XML, concise text with severity and a help line, statistics, colour by FORCE_COLOR."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from leaklint_gopy import cli
from test_cli import CLEAN, LEAK

FORMATS = ["full", "text", "concise", "json", "json-lines", "junit", "grouped", "github", "gitlab", "codeclimate",
           "pylint", "rdjson", "azure", "sarif"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "probe.go").write_text(LEAK)
    (tmp_path / "svc" / "ping.go").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    for name in ("FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("name", FORMATS)
def test_every_ruff_format_name_is_accepted_and_fails_on_the_leak(project, capsys, name):
    status, out, _ = run(capsys, "check", "--output-format", name)
    assert status == 1 and "probe.go" in out


def test_an_unknown_format_is_a_usage_error(project, capsys):
    status, _, err = run(capsys, "check", "--output-format", "xml")
    assert status == 2 and "invalid choice: 'xml'" in err


def test_text_shows_severity_and_a_help_line(project, capsys):
    out = run(capsys, "check")[1]
    assert "svc/probe.go:9:15: LL101 [error] response body of `resp`" in out
    assert "= help: add `defer resp.Body.Close()` right after the error check, so it is closed on every path" in out


def test_concise_is_one_line_per_finding(project, capsys):
    out = run(capsys, "check", "--output-format", "concise")[1]
    assert out == ("svc/probe.go:9:15: LL101 [error] response body of `resp` from (*http.Client).Get is not closed "
                   "when returning at line 14\n1 leak in 1 file\n")


def test_gitlab_code_quality_is_codeclimate_json(project, capsys):
    [issue] = json.loads(run(capsys, "check", "--output-format", "gitlab")[1])
    assert issue["type"] == "issue" and issue["check_name"] == "LL101" and issue["severity"] == "critical"
    assert issue["location"] == {"path": "svc/probe.go", "lines": {"begin": 9, "end": 9}}
    assert issue["description"].startswith("LL101: response body of `resp`")
    assert len(issue["fingerprint"]) == 32 and issue["categories"] == ["Bug Risk"]


def test_junit_has_a_failing_case_per_finding(project, capsys):
    root = ET.fromstring(run(capsys, "check", "--output-format", "junit")[1])
    assert root.tag == "testsuites" and root.get("failures") == "1" and root.get("tests") == "1"
    [suite] = root
    [case] = suite
    assert (suite.get("name"), case.get("classname"), case.get("name")) == ("svc/probe.go", "svc/probe.go", "LL101")
    assert case[0].tag == "failure" and case[0].get("message").startswith("response body of `resp`")
    assert "line 9, column 15" in case[0].text


def test_junit_without_findings_has_one_passing_case(project, capsys):
    (project / "svc" / "probe.go").unlink()
    root = ET.fromstring(run(capsys, "check", "--output-format", "junit")[1])
    assert (root.get("tests"), root.get("failures")) == ("1", "0")


def test_json_lines_pylint_azure_grouped_and_rdjson(project, capsys):
    line = json.loads(run(capsys, "check", "--output-format", "json-lines")[1].splitlines()[0])
    assert (line["rule"], line["path"], line["line"]) == ("LL101", "svc/probe.go", 9)
    assert run(capsys, "check", "--output-format", "pylint")[1].startswith("svc/probe.go:9: [LL101] response body")
    azure = run(capsys, "check", "--output-format", "azure")[1]
    assert azure.startswith("##vso[task.logissue type=error;sourcepath=svc/probe.go;linenumber=9;columnnumber=15;code=LL101;]")
    assert run(capsys, "check", "--output-format", "grouped")[1].startswith("svc/probe.go:\n  9:15 LL101 [error] response")
    rd = json.loads(run(capsys, "check", "--output-format", "rdjson")[1])
    [diagnostic] = rd["diagnostics"]
    assert diagnostic["code"]["value"] == "LL101" and diagnostic["location"]["range"]["start"] == {"line": 9, "column": 15}


def test_statistics_count_findings_per_rule(project, capsys):
    (project / "svc" / "more.go").write_text(LEAK.replace("Probe", "More"))
    status, out, _ = run(capsys, "check", "--statistics")
    assert status == 1 and out == "2\tLL101\tgo-http-body-not-closed\n"


def test_force_color_colours_output_that_is_not_a_terminal(project, capsys, monkeypatch):
    assert "\x1b[" not in run(capsys, "check")[1]
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run(capsys, "check")[1]
    assert "\x1b[" not in run(capsys, "check", "--color", "never")[1]


def test_the_configuration_chooses_the_format(project, capsys):
    (project / "leaklint.toml").write_text('output-format = "concise"\n')
    assert run(capsys, "check")[1].startswith("svc/probe.go:9:15: LL101 [error] response")
    assert run(capsys, "check", "--output-format", "pylint")[1].startswith("svc/probe.go:9: [LL101]")
