"""Verification: a proposed fix is offered only when the fixed file still parses and a
re-analysis of its package (same rules, same tree) no longer reports the finding and reports
nothing new.

Proposals of one package are checked together first (one re-analysis); when that batch fails,
each is checked alone, up to a bound. It never writes a file.
"""
from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from leaklint_gopy.finding import Finding, Fix
from leaklint_gopy.fixes import fixer
from leaklint_gopy.fixes.source import apply_keeping_bom, overlaps, ranges

Members = list[tuple[str, bytes]]
Reanalyse = Callable[[Members], list[Finding] | None]  # None: the package no longer lowers cleanly
MAX_SINGLE_CHECKS = 24  # re-analyses of one package when its batch failed


def identity(finding: Finding) -> tuple[str, str, str]:
    """Returns what names a finding across a rewrite: rule, function and acquiring callee (the
    variable and occurrence may change when a fix binds a result or another leaves the function)."""
    parts = finding.key.rsplit(":", 3)
    return (finding.rule_id, parts[0], parts[2] if len(parts) == 4 else finding.key)


def attach(language: str, members: Members, findings: list[Finding], reanalyse: Reanalyse,
           paths: frozenset[str] | None = None) -> list[Finding]:
    """Returns `findings` with a verified `fix` on each finding that has one; with `paths`, only
    findings in those files are proposed fixes."""
    proposals = _proposals(language, [(p, d) for p, d in members if paths is None or p in paths], findings)
    if not proposals:
        return findings
    verified = _check(language, members, findings, proposals, reanalyse)
    if verified is None:
        verified = {}
        for index in list(proposals)[:MAX_SINGLE_CHECKS]:
            if _check(language, members, findings, {index: proposals[index]}, reanalyse) is not None:
                verified[index] = proposals[index]
    return [replace(f, fix=verified[i]) if i in verified else f for i, f in enumerate(findings)]


def _proposals(language: str, members: Members, findings: list[Finding]) -> dict[int, Fix]:
    """Returns non-overlapping proposals by finding index (the first of two that overlap wins)."""
    propose = fixer(language)
    texts = {path: data for path, data in members}
    taken: dict[str, list[tuple[int, int, int, int]]] = {}
    out: dict[int, Fix] = {}
    for index, finding in enumerate(findings):
        data = texts.get(finding.span.path)
        if propose is None or data is None:
            continue
        try:
            fix = propose.propose(finding, data.decode("utf-8-sig"))  # a byte order mark is no column
        except Exception:  # noqa: BLE001 - a fixer bug (or a file that is not UTF-8) costs a fix, never the run
            fix = None
        if fix is None or not fix.edits or overlaps(fix, taken.get(finding.span.path, [])):
            continue
        taken.setdefault(finding.span.path, []).extend(ranges(fix))
        out[index] = fix
    return out


def _check(language: str, members: Members, findings: list[Finding], chosen: dict[int, Fix],
           reanalyse: Reanalyse) -> dict[int, Fix] | None:
    """Returns `chosen` when all of them together verify, else None."""
    edits: dict[str, list] = {}
    for index, fix in chosen.items():
        edits.setdefault(findings[index].span.path, []).extend(fix.edits)
    fixed: Members = []
    for path, data in members:
        if path not in edits:
            fixed.append((path, data))
            continue
        try:
            text = apply_keeping_bom(data.decode("utf-8"), edits[path])
        except ValueError:
            return None
        if not parses(language, text, path):
            return None
        fixed.append((path, text.encode("utf-8")))
    after = reanalyse(fixed)
    if after is None:
        return None
    allowed = Counter(identity(f) for f in findings)
    allowed.subtract(identity(findings[i]) for i in chosen)
    now = Counter(identity(f) for f in after)
    return chosen if all(count <= allowed[key] for key, count in now.items()) else None


def parses(language: str, text: str, path: str = "<fixed>") -> bool:
    """Reports whether `text` is still a well-formed file of `language`."""
    if language == "go":
        from leaklint_gopy.fixes.gotree import parse

        return not parse(text.encode("utf-8")).root_node.has_error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text.removeprefix("\ufeff"), path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True
