"""Runs every annotated fixture directory: a missing `want` and an unexpected finding both fail."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from leaklint_gopy.testing import check_fixture_dir

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DIRS = sorted(p for p in FIXTURES.glob("*/*") if p.is_dir())


@pytest.mark.parametrize("directory", DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_expectations_hold(directory: Path) -> None:
    outcome = check_fixture_dir(directory)
    assert not outcome.problems, "\n".join(outcome.problems)
    assert outcome.true_positives > 0, "a fixture directory must pin at least one finding"


GO_DIRS = sorted(p for p in (FIXTURES / "go").glob("*") if p.is_dir())


@pytest.mark.skipif(shutil.which("go") is None, reason="Go is not installed (apt-get install -y golang-go)")
@pytest.mark.parametrize("directory", GO_DIRS, ids=lambda p: p.name)
def test_go_fixtures_compile(directory: Path, tmp_path: Path) -> None:
    """Fixtures are real Go: each folder builds as one package (files needing modules we cannot
    fetch carry `//go:build ignore`)."""
    for source in directory.glob("*.go"):
        shutil.copy(source, tmp_path / source.name)
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOCACHE": str(tmp_path / ".cache")}
    subprocess.run(["go", "mod", "init", "fixtures"], cwd=tmp_path, capture_output=True, env=env, timeout=60)
    built = subprocess.run(["go", "build", "./..."], cwd=tmp_path, capture_output=True, text=True, env=env,
                           timeout=300)
    assert built.returncode == 0, built.stderr


def test_a_single_fixture_file_is_checked_against_its_own_expectations() -> None:
    from leaklint_gopy.testing import check_fixture_dir

    outcome = check_fixture_dir(FIXTURES / "go" / "go-http-body-not-closed" / "realcode.go")
    assert outcome.problems == [] and outcome.true_positives > 0 and outcome.false_positives == 0
