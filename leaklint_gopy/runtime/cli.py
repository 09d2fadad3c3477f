"""Command line of `leaklint runtime`: scan, watch and validate.

Parses arguments, calls the owning modules and maps outcomes to exit statuses (0 clean, 1 leak
found, 2 usage or runtime error); it computes nothing itself.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Callable
from typing import NoReturn, TextIO

from leaklint_gopy.runtime import chart, prometheus, sarif
from leaklint_gopy.runtime.command import interruptible
from leaklint_gopy.runtime.sample import file_counter
from leaklint_gopy.runtime.scan import scan
from leaklint_gopy.runtime.scan_text import render
from leaklint_gopy.runtime.summary import validate_text, watch_text
from leaklint_gopy.runtime.validate import Outcome, Request, validate
from leaklint_gopy.runtime.verdict import Thresholds
from leaklint_gopy.runtime.watch import (
    WatchPlan, WatchResult, chart_of, watch_command, watch_pid, write_csv, write_json,
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: `leaklint runtime watch: MESSAGE`."""

    def error(self, message: str) -> NoReturn:
        """Exits with status 2 after one line naming the command and the problem."""
        self.exit(2, f"{self.prog}: {message}\n")


def _bounded(kind: Callable[[str], float], low: float, strict: bool) -> Callable[[str], float]:
    """Returns an argparse type: `kind` above `low` (or at least `low` when not strict)."""
    def parse(text: str) -> float:
        """Returns the value, or raises ArgumentTypeError when it is out of range."""
        value = kind(text)
        if value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(f"must be {'greater than' if strict else 'at least'} {low:g}, not {text}")
        return value
    parse.__name__ = kind.__name__
    return parse


POSITIVE, NON_NEGATIVE = _bounded(float, 0, True), _bounded(float, 0, False)


def _sampling_options(parser: argparse.ArgumentParser, interval: float) -> None:
    """Adds the sampling and verdict options shared by watch and validate."""
    parser.add_argument("--interval", type=POSITIVE, default=interval, help="seconds between samples")
    parser.add_argument("--duration", type=POSITIVE, help="stop (and end a started command) after S seconds")
    parser.add_argument("--warmup", type=NON_NEGATIVE, default=0.0, help="drop the first S seconds of samples")
    parser.add_argument("--x-file", metavar="FILE",
                        help="exercise counter: a file holding an integer, or a log whose lines are counted")
    parser.add_argument("--min-slope", type=float, default=0.02, help="smallest leak per exercise (or per s)")
    parser.add_argument("--min-growth", type=float, default=5.0, help="smallest total growth that can be a leak")
    parser.add_argument("--settle", type=NON_NEGATIVE, default=0.0,
                        help="after sampling, wait S idle seconds and sample once more (retention vs churn)")
    parser.add_argument("--quiet", action="store_true", help="no progress line")


def build_parser() -> argparse.ArgumentParser:
    """Returns the parser of `leaklint runtime`."""
    parser = _Parser(prog="leaklint runtime", description="prove or refute leaks on live processes")
    commands = parser.add_subparsers(dest="subcommand", required=True)
    s = commands.add_parser("scan", help="host-wide triage of sockets, fds and TCP memory")
    s.add_argument("--top", type=_bounded(int, 0, True), default=10, help="processes to list per table")
    s.add_argument("--json", nargs="?", const="-", metavar="FILE", help="write JSON (to stdout without FILE)")
    s.add_argument("--prometheus", action="store_true", help="print Prometheus text exposition format")
    s.add_argument("--prometheus-file", metavar="FILE", help="write a node_exporter textfile-collector file")
    w = commands.add_parser("watch", help="sample one process tree and judge its trends")
    w.add_argument("--pid", type=int, help="process to watch (with its children)")
    _sampling_options(w, 0.5)
    w.add_argument("--json", metavar="FILE", help="write verdicts and samples as JSON")
    w.add_argument("--csv", metavar="FILE", help="write the series as CSV")
    w.add_argument("--chart", metavar="FILE", help="write a line chart (.svg, or .png with matplotlib)")
    w.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ... to start and watch")
    v = commands.add_parser("validate", help="run a command and tie open resources to SARIF findings")
    v.add_argument("--sarif", required=True, help="static findings (SARIF 2.1.0)")
    v.add_argument("-o", "--output", metavar="FILE", help="write the annotated SARIF here")
    v.add_argument("--root", help="directory relative SARIF URIs start from (default: the run's %%SRCROOT%%, "
                                  "else the git root where the files exist, as `leaklint check` writes them)")
    v.add_argument("--inject", choices=("auto", "wrapper", "pth"), default="auto", help="how to trace Python")
    v.add_argument("--python", help="interpreter whose site-packages gets the .pth hook")
    v.add_argument("--fixed", metavar="CMD", help="A/B: the same exercise with the fix, as one shell-quoted string")
    v.add_argument("--json", metavar="FILE", help="write statuses as JSON")
    _sampling_options(v, 0.25)
    v.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ... that exercises the code")
    return parser


def _command(args: argparse.Namespace) -> list[str]:
    """Returns the command after `--`."""
    command = list(args.command or [])
    return command[1:] if command[:1] == ["--"] else command


def _plan(args: argparse.Namespace) -> WatchPlan:
    """Returns the sampling plan from the shared options."""
    counter = file_counter(args.x_file) if args.x_file else None
    return WatchPlan(args.interval, args.duration, args.warmup, counter,
                     Thresholds(args.min_slope, args.min_growth), args.settle)


