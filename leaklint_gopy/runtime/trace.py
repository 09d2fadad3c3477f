"""Reads what the traced processes wrote into a run's trace directory: the Python tracers' event
streams (trace-*.jsonl) and the Go harness's reports (go-trace-*.json), merged into records of
what was created along which user stacks and what became of it, plus the lines that ran.

A Python process whose stream has no final record (SIGKILL, a crash) is incomplete: the objects
it had not released have an unknown fate (`unfinished`), never "closed". Matching records to
findings is status.py's job; injecting the tracers is injection.py's.
"""
from __future__ import annotations

import glob
import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from leaklint_gopy.runtime.procfs import Problem

Frame = tuple[str, int]
Stack = tuple[Frame, ...]


@dataclass(frozen=True, slots=True)
class Record:
    """Resources of one kind created along the same user stacks, summed over processes.

    `stacks` holds the user frames (path, line), innermost first, of each creation stack: the
    object's own, then the one of the HTTPConnection it belongs to. Of `created`, `released`
    were closed by the program, `reclaimed` were collected while open, `open_at_exit` were still
    open at the final report and `unfinished` belong to a process that never wrote one.
    """

    kind: str
    language: str
    stacks: tuple[Stack, ...]
    created: int
    released: int
    reclaimed: int
    open_at_exit: int
    unfinished: int = 0
    peak: int = 0

    @property
    def leaked(self) -> int:
        """Returns how many were not released: reclaimed open or open at exit."""
        return self.reclaimed + self.open_at_exit

    def frames(self) -> Iterable[Frame]:
        """Returns every user frame of every creation stack."""
        return (frame for stack in self.stacks for frame in stack)


@dataclass(frozen=True, slots=True)
class TraceSet:
    """Everything the traced processes reported.

    `lines_run` are the finding lines seen running; `lines_complete` names the languages whose
    every process watched its lines to the end (only then does an unseen line mean "did not
    run"); `extras` holds process-wide counts such as Go's persistConn goroutines.
    """

    records: tuple[Record, ...]
    languages: frozenset[str]
    processes: int
    incomplete: int = 0
    lines_run: frozenset[Frame] = frozenset()
    lines_complete: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()
    extras: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Object:
    """One traced object while its events are replayed."""

    kind: str
    stacks: tuple[Stack, ...]
    carrier: int | None
    state: str = "open"


@dataclass(slots=True)
class _Process:
    """What one Python process's event stream says."""

    objects: dict[int, _Object] = field(default_factory=dict)
    peaks: Counter[tuple[str, tuple[Stack, ...]]] = field(default_factory=Counter)
    lines: set[Frame] = field(default_factory=set)
    final_open: set[int] | None = None
    lines_intact: bool = False


def _replay(events: Iterable[dict[str, object]]) -> _Process:
    """Returns the objects, peaks, lines run and final state of one event stream."""
    process, sites, live = _Process(), {}, Counter()
    for event in events:
        match event.get("e"):
            case "site":
                sites[event["n"]] = tuple((str(p), int(n)) for p, n in event["stack"])  # type: ignore[union-attr]
            case "new":
                stacks = tuple(sites[n] for n in dict.fromkeys(event["s"]))  # type: ignore[union-attr]
                obj = process.objects[int(event["k"])] = _Object(str(event["kind"]), stacks, event.get("on"))  # type: ignore[arg-type]
                live[(obj.kind, stacks)] += 1
                process.peaks[(obj.kind, stacks)] = max(process.peaks[(obj.kind, stacks)], live[(obj.kind, stacks)])
            case "rel" | "gc" if (obj := process.objects.get(int(event["k"]))) and obj.state == "open":  # type: ignore[arg-type]
                obj.state = "released" if event["e"] == "rel" else "reclaimed"
                live[(obj.kind, obj.stacks)] -= 1
            case "line":
                process.lines.add((str(event["f"]), int(event["l"])))  # type: ignore[arg-type]
            case "final":
                process.final_open = {int(k) for k in event.get("open") or []}  # type: ignore[union-attr]
                process.lines_intact = event.get("lines_intact") is not False
    return process


def _fate(key: int, obj: _Object, process: _Process) -> str:
    """Returns released, reclaimed, open_at_exit or unfinished for one object."""
    if obj.state != "open":
        return obj.state
    if process.final_open is None or key not in process.final_open:
        return "unfinished"
    return "open_at_exit"


