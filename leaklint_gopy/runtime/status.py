"""Gives every static finding its status from what the run showed, and lists runtime-only leaks.

A finding matches the traced objects that have any user frame in its region (the acquiring
call, or the call of a wrapper that returned the object). Statuses: confirmed (a matched object
was reclaimed while open or open at exit), exercised-no-leak (matched objects, all released),
not-exercised (its lines never ran while every process of its language watched them),
inconclusive (anything else, with the reason); an A/B contrast or Go response bodies held where
no hook looked may upgrade inconclusive findings that ran. Pure logic over trace records.
"""
from __future__ import annotations

import os
from dataclasses import replace

from leaklint_gopy.runtime import uris
from leaklint_gopy.runtime.sarif import Evidence, Finding, NewLeak
from leaklint_gopy.runtime.trace import Frame, Record, TraceSet

LANGUAGES = {".py": "python", ".pyi": "python", ".go": "go"}
UNTRACED = "ran, but nothing created on its lines is traced"


def language_of(finding: Finding) -> str | None:
    """Returns the language of a finding's file, None when no tracer knows it."""
    return LANGUAGES.get(os.path.splitext(finding.path or finding.uri)[1])


def matching(finding: Finding, records: tuple[Record, ...]) -> list[Record]:
    """Returns the records with a user frame in the finding's region."""
    return [r for r in records if any(finding.covers(path, line) for path, line in r.frames())]


def line_ran(finding: Finding, traces: TraceSet) -> bool | None:
    """Reports whether a line of the finding's region ran; None when nothing watched all of them."""
    if any((finding.path, line) in traces.lines_run for line in range(finding.start_line, finding.end_line + 1)):
        return True
    return False if language_of(finding) in traces.lines_complete else None


def _traced(records: list[Record]) -> Evidence:
    """Returns the evidence of the records that match a finding."""
    created, leaked = sum(r.created for r in records), sum(r.leaked for r in records)
    opened, reclaimed = sum(r.open_at_exit for r in records), sum(r.reclaimed for r in records)
    peak, unfinished = sum(r.peak for r in records), sum(r.unfinished for r in records)
    if leaked:
        return Evidence("confirmed", opened, created, reclaimed, peak,
                        f"{reclaimed} reclaimed while open, {opened} open at exit, of {created} created")
    if unfinished:
        return Evidence("inconclusive", 0, created, 0, peak,
                        f"{unfinished} of {created} belong to processes that ended without a final report")
    return Evidence("exercised-no-leak", 0, created, 0, peak, f"all {created} created were released")


def classify(finding: Finding, traces: TraceSet) -> Evidence:
    """Returns the status of one finding from the traces alone."""
    records = matching(finding, traces.records)
    if records:
        return _traced(records)
    if language_of(finding) not in traces.languages:
        return Evidence("inconclusive", 0, 0, reason="no tracer for this language ran in the command")
    ran = line_ran(finding, traces)
    if ran:
        return Evidence("inconclusive", 0, 0, reason=UNTRACED)
    if ran is False:
        return Evidence("not-exercised", 0, 0, reason="its lines never ran")
    return Evidence("inconclusive", 0, 0, reason="line coverage was not available (a debugger or coverage tool "
                                                 "took the trace hook, or a process ended early)")


def upgraded(finding: Finding, evidence: Evidence, traces: TraceSet, separated: bool) -> Evidence:
    """Returns the evidence upgraded to confirmed when the A/B runs separate (for an inconclusive
    finding), or when Go held response bodies no hook saw and the finding's HTTP line ran."""
    if evidence.status != "inconclusive":
        return evidence
    if separated:
        return replace(evidence, status="confirmed", reason=evidence.reason + "; A/B: the fd slope lies above the fixed run's")
    unseen = traces.extras.get("held_bodies", 0) - sum(r.open_at_exit for r in traces.records if r.language == "go")
    if evidence.reason == UNTRACED and language_of(finding) == "go" and "http" in finding.tags and unseen > 0:
        return replace(evidence, status="confirmed",
                       reason=f"ran, and {unseen} response bodies no hook saw were held by persistConn.readLoop at exit")
    return evidence


def _primary(record: Record) -> tuple[Frame, tuple[Frame, ...]] | None:
    """Returns the innermost user frame of a record's own stack outside vendor/, and the outer
    frames (outermost first) that led there."""
    frames = [f for f in record.stacks[0] if "/vendor/" not in f[0]] if record.stacks else []
    return (frames[0], tuple(reversed(frames[1:]))) if frames else None


def new_leaks(found: list[Finding], traces: TraceSet, root: str) -> list[NewLeak]:
    """Returns leaked objects that no finding covers, one per innermost user frame inside root."""
    by_site: dict[Frame, list[tuple[Record, tuple[Frame, ...]]]] = {}
    for record in traces.records:
        where = _primary(record)
        if not record.leaked or where is None or uris.relative_uri(where[0][0], root) is None:
            continue
        if not any(f.covers(path, line) for f in found for path, line in record.frames()):
            by_site.setdefault(where[0], []).append((record, where[1]))
    return [NewLeak(path, line, sum(r.open_at_exit for r, _ in group), sum(r.created for r, _ in group),
                    tuple(sorted({r.kind for r, _ in group})), sum(r.reclaimed for r, _ in group),
                    max((flow for _, flow in group), key=len))
            for (path, line), group in sorted(by_site.items())]
