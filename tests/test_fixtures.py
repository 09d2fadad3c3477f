"""Runs every annotated fixture directory: a missing `want` and an unexpected finding both fail."""
from __future__ import annotations

from pathlib import Path

import pytest

from leaklint.testing import check_fixture_dir

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DIRS = sorted(p for p in FIXTURES.glob("*/*") if p.is_dir())


@pytest.mark.parametrize("directory", DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_expectations_hold(directory: Path) -> None:
    outcome = check_fixture_dir(directory)
    assert not outcome.problems, "\n".join(outcome.problems)
    assert outcome.true_positives > 0, "a fixture directory must pin at least one finding"
