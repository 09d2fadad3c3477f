"""Applying verified fixes to files, as `check --fix`, `--unsafe-fixes` and `--diff` ask.

Per pass, each file takes the non-overlapping fixes of its active findings (safe ones, and
unsafe ones when asked) and is written only if it still parses; the project is then analysed
again, up to MAX_PASSES, so a fix that makes another possible is applied too and the findings
reported afterwards are the ones left. `--diff` runs one pass in memory and writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from leaklint_gopy.fixes.source import apply_keeping_bom, overlaps, ranges, unified_diff
from leaklint_gopy.fixes.verify import parses

if TYPE_CHECKING:
    from leaklint_gopy.finding import Finding, Fix, RunResult

MAX_PASSES = 4


@dataclass(slots=True)
class Outcome:
    """What fixing did: findings fixed, files changed (path -> original text), the last result."""

    fixed: int = 0
    originals: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def applicable(fix: Fix | None, unsafe: bool) -> bool:
    """Reports whether `fix` may be applied: safe ones always, unsafe ones when asked."""
    return fix is not None and (fix.safe or unsafe)


def plan(findings: list[Finding], unsafe: bool) -> dict[str, list[Fix]]:
    """Returns, per file, the fixes to apply together: in finding order, skipping any that touches
    what an earlier one edits."""
    chosen: dict[str, list[Fix]] = {}
    taken: dict[str, list[tuple[int, int, int, int]]] = {}
    for finding in findings:
        fix = finding.fix
        if finding.suppressed or not applicable(fix, unsafe):
            continue
        path = finding.span.path
        if overlaps(fix, taken.get(path, [])):
            continue
        taken.setdefault(path, []).extend(ranges(fix))
        chosen.setdefault(path, []).append(fix)
    return chosen


def fix_pass(result: RunResult, unsafe: bool, outcome: Outcome, write: bool) -> int:
    """Applies one pass of fixes to `result`'s files; returns how many findings it fixed."""
    count = 0
    for path, fixes in plan(result.findings, unsafe).items():
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                before = handle.read()
        except (OSError, UnicodeDecodeError):
            continue
        try:
            after = apply_keeping_bom(before, [edit for fix in fixes for edit in fix.edits])
        except ValueError:
            continue
        language = "go" if path.endswith(".go") else "python"
        if after == before or not parses(language, after, path):
            continue  # never write a file that no longer parses
        outcome.originals.setdefault(path, before)
        outcome.texts[path] = after
        if write:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(after)
        count += len(fixes)
    outcome.fixed += count
    return count


def diff(outcome: Outcome, display) -> str:
    """Returns the unified diff of every changed file, paths shown by `display(path)`."""
    return "".join(unified_diff(display(path), outcome.originals[path], outcome.texts[path])
                   for path in sorted(outcome.texts))