def _scan(args: argparse.Namespace, out: TextIO) -> int:
    """Runs scan and prints the table, JSON or Prometheus text. Returns 0."""
    report = scan()
    if args.prometheus_file:
        prometheus.write_textfile(report, args.prometheus_file, args.top)
    if args.prometheus:
        out.write(prometheus.exposition(report, args.top))
    elif args.json:
        text = json.dumps(report.as_dict(args.top), indent=2) + "\n"
        if args.json == "-":
            out.write(text)
        else:
            with open(args.json, "w", encoding="utf-8") as f:
                f.write(text)
    if not args.prometheus and args.json != "-" and not args.prometheus_file:
        out.write(render(report, args.top))
    return 0


def _watch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs watch and writes its outputs. Returns 1 on LEAK (also when an output cannot be
    written, which is reported), 2 on usage, start or output errors without a leak."""
    command = _command(args)
    if bool(command) == bool(args.pid):
        err.write("leaklint runtime watch: give either --pid PID or -- COMMAND ...\n")
        return 2
    if args.pid and not os.path.exists(f"/proc/{args.pid}"):
        err.write(f"leaklint runtime watch: no process {args.pid}\n")
        return 2
    try:
        if args.chart:
            chart.check(args.chart)
    except chart.ChartError as error:
        err.write(f"leaklint runtime watch: {error}\n")
        return 2
    progress = None if args.quiet else err
    try:
        result = watch_pid(args.pid, _plan(args), progress) if args.pid else watch_command(command, _plan(args), progress)
    except OSError as error:
        err.write(f"leaklint runtime watch: cannot start {command[0]}: {error.strerror}\n")
        return 2
    out.write(watch_text(result))
    failed = _watch_outputs(args, result, err)
    return 1 if result.leaking else 2 if failed else 0


def _watch_outputs(args: argparse.Namespace, result: WatchResult, err: TextIO) -> bool:
    """Writes the JSON, CSV and chart files asked for; reports whether one could not be written."""
    try:
        if args.json:
            write_json(result, args.json)
        if args.csv:
            write_csv(result, args.csv)
        if args.chart and result.samples:
            chart.write(chart_of(result), args.chart)
    except chart.ChartError as error:
        err.write(f"leaklint runtime watch: {error}\n")
        return True
    except OSError as error:
        err.write(f"leaklint runtime watch: cannot write {error.filename}: {error.strerror}\n")
        return True
    return False


def outcome_json(outcome: Outcome) -> dict[str, object]:
    """Returns the statuses, runtime-only leaks and traced sites as JSON-ready data."""
    return {
        "findings": [{"uri": f.uri, "line": f.start_line, "rule": f.rule_id, **e.as_property()}
                     for f, e in outcome.results],
        "runtime_only": [{"path": n.path, "line": n.line, "open_at_exit": n.open, "reclaimed_unclosed": n.reclaimed,
                          "created": n.created, "kinds": list(n.kinds), "flow": [list(f) for f in n.flow]}
                         for n in outcome.new_leaks],
        "sites": [{"kind": r.kind, "language": r.language, "stacks": [[list(f) for f in s] for s in r.stacks],
                   "created": r.created, "released": r.released, "reclaimed_unclosed": r.reclaimed,
                   "open_at_exit": r.open_at_exit, "unfinished": r.unfinished, "peak": r.peak}
                  for r in outcome.traces.records],
        "process": {j.metric.name: j.as_dict() for j in outcome.watch.judged},
        "injection": outcome.mode,
        "exit_code": outcome.watch.exit_code,
        "command_failed": outcome.command_failed,
        "go_goroutines": outcome.traces.extras,
    }


def _validate_usage(args: argparse.Namespace, command: list[str]) -> str | None:
    """Returns what is wrong with validate's arguments, None when nothing is."""
    if not command:
        return "give the command after --"
    if args.python and not os.access(args.python, os.X_OK):
        return f"--python {args.python}: not an executable"
    try:
        shlex.split(args.fixed or "")
    except ValueError as error:
        return f"--fixed: {error}"
    return None


def _validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs validate. Returns 1 when a finding is confirmed or a runtime-only leak is seen, else
    2 when the command failed on its own (its run is not a faithful exercise), else 0."""
    command = _command(args)
    if problem := _validate_usage(args, command):
        err.write(f"leaklint runtime validate: {problem}\n")
        return 2
    request = Request(args.sarif, tuple(command), args.root, args.output, args.inject, args.python,
                      args.fixed, _plan(args))
    try:
        outcome = validate(request, None if args.quiet else err)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(outcome_json(outcome), f, indent=2)
    except sarif.SarifError as error:
        err.write(f"leaklint runtime validate: {error}\n")
        return 2
    except OSError as error:
        what = f"cannot write {error.filename}" if error.filename == args.json else f"cannot start {command[0]}"
        err.write(f"leaklint runtime validate: {what}: {error.strerror}\n")
        return 2
    out.write(validate_text(outcome))
    return 1 if outcome.leaked else 2 if outcome.command_failed else 0


def main(argv: list[str]) -> int:
    """Runs `leaklint runtime ARGS` and returns the exit status.

    SIGTERM, SIGHUP and Ctrl-C end a started command's whole process group and remove every
    hook and trace file; watch then reports what it sampled, validate exits 130.
    """
    args = build_parser().parse_args(argv)
    out, err = sys.stdout, sys.stderr
    try:
        with interruptible():
            match args.subcommand:
                case "scan":
                    return _scan(args, out)
                case "watch":
                    return _watch(args, out, err)
                case _:
                    return _validate(args, out, err)
    except KeyboardInterrupt:
        err.write(f"leaklint runtime {args.subcommand}: interrupted; the command and its hooks were removed\n")
        return 130
