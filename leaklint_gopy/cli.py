"""The command line: parses arguments, lays them over the configuration file, runs the driver,
passes the result through the gate and a reporter, and maps the outcome to an exit status.

Exit status is a bitmask: 0 nothing to report, 1 findings at or above --fail-on, unused
suppressions when asked to report them, or a file that may acquire and could not be analysed
(unless `fail-on-unanalysed = false`), 2 a usage, configuration or internal error. Files that
could not be analysed are printed to stderr and recorded in every report.
Imports stay lazy: `leaklint --version` loads no parser and no analysis module.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
from typing import TYPE_CHECKING, Any

from leaklint_gopy import __version__
from leaklint_gopy.arguments import add_analysis_options, add_check_options
from leaklint_gopy.config import UsageError

if TYPE_CHECKING:
    from leaklint_gopy.finding import RunResult
    from leaklint_gopy.gitdiff import Changes
    from leaklint_gopy.output import ReportTarget
    from leaklint_gopy.project import Project

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SUMMARISED = ("text", "full", "concise", "grouped")  # formats that print their own summary
ISSUES = "https://github.com/leaklint/leaklint/issues"
DELEGATES = {"runtime": "leaklint_gopy.runtime.cli", "test": "leaklint_gopy.testing", "server": "leaklint_gopy.lsp.server"}


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, its width found as shutil.get_terminal_size finds it, without
    importing shutil (and the compression modules it imports): every parser made builds a formatter."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


def _columns() -> int:
    """Returns the terminal's width as shutil.get_terminal_size().columns does: $COLUMNS, else the
    width of the terminal on standard output, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _add_check(commands: Any) -> None:
    check = commands.add_parser("check", help="find leaks", description="Find resource leaks.")
    add_analysis_options(check)
    add_check_options(check)
    check.set_defaults(handler=_check)


