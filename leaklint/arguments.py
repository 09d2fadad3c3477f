"""The options `check` and `baseline` share (paths, configuration, selection, file discovery,
limits) and the parsers of their values. It declares options only: what they mean is decided by
project.py and the driver.
"""
from __future__ import annotations

import argparse


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
