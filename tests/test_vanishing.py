"""Files that change under a running check: one that vanishes or is truncated after it was found,
and one truncated after it was analysed, before it is reported. (A file swapped for a FIFO is in
test_hostile_files.py, in a subprocess with a timeout: a regression there would hang.)"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hostile import PY_LEAK, strict_sarif_problems
from leaklint_gopy import driver
from leaklint_gopy.cli import main


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("gone.py", "short.py", "ok.py"):
        (tmp_path / name).write_text(PY_LEAK)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_files_changed_after_discovery_are_notices(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    found = driver.discover

    def then_change(*args, **kwargs):
        result = found(*args, **kwargs)
        (tree / "gone.py").unlink()
        (tree / "short.py").write_text("import socket\n")
        return result

    monkeypatch.setattr(driver, "discover", then_change)
    status = main(["check", "--no-cache", "--format", "sarif", "-o", "out.sarif", "."])
    errors = capsys.readouterr().err.splitlines()
    assert status == 1, errors
    assert errors[:1] == ["gone.py:1:1: error: cannot read file: No such file or directory"]
    results = json.loads((tree / "out.sarif").read_text())["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == ["ok.py"]
    assert strict_sarif_problems(tree / "out.sarif") == ""


def test_a_file_truncated_before_it_is_reported_still_gives_a_valid_report(tree: Path,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    ran = driver.run

    def then_truncate(*args, **kwargs):
        (tree / "ok.py").write_text(PY_LEAK)
        result = ran(*args, **kwargs)
        (tree / "ok.py").write_text("")
        return result

    monkeypatch.setattr(driver, "run", then_truncate)
    for form in ("text", "sarif", "json", "github"):
        status = main(["check", "--no-cache", "--format", form, "-o", f"out.{form}", "."])
        assert status == 1, capsys.readouterr().err
    assert "ok.py:5:9: LL201 [error] socket `s`" in (tree / "out.text").read_text()
    assert strict_sarif_problems(tree / "out.sarif") == ""