def build_parser() -> argparse.ArgumentParser:
    """Returns the parser for every subcommand."""
    parser = _Parser(prog="leaklint", description="Find resource leaks in Go and Python source.")
    parser.add_argument("--version", action="version", version=f"leaklint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_check(commands)
    baseline = commands.add_parser("baseline", help="record today's findings to accept them later")
    add_analysis_options(baseline)
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
    commands.add_parser("server", help="run the language server on stdio (see docs/editors.md)")
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
        if "leaklint_gopy.output" in sys.modules:  # a report not delivered leaves no temporary file
            sys.modules["leaklint_gopy.output"].discard_pending()


def _tolerant_streams() -> None:
    """Makes standard output and error escape what their encoding cannot hold (`PYTHONIOENCODING=ascii`
    and a non-ASCII finding) instead of failing."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _fail(exc: Exception) -> int:
    from leaklint_gopy.report import printable

    if isinstance(exc, _user_errors()):
        print(f"leaklint: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    print(f"leaklint: internal error: {type(exc).__name__}: {exc}. This is a bug in leaklint {__version__}: "
          f"please report it at {ISSUES} (set LEAKLINT_DEBUG=1 for the traceback){_clash()}", file=sys.stderr)
    if os.environ.get("LEAKLINT_DEBUG") == "1":
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    return EXIT_ERROR


def _clash() -> str:
    """Returns a hint when PyPI's unrelated `leaklint` is installed here too: both install a
    `leaklint` command, so the one on PATH may be the other tool's (the likely cause of the error)."""
    from importlib import metadata

    try:
        metadata.distribution("leaklint")
    except metadata.PackageNotFoundError:
        return ""
    return (". Also, PyPI's unrelated `leaklint` is installed in this environment and installs a `leaklint` "
            "command too: run `python -m leaklint_gopy`, or `pip uninstall leaklint` (see the README)")


def _user_errors() -> tuple[type[Exception], ...]:
    from leaklint_gopy.baseline import BaselineError
    from leaklint_gopy.cache import CacheError
    from leaklint_gopy.config import ConfigError
    from leaklint_gopy.gitdiff import GitError
    from leaklint_gopy.report.merge import MergeError
    from leaklint_gopy.spec import SpecError

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
    from leaklint_gopy.cache import clear, default_directory

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
    from leaklint_gopy.output import ReportTarget
    from leaklint_gopy.project import GATE_OPTIONS, Project

    target = ReportTarget.open(args.output)  # before the analysis: a bad -o costs no minutes
    _read_stdin(args)
    project = Project.from_args(args)
    for warning in project.warnings:
        print(f"leaklint: warning: {warning}", file=sys.stderr)
    changes = project.changes(*(getattr(args, name) for name in GATE_OPTIONS))  # fails fast
    if (args.fix or args.diff) and args.stdin:
        raise UsageError("--fix and --diff edit files on disk: they do not read source from stdin (-)")
    if args.diff:
        return _diff(project, args, changes)
    fixed = _fix(project, args, changes) if args.fix else 0
    plan = project.plan() if _replayable(project, args, changes) else None
    address = _address(plan, project, args, fixed)
    if address is not None:
        from leaklint_gopy import report_cache
        from leaklint_gopy.cache import default_directory

        stored = report_cache.load(default_directory(), address)
        if stored is not None:  # Ex) a warm CI run on a tree where nothing changed since the last one
            plan.replayed()
            target.write(stored.report)
            sys.stderr.write(stored.stderr)
            return stored.status
    result = _result(project, args, changes, plan)
    if args.add_noqa:
        return _add_noqa(result)
    from leaklint_gopy import gate  # (after the replay, which needs neither it nor the reporters)

    enabled = {rule.id for rule in project.enabled}
    unused = gate.unused_directives(result.unused_directives, enabled) if args.report_unused_ignores else []
    result.unused_directives = unused
    log = io.StringIO()  # what follows the analysis on stderr, kept with the report for a replay
    try:
        _print_errors(result, log)
        if not result.files_checked:
            print(f"leaklint: warning: no Go or Python file to analyse in {' '.join(project.paths)}", file=log)
        text = _report(result, project, args, target, fixed, log)
    finally:
        sys.stderr.write(log.getvalue())
    fail_on = args.fail_on or project.config.fail_on or "note"
    strict = project.config.fail_on_unanalysed if args.fail_on_unanalysed is None else args.fail_on_unanalysed
    status = gate.exit_status(result.findings, fail_on, unused=len(unused), exit_zero=args.exit_zero,
                              unanalysed=gate.unanalysed(result.errors) if strict else 0)
    address = address or _address(plan, project, args, fixed)  # Ex) the run that primed the index
    if address is not None:
        from leaklint_gopy import report_cache
        from leaklint_gopy.cache import default_directory

        report_cache.save(default_directory(), address, report_cache.Outcome(text, log.getvalue(), status))
    return status


def _replayable(project: Project, args: argparse.Namespace, changes: Changes | None) -> bool:
    """Reports whether the output of `check` may come from the report cache (see report_cache): not
    without the cache, for source from stdin, a gate on changes, or fixes."""
    return project.settings.use_cache and not (args.stdin or changes is not None or args.fix or args.add_noqa
                                               or project.settings.fixes)


def _address(plan, project: Project, args: argparse.Namespace, fixed: int) -> str | None:
    """Returns the address in the report cache of the output of the run `plan` (see driver.Plan),
    or None when it has none (it reads or checks packages) or there is no plan."""
    if plan is None or plan.digest is None:
        return None
    from leaklint_gopy import report_cache
    from leaklint_gopy.cache import rules_digest

    baseline = None
    if args.baseline:
        import hashlib

        try:
            with open(args.baseline, "rb") as handle:
                baseline = hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            return None  # (its error is the run's to report)
    # (the format as it will be: _report fills args.format in from the configuration, and an address
    # made after the run, for the run that primed the index, must equal the next run's)
    options = sorted((name, value) for name, value in vars(args).items() if name not in ("handler", "stdin", "format"))
    options.append(("format", args.format or project.config.output_format or "text"))
    presentation = [options, project.config, rules_digest(project.rules), baseline, os.getcwd(), project.source_root,
                    project.paths, project.context, project.dependents, fixed,
                    _use_color(args.color, sys.stdout, bool(args.output))]
    return report_cache.key(plan.digest, presentation)


def _result(project: Project, args: argparse.Namespace, changes: Changes | None, plan=None) -> RunResult:
    """Returns the run's result (of `plan` when given, see driver.Plan) with the baseline, per-file
    ignores and the changes gate applied."""
    from leaklint_gopy import gate

    result = project.run(plan)
    result.findings = project.accepted(result.findings, baseline=args.baseline)
    if changes is not None:
        shown = gate.only_changed(result.findings, changes)
        result.unchanged = sum(not f.suppressed for f in result.findings) - sum(not f.suppressed for f in shown)
        result.findings = shown
    return result


def _fix(project: Project, args: argparse.Namespace, changes: Changes | None) -> int:
    """Applies fixes pass after pass (each pass analyses again) and returns how many it applied."""
    from leaklint_gopy.fixes.apply import MAX_PASSES, Outcome, fix_pass

    outcome = Outcome()
    for _ in range(MAX_PASSES):
        if not fix_pass(_result(project, args, changes), args.unsafe_fixes, outcome, write=True):
            break
    if outcome.fixed and not args.quiet:
        from leaklint_gopy.report.text import plural

        print(f"leaklint: fixed {plural(outcome.fixed, 'leak')} in {plural(len(outcome.texts), 'file')}",
              file=sys.stderr)
    return outcome.fixed


def _diff(project: Project, args: argparse.Namespace, changes: Changes | None) -> int:
    """Prints the diff of the fixes one pass would apply; exits 1 when there is one (as ruff)."""
    from leaklint_gopy.fixes.apply import Outcome, diff, fix_pass
    from leaklint_gopy.report.text import display_path, plural

    result = _result(project, args, changes)
    _print_errors(result)
    outcome = Outcome()
    fix_pass(result, args.unsafe_fixes, outcome, write=False)
    cwd = os.getcwd()
    sys.stdout.write(diff(outcome, lambda path: display_path(path, cwd).replace(os.sep, "/")))
    if not args.quiet:
        print(f"leaklint: would fix {plural(outcome.fixed, 'leak')} in {plural(len(outcome.texts), 'file')}",
              file=sys.stderr)
    return EXIT_FINDINGS if outcome.texts and not args.exit_zero else EXIT_OK


def _read_stdin(args: argparse.Namespace) -> None:
    """Replaces a `-` path by --stdin-filename and keeps what stdin holds as `args.stdin` (path,
    bytes), also as that file's text for the reporters; raises UsageError without a usable name."""
    args.stdin = None
    if "-" not in args.paths:
        return
    from leaklint_gopy.discovery import describe
    from leaklint_gopy.report import absolute, source

    name = args.stdin_filename
    if not name:
        raise UsageError("reading source from stdin (-) needs --stdin-filename PATH to name its language")
    if describe(name) is None:
        raise UsageError(f"{name}: not a Go or Python file (--stdin-filename names the file stdin stands for)")
    data = sys.stdin.buffer.read(args.max_file_size + 1)
    if len(data) > args.max_file_size:
        raise UsageError(f"stdin holds more than --max-file-size ({args.max_file_size} bytes)")
    args.paths = [name if p == "-" else p for p in args.paths]
    args.stdin = (name, data)
    source.remember(absolute(name), data.decode("utf-8", errors="replace"))


def _add_noqa(result: RunResult) -> int:
    from leaklint_gopy import suppressions
    from leaklint_gopy.report.text import plural

    _print_errors(result)
    added = suppressions.add(result.active)
    for line in added.skipped:
        print(f"leaklint: warning: {line}", file=sys.stderr)
    print(f"leaklint: added {plural(added.suppressions, 'suppression')} to {plural(added.files, 'file')}",
          file=sys.stderr)
    return EXIT_OK


def _print_errors(result: RunResult, stream: Any = None) -> None:
    from leaklint_gopy.report import printable
    from leaklint_gopy.report.text import display_path

    cwd = os.getcwd()
    for error in sorted(result.errors, key=lambda e: (e.path, e.line, e.col)):
        print(f"{display_path(error.path, cwd)}:{error.line}:{error.col}: {error.severity}: {printable(error.message)}",
              file=stream or sys.stderr)


def _report(result: RunResult, project: Project, args: argparse.Namespace, target: ReportTarget,
            fixed: int = 0, log: Any = None) -> str:
    """Writes the report to `target` and its summary to `log` (default: stderr); returns the report."""
    from leaklint_gopy import report
    from leaklint_gopy.report.text import summary

    args.format = args.format or project.config.output_format or "text"
    options = report.ReportOptions(
        cwd=os.getcwd(), source_root=project.source_root, version=__version__,
        color=_use_color(args.color, sys.stdout, bool(args.output)),
        include_suppressed=args.sarif_include_suppressed, unused_ignores=args.report_unused_ignores,
        quiet=args.quiet, unsafe_fixes=args.unsafe_fixes, fixed=fixed)
    text = io.StringIO()
    report.get("statistics" if args.statistics else args.format).write(result, text, options)
    target.write(text.getvalue())
    if not args.quiet and (args.output or args.statistics or args.format not in SUMMARISED):
        kind = "statistics" if args.statistics else args.format
        where = f"; {kind} report written to {args.output}" if args.output else ""
        print(summary(result, options) + where, file=log or sys.stderr)
    return text.getvalue()


def _use_color(choice: str, stream: Any, to_file: bool) -> bool:
    """Reports whether to colour: `always`; never for `never` or a file; else when FORCE_COLOR is set
    (not empty), else a terminal without NO_COLOR."""
    if choice != "auto":
        return choice == "always"
    if to_file:
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _baseline(args: argparse.Namespace) -> int:
    from leaklint_gopy import baseline
    from leaklint_gopy.output import ReportTarget
    from leaklint_gopy.project import Project

    target = ReportTarget.open(args.output)
    _read_stdin(args)
    project = Project.from_args(args)
    result = project.run()
    active = [f for f in project.accepted(result.findings, baseline=None) if not f.suppressed]
    target.write(baseline.dumps(active, project.source_root))
    _print_errors(result)
    print(f"leaklint: recorded {len(active)} finding{'s' * (len(active) != 1)} in {args.output}", file=sys.stderr)
    return EXIT_OK


def _catalog(args: argparse.Namespace) -> list:
    from leaklint_gopy.project import load_catalog

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
    from leaklint_gopy import docs

    wanted = args.rule.strip()
    for rule in _catalog(args):
        if wanted.upper() == rule.id or wanted == rule.name:
            sys.stdout.write(docs.text(rule))
            return EXIT_OK
    raise UsageError(f"unknown rule {wanted!r} (see `leaklint rules`)")


def _merge(args: argparse.Namespace) -> int:
    from pathlib import Path

    from leaklint_gopy.output import ReportTarget
    from leaklint_gopy.report.merge import merge_files

    target = ReportTarget.open(args.output)
    target.write(merge_files([Path(p) for p in args.inputs]))
    return EXIT_OK
