"""The options of `check` and `baseline`: those they share (paths, configuration, selection, file
discovery, limits), those of `check` alone (report, gates, exit status, fixes), and the parsers of
their values. It declares options only: what they mean is decided by cli.py, project.py and the
driver.
"""
from __future__ import annotations

import argparse

from leaklint_gopy.config import OUTPUT_FORMATS


def codes(value: str) -> list[str]:
    """Returns the comma-separated items of `value` (rule codes, globs)."""
    return [part.strip() for part in value.split(",") if part.strip()]


def shard(value: str) -> tuple[int, int]:
    """Returns (K, N) of `K/N`; raises ArgumentTypeError unless 1 <= K <= N."""
    index, _, total = value.partition("/")
    if not (index.isdigit() and total.isdigit() and 1 <= int(index) <= int(total)):
        raise argparse.ArgumentTypeError(f"invalid shard {value!r}: expected K/N with 1 <= K <= N")
    return int(index), int(total)


def jobs(value: str) -> int:
    """Returns a worker count, 0 or more (0: one per core)."""
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"invalid job count {value!r}: expected 0 (one per core) or more")
    return int(value)


def size(value: str) -> int:
    """Returns a byte count written as N, NK or NM (1024-based)."""
    number, scale = value.upper().removesuffix("B"), 1
    if number[-1:] in ("K", "M"):
        number, scale = number[:-1], 1024 ** (1 + (number[-1] == "M"))
    if not number.isdigit() or int(number) == 0:
        raise argparse.ArgumentTypeError(f"invalid size {value!r}: expected bytes, as 500000, 512K or 8M")
    return int(number) * scale


def seconds(value: str) -> float:
    """Returns a finite number of seconds, 0 or more."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"invalid time {value!r}: expected seconds, 0 or more")
    return seconds


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """Adds what `check` and `baseline` share: paths, configuration, selection, file discovery."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .); - reads stdin")
    parser.add_argument("--stdin-filename", metavar="PATH", help="the file that source read from stdin (-) stands for")
    parser.add_argument("--config", metavar="FILE", help="use this leaklint.toml or pyproject.toml")
    parser.add_argument("--select", type=codes, action="extend", metavar="CODES",
                        help="only these rules (codes, code prefixes, names, ALL); replaces the config's")
    parser.add_argument("--extend-select", type=codes, action="extend", default=[], metavar="CODES")
    parser.add_argument("--ignore", type=codes, action="extend", default=[], metavar="CODES")
    parser.add_argument("--exclude", type=codes, action="extend", metavar="GLOBS",
                        help="gitignore-style patterns to skip; replaces the config's exclude")
    parser.add_argument("--extend-exclude", type=codes, action="extend", default=[], metavar="GLOBS",
                        help="more patterns to skip, added to exclude")
    parser.add_argument("--tests", action=argparse.BooleanOptionalAction, default=None,
                        help="analyse test files (default: the config's tests, else yes); their findings are tagged test")
    parser.add_argument("--generated", action=argparse.BooleanOptionalAction, default=None,
                        help="report generated Go files (`// Code generated ... DO NOT EDIT.`; default: the config's "
                             "generated, else no)")
    parser.add_argument("--force-exclude", action=argparse.BooleanOptionalAction, default=None,
                        help="apply exclusions to paths named on the command line too (for pre-commit)")
    parser.add_argument("--respect-gitignore", action=argparse.BooleanOptionalAction, default=None,
                        help="skip files .gitignore ignores (default: the config's, else yes; tracked files never are)")
    parser.add_argument("--no-gitignore", dest="respect_gitignore", action="store_false", help=argparse.SUPPRESS)
    parser.add_argument("--rules-dir", action="append", default=[], metavar="DIR",
                        help="load extra rule specs from DIR (repeatable)")
    parser.add_argument("--jobs", type=jobs, default=0, metavar="N",
                        help="worker processes (0: one per core; never more than the cores)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    parser.add_argument("--shard", type=shard, metavar="K/N", help="analyse only shard K of N (1-based)")
    parser.add_argument("--max-file-size", type=size, default=8 * 1024 * 1024, metavar="SIZE",
                        help="larger files are not analysed, with a notice (default: 8M)")
    parser.add_argument("--file-time-limit", type=seconds, default=60.0, metavar="SECONDS",
                        help="CPU time a file (a Go package) may take; over it the file is not analysed, with a "
                             "notice (default: 60, 0: no limit)")


FORMATS = OUTPUT_FORMATS  # ruff's --output-format names, and leaklint's own
LEVELS = ("error", "warning", "note")


def add_check_options(parser: argparse.ArgumentParser) -> None:
    """Adds what `check` alone takes: the report, the gates (changes, baseline), the exit status, fixes."""
    parser.add_argument("--format", "--output-format", dest="format", choices=FORMATS, metavar="FORMAT",
                       help=f"report format: {', '.join(FORMATS)} (default: the config's output-format, else text)")
    parser.add_argument("--statistics", action="store_true", help="print the number of findings per rule instead")
    parser.add_argument("--add-noqa", action="store_true",
                       help="write a suppression on the line of every finding (to adopt leaklint on old code)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE, a summary to stderr")
    gate = parser.add_mutually_exclusive_group()
    gate.add_argument("--new-from-rev", metavar="REV", help="report only findings that changes since REV touch")
    gate.add_argument("--new-from-merge-base", metavar="BRANCH",
                      help="like --new-from-rev with the merge base of BRANCH and HEAD")
    gate.add_argument("--new-from-patch", metavar="FILE",
                      help="report only findings that the changes in this unified diff touch (a pull request's patch)")
    parser.add_argument("--baseline", metavar="FILE", help="accept the findings recorded in FILE")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when leaks are found")
    parser.add_argument("--fail-on", choices=LEVELS, help="lowest severity that fails the run (default: note)")
    parser.add_argument("--fail-on-unanalysed", action=argparse.BooleanOptionalAction, default=None,
                       help="fail when a file that may acquire cannot be analysed (default: the config's, else yes)")
    parser.add_argument("--report-unused-ignores", action="store_true",
                       help="report suppressions that suppress nothing (they fail the run)")
    parser.add_argument("--sarif-include-suppressed", action="store_true",
                       help="emit suppressed findings in SARIF, with `suppressions`")
    parser.add_argument("--fix", action="store_true", help="apply the safe fixes to the files, then report what is left")
    parser.add_argument("--unsafe-fixes", action="store_true",
                       help="count fixes that may change behaviour as fixable too (applied with --fix, shown by --diff)")
    parser.add_argument("--diff", action="store_true",
                       help="print a unified diff of the fixes and write nothing (exit 1 when there are changes)")
    parser.add_argument("--show-fixes", action="store_true",
                       help="verify and show the fix of each finding ([*] marks, SARIF fixes, JSON fix) without "
                            "applying it; implied by --fix, --diff, --unsafe-fixes and --format rdjson")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    parser.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
