"""The driver: finds files, runs front-ends and the engine per package, and collects a RunResult.

It catches every per-file failure and records it as a FileError, so one bad file never stops a
run or loses another file's findings. It never formats output.
"""
from __future__ import annotations

from dataclasses import dataclass

from leaklint.finding import RunResult
from leaklint.spec import RuleSpec


@dataclass(frozen=True, slots=True)
class Settings:
    """What one run analyses and how. `rules` are already selected (select/ignore applied)."""

    rules: tuple[RuleSpec, ...]
    root: str = "."
    exclude: tuple[str, ...] = ()
    force_exclude: bool = False
    respect_gitignore: bool = True
    jobs: int = 0
    use_cache: bool = True
    shard: tuple[int, int] | None = None


def run(paths: list[str], settings: Settings) -> RunResult:
    """Returns the findings (sorted, suppressions marked) and errors for `paths`."""
    raise NotImplementedError("driver under construction")
