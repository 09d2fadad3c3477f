"""Package context: a file named alone is analysed with its siblings' helpers, which are never reported."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from leaklint_gopy import driver
from leaklint_gopy.spec import load_rules

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "go" / "go-http-body-not-closed"


def _findings(paths: list[str], context: tuple[str, ...] = ()) -> list[tuple[str, int, str]]:
    settings = driver.Settings(tuple(load_rules(driver.default_rule_dirs())), use_cache=False, jobs=1)
    result = driver.run(paths, replace(settings, context=context))
    return [(Path(f.span.path).name, f.span.line, f.message) for f in result.findings]


def test_named_file_with_context_matches_whole_package_run() -> None:
    named = FIXTURE / "wrappers.go"
    siblings = tuple(str(p) for p in sorted(FIXTURE.glob("*.go")) if p != named)
    whole = [f for f in _findings([str(FIXTURE)]) if f[0] == "wrappers.go"]
    alone = _findings([str(named)], context=siblings)
    assert alone == whole
    assert any("doRequest" in message for _, _, message in alone)


def test_context_files_are_not_reported() -> None:
    named = FIXTURE / "wrappers.go"
    siblings = tuple(str(p) for p in sorted(FIXTURE.glob("*.go")) if p != named)
    assert {name for name, _, _ in _findings([str(named)], context=siblings)} == {"wrappers.go"}
