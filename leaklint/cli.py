"""The command line: parses arguments, lays them over the configuration file, runs the driver,
passes the result through the gate and a reporter, and maps the outcome to an exit status.

Exit status is a bitmask: 0 nothing to report, 1 findings at or above --fail-on (or unused
suppressions when asked to report them), 2 a usage, configuration or internal error. Files that
could not be analysed are printed to stderr and recorded in SARIF; they do not change the status.
Imports stay lazy: `leaklint --version` loads no parser and no analysis module.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
from typing import TYPE_CHECKING, Any

from leaklint import __version__
from leaklint.config import UsageError

if TYPE_CHECKING:
    from leaklint.finding import RunResult
    from leaklint.project import Project

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "sarif", "json", "github")
LEVELS = ("error", "warning", "note")
ISSUES = "https://github.com/leaklint/leaklint/issues"
DELEGATES = {"runtime": "leaklint.runtime.cli", "test": "leaklint.testing"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _codes(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _shard(value: str) -> tuple[int, int]:
    index, _, total = value.partition("/")
    if not (index.isdigit() and total.isdigit() and 1 <= int(index) <= int(total)):
        raise argparse.ArgumentTypeError(f"invalid shard {value!r}: expected K/N with 1 <= K <= N")
    return int(index), int(total)


def _jobs(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"invalid job count {value!r}: expected 0 (one per core) or more")
    return int(value)


def _size(value: str) -> int:
    """Returns a byte count written as N, NK or NM (1024-based)."""
    number, scale = value.upper().removesuffix("B"), 1
    if number[-1:] in ("K", "M"):
        number, scale = number[:-1], 1024 ** (1 + (number[-1] == "M"))
    if not number.isdigit() or int(number) == 0:
        raise argparse.ArgumentTypeError(f"invalid size {value!r}: expected bytes, as 500000, 512K or 8M")
    return int(number) * scale


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"invalid time {value!r}: expected seconds, 0 or more")
    return seconds


def _add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """Adds what `check` and `baseline` share: paths, configuration, selection, file discovery."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    parser.add_argument("--config", metavar="FILE", help="use this leaklint.toml or pyproject.toml")
    parser.add_argument("--select", type=_codes, action="extend", metavar="CODES",
                        help="only these rules (codes, code prefixes, names, ALL); replaces the config's")
    parser.add_argument("--extend-select", type=_codes, action="extend", default=[], metavar="CODES")
    parser.add_argument("--ignore", type=_codes, action="extend", default=[], metavar="CODES")
    parser.add_argument("--exclude", type=_codes, action="extend", metavar="GLOBS",
                        help="gitignore-style patterns to skip; replaces the config's exclude")
    parser.add_argument("--tests", action=argparse.BooleanOptionalAction, default=None,
                        help="analyse test files (default: the config's tests, else yes); their findings are tagged test")
    parser.add_argument("--generated", action=argparse.BooleanOptionalAction, default=None,
                        help="report generated Go files (`// Code generated ... DO NOT EDIT.`; default: the config's "
                             "generated, else no)")
    parser.add_argument("--force-exclude", action="store_true",
                        help="apply exclusions to paths named on the command line too (for pre-commit)")
    parser.add_argument("--no-gitignore", action="store_true", help="also analyse .gitignore'd files")
    parser.add_argument("--rules-dir", action="append", default=[], metavar="DIR",
                        help="load extra rule specs from DIR (repeatable)")
    parser.add_argument("--jobs", type=_jobs, default=0, metavar="N",
                        help="worker processes (0: one per core; never more than the cores)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    parser.add_argument("--shard", type=_shard, metavar="K/N", help="analyse only shard K of N (1-based)")
    parser.add_argument("--max-file-size", type=_size, default=8 * 1024 * 1024, metavar="SIZE",
                        help="larger files are not analysed, with a notice (default: 8M)")
    parser.add_argument("--file-time-limit", type=_seconds, default=60.0, metavar="SECONDS",
                        help="CPU time a file (a Go package) may take; over it the file is not analysed, with a "
                             "notice (default: 60, 0: no limit)")


def _add_check(commands: Any) -> None:
    check = commands.add_parser("check", help="find leaks", description="Find resource leaks.")
    _add_analysis_options(check)
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE, a summary to stderr")
    gate = check.add_mutually_exclusive_group()
    gate.add_argument("--new-from-rev", metavar="REV", help="report only findings that changes since REV touch")
    gate.add_argument("--new-from-merge-base", metavar="BRANCH",
                      help="like --new-from-rev with the merge base of BRANCH and HEAD")
    check.add_argument("--baseline", metavar="FILE", help="accept the findings recorded in FILE")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when leaks are found")
    check.add_argument("--fail-on", choices=LEVELS, help="lowest severity that fails the run (default: note)")
    check.add_argument("--report-unused-ignores", action="store_true",
                       help="report suppressions that suppress nothing (they fail the run)")
    check.add_argument("--sarif-include-suppressed", action="store_true",
                       help="emit suppressed findings in SARIF, with `suppressions`")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
    check.set_defaults(handler=_check)


def build_parser() -> argparse.ArgumentParser:
    """Returns the parser for every subcommand."""
    parser = _Parser(prog="leaklint", description="Find resource leaks in Go and Python source.")
    parser.add_argument("--version", action="version", version=f"leaklint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_check(commands)
    baseline = commands.add_parser("baseline", help="record today's findings to accept them later")
    _add_analysis_options(baseline)
    baseline.add_argument("-o", "--output", metavar="FILE", required=True)
    baseline.set_defaults(handler=_baseline)
    for name, handler, helptext in (("rules", _rules, "list the rules"), ("explain", _explain, "show a rule's docs")):
        sub = commands.add_parser(name, help=helptext)
        if name == "explain":
            sub.add_argument("rule", metavar="RULE", help="a rule code or name")
        sub.add_argument("--config", metavar="FILE")
        sub.add_argument("--rules-dir", action="append", default=[], metavar="DIR")
        sub.set_defaults(handler=handler)
    merge = commands.add_parser("merge", help="merge SARIF files of sharded runs into one")
    merge.add_argument("inputs", nargs="+", metavar="SARIF")
    merge.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    merge.set_defaults(handler=_merge)
    clean = commands.add_parser("clean", help="remove the result cache")
    clean.set_defaults(handler=_clean)
    commands.add_parser("runtime", help="prove or refute leaks on live processes (see `leaklint runtime --help`)")
    commands.add_parser("test", help="run rule fixtures (see `leaklint test --help`)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs the command line in `argv` (default: sys.argv[1:]) and returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    _tolerant_streams()
    try:
        if argv and argv[0] in DELEGATES:
            return _delegate(argv[0], argv[1:])
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except KeyboardInterrupt:
        print("leaklint: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for the user, a traceback only on request
        return _fail(exc)
    finally:
        if "leaklint.output" in sys.modules:  # a report not delivered leaves no temporary file
            sys.modules["leaklint.output"].discard_pending()


def _tolerant_streams() -> None:
    """Makes standard output and error escape what their encoding cannot hold (`PYTHONIOENCODING=ascii`
    and a non-ASCII finding) instead of failing."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _fail(exc: Exception) -> int:
    from leaklint.report import printable

    if isinstance(exc, _user_errors()):
        print(f"leaklint: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    print(f"leaklint: internal error: {type(exc).__name__}: {exc}. This is a bug in leaklint {__version__}: "
          f"please report it at {ISSUES} (set LEAKLINT_DEBUG=1 for the traceback)", file=sys.stderr)
    if os.environ.get("LEAKLINT_DEBUG") == "1":
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    return EXIT_ERROR


def _user_errors() -> tuple[type[Exception], ...]:
    from leaklint.baseline import BaselineError
    from leaklint.cache import CacheError
    from leaklint.config import ConfigError
    from leaklint.gitdiff import GitError
    from leaklint.report.merge import MergeError
    from leaklint.spec import SpecError

    return (UsageError, ConfigError, SpecError, GitError, BaselineError, MergeError, CacheError)


def _delegate(name: str, rest: list[str]) -> int:
    import importlib

    try:
        module = importlib.import_module(DELEGATES[name])
    except ModuleNotFoundError as exc:
        raise UsageError(f"`leaklint {name}` is not available in this installation ({exc})") from None
    status = module.main(rest)
    return int(status or 0)


def _clean(args: argparse.Namespace) -> int:
    from leaklint.cache import clear, default_directory

    directory = default_directory()
    kept = clear(directory)
    if kept is None:
        print(f"no cache at {directory}")
    elif kept:
        print(f"removed the leaklint cache at {directory} (kept {kept} file{'s' * (kept > 1)} it did not write)")
    else:
        print(f"removed the leaklint cache at {directory}")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from leaklint import gate
    from leaklint.output import ReportTarget
    from leaklint.project import Project

    target = ReportTarget.open(args.output)  # before the analysis: a bad -o costs no minutes
    project = Project.from_args(args)
    result = project.run()
    result.findings = project.accepted(result.findings, baseline=args.baseline)
    rev = project.revision(args.new_from_rev, args.new_from_merge_base)
    if rev is not None:
        result.findings = project.changed_only(result.findings, rev)
    enabled = {rule.id for rule in project.enabled}
    unused = gate.unused_directives(result.unused_directives, enabled) if args.report_unused_ignores else []
    result.unused_directives = unused
    _print_errors(result)
    _report(result, project, args, target)
    fail_on = args.fail_on or project.config.fail_on or "note"
    return gate.exit_status(result.findings, fail_on, unused=len(unused), exit_zero=args.exit_zero)


def _print_errors(result: RunResult) -> None:
    from leaklint.report import printable
    from leaklint.report.text import display_path

    cwd = os.getcwd()
    for error in sorted(result.errors, key=lambda e: (e.path, e.line, e.col)):
        print(f"{display_path(error.path, cwd)}:{error.line}:{error.col}: error: {printable(error.message)}",
              file=sys.stderr)


def _report(result: RunResult, project: Project, args: argparse.Namespace, target) -> None:
    import io

    from leaklint import report
    from leaklint.report.text import summary

    options = report.ReportOptions(
        cwd=os.getcwd(), source_root=project.source_root, version=__version__,
        color=_use_color(args.color, sys.stdout, bool(args.output)),
        include_suppressed=args.sarif_include_suppressed, unused_ignores=args.report_unused_ignores,
        quiet=args.quiet)
    text = io.StringIO()
    report.get(args.format).write(result, text, options)
    target.write(text.getvalue())
    if not args.quiet and (args.output or args.format != "text"):
        where = f"; {args.format} report written to {args.output}" if args.output else ""
        print(summary(result, options) + where, file=sys.stderr)


def _use_color(choice: str, stream: Any, to_file: bool) -> bool:
    """Reports whether to colour: `always`; never for `never` or a file; else a terminal without NO_COLOR."""
    if choice != "auto":
        return choice == "always"
    if to_file or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _baseline(args: argparse.Namespace) -> int:
    from leaklint import baseline
    from leaklint.output import ReportTarget
    from leaklint.project import Project

    target = ReportTarget.open(args.output)
    project = Project.from_args(args)
    result = project.run()
    active = [f for f in project.accepted(result.findings, baseline=None) if not f.suppressed]
    target.write(baseline.dumps(active, project.source_root))
    _print_errors(result)
    print(f"leaklint: recorded {len(active)} finding{'s' * (len(active) != 1)} in {args.output}", file=sys.stderr)
    return EXIT_OK


def _catalog(args: argparse.Namespace) -> list:
    from leaklint.project import load_catalog

    return load_catalog(args.config, args.rules_dir)


def _rules(args: argparse.Namespace) -> int:
    rules = _catalog(args)
    rows = [("CODE", "NAME", "LANGUAGE", "SEVERITY", "TITLE")]
    rows += [(r.id, r.name, r.language, r.severity, r.title) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4])
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from leaklint import docs

    wanted = args.rule.strip()
    for rule in _catalog(args):
        if wanted.upper() == rule.id or wanted == rule.name:
            sys.stdout.write(docs.text(rule))
            return EXIT_OK
    raise UsageError(f"unknown rule {wanted!r} (see `leaklint rules`)")


def _merge(args: argparse.Namespace) -> int:
    from pathlib import Path

    from leaklint.output import ReportTarget
    from leaklint.report.merge import merge_files

    target = ReportTarget.open(args.output)
    target.write(merge_files([Path(p) for p in args.inputs]))
    return EXIT_OK