def _python_records(process: _Process) -> list[Record]:
    """Returns one process's records; a socket carrying a leaked response counts as the response."""
    fates = {key: _fate(key, obj, process) for key, obj in process.objects.items()}
    carriers = {obj.carrier for key, obj in process.objects.items()
                if obj.carrier is not None and fates[key] in ("reclaimed", "open_at_exit")}
    counts: dict[tuple[str, tuple[Stack, ...]], Counter[str]] = {}
    for key, obj in process.objects.items():
        if obj.kind == "socket" and key in carriers:
            continue
        counts.setdefault((obj.kind, obj.stacks), Counter())[fates[key]] += 1
    return [Record(kind, "python", stacks, sum(c.values()), c["released"], c["reclaimed"], c["open_at_exit"],
                   c["unfinished"], process.peaks[(kind, stacks)]) for (kind, stacks), c in counts.items()]


def _go_records(data: dict[str, object]) -> list[Record]:
    """Returns the response-body records of a Go harness report (a body is released when closed
    or read to its end; Go never closes one for the program)."""
    records = []
    for site in data.get("sites") or []:  # type: ignore[union-attr]
        stack = tuple((str(p), int(n)) for p, n in site["stack"])
        created, done = int(site["created"]), int(site["done"])
        records.append(Record("response body", "go", (stack,), created, done, 0, created - done, 0,
                              int(site.get("peak", 0))))
    return records


def merge(records: Iterable[Record]) -> list[Record]:
    """Returns records summed per (kind, language, stacks)."""
    merged: dict[tuple[str, str, tuple[Stack, ...]], Record] = {}
    for r in records:
        key = (r.kind, r.language, r.stacks)
        old = merged.get(key)
        merged[key] = r if old is None else Record(
            r.kind, r.language, r.stacks, old.created + r.created, old.released + r.released,
            old.reclaimed + r.reclaimed, old.open_at_exit + r.open_at_exit, old.unfinished + r.unfinished,
            old.peak + r.peak)
    return list(merged.values())


def _events(path: str) -> list[dict[str, object]]:
    """Returns the events of a stream; a torn last line (the process was killed mid-write) is dropped."""
    events = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    return events


@dataclass(slots=True)
class _Reading:
    """The parts of a TraceSet while the files are read."""

    records: list[Record] = field(default_factory=list)
    languages: set[str] = field(default_factory=set)
    complete: dict[str, bool] = field(default_factory=dict)
    lines: set[Frame] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    extras: Counter[str] = field(default_factory=Counter)
    processes: int = 0
    incomplete: int = 0

    def python(self, path: str) -> None:
        """Adds one Python event stream."""
        process = _replay(_events(path))
        self.records += _python_records(process)
        self.lines |= process.lines
        finished = process.final_open is not None
        self.incomplete += not finished
        self.complete["python"] = self.complete.get("python", True) and finished and process.lines_intact
        self.languages.add("python")

    def go(self, path: str) -> None:
        """Adds one Go harness report."""
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        self.records += _go_records(data)
        self.extras.update({k: int(data.get(k, 0)) for k in ("read_loops", "held_bodies", "idle_conns")})
        self.languages.add("go")


def read_traces(workdir: str) -> TraceSet:
    """Returns the merged reports of every traced process that wrote into workdir."""
    reading = _Reading()
    for path in sorted(glob.glob(os.path.join(workdir, "trace-*.jsonl")) + glob.glob(os.path.join(workdir, "go-trace-*.json"))):
        try:
            reading.python(path) if path.endswith(".jsonl") else reading.go(path)
            reading.processes += 1
        except (OSError, ValueError, KeyError, TypeError) as error:
            reading.problems.append(Problem(path, f"unreadable trace: {error}"))
    if reading.incomplete:
        reading.problems.append(Problem(f"{reading.incomplete} traced process(es)",
                                        "ended without a final report (killed or crashed): what they had open is unknown"))
    return TraceSet(tuple(merge(reading.records)), frozenset(reading.languages), reading.processes, reading.incomplete,
                    frozenset(reading.lines), frozenset(k for k, v in reading.complete.items() if v),
                    tuple(reading.problems), dict(reading.extras))
