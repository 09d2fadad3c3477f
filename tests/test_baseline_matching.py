"""Baseline entries survive the refactorings that keep a leak: renaming its variable or its
function, or moving the function to a sibling file; and a SARIF log can serve as the baseline."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from leaklint_gopy import cli
from test_gate import NEW_LEAK, OLD_LEAK, PROBE, edit, git, lines, repo  # noqa: F401 - repo is a fixture

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def recorded(repo: Path, capsys) -> Path:
    assert cli.main(["baseline", "-o", "base.json"]) == 0
    capsys.readouterr()
    return repo


def test_renaming_the_variable_keeps_the_entry(recorded, capsys):
    probe = recorded / "svc" / "probe.go"
    probe.write_text(probe.read_text().replace(OLD_LEAK, OLD_LEAK.replace("resp", "r")))
    assert lines(capsys, "--baseline", "base.json") == (0, [])


def test_renaming_the_function_keeps_the_entry(recorded, capsys):
    edit(recorded / "svc" / "probe.go", "func Legacy(", "func Ancient(")
    assert lines(capsys, "--baseline", "base.json") == (0, [])


def test_moving_the_function_to_a_sibling_file_keeps_the_entry(recorded, capsys):
    edit(recorded / "svc" / "probe.go", OLD_LEAK, "")
    (recorded / "svc" / "legacy.go").write_text("package svc\n\nimport \"net/http\"\n" + OLD_LEAK)
    assert lines(capsys, "--baseline", "base.json") == (0, [])


def test_two_changes_at_once_make_it_new_and_an_entry_is_used_once(recorded, capsys):
    edit(recorded / "svc" / "probe.go", OLD_LEAK, OLD_LEAK.replace("resp", "r").replace("Legacy", "Ancient"))
    assert lines(capsys, "--baseline", "base.json") == (1, [("svc/probe.go", 23)])
    edit(recorded / "svc" / "probe.go", "func Ancient(", "func Legacy(")
    (recorded / "svc" / "probe.go").write_text((recorded / "svc" / "probe.go").read_text() + OLD_LEAK.replace("resp", "q"))
    assert lines(capsys, "--baseline", "base.json")[0] == 1


def test_a_sarif_log_of_an_earlier_run_is_a_baseline(repo, capsys):
    (repo / "sp ace").mkdir()
    (repo / "sp ace" / "a.go").write_text("package sp\n\nimport \"net/http\"\n" + NEW_LEAK)
    assert cli.main(["check", "--format", "sarif", "-o", "old.sarif"]) == 1
    capsys.readouterr()
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads((repo / "old.sarif").read_text())["runs"][0]["results"]]
    assert uris == ["sp%20ace/a.go", "svc/probe.go"]
    assert lines(capsys, "--baseline", "old.sarif") == (0, [])
    (repo / "svc" / "probe.go").write_text(PROBE + OLD_LEAK + NEW_LEAK)
    assert lines(capsys, "--baseline", "old.sarif") == (1, [("svc/probe.go", 32)])
