"""The fixture harness: checks findings against inline `want` annotations, go/analysis style.

`// want "regexp"` (or `# want "regexp"`) on a line says a finding whose message matches must be
reported there; a finding on a line without one is a failure. `todo-want` records a known miss
and `todo-fp` a known false alarm: both fail once fixed, so gaps stay visible. The same harness
backs `leaklint test DIR...` for people who write their own rule specs.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from leaklint_gopy.finding import Finding

_ANNOTATION = re.compile(r'(?:^|\s)(?://|#)\s*(want|todo-want)((?:\s+"(?:[^"\\]|\\.)*")+)|(?://|#)\s*(todo-fp)\b')
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


@dataclass(slots=True)
class Expectations:
    want: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    todo_want: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    todo_fp: set[tuple[str, int]] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)  # fixtures that cannot be read, patterns that are no regexp


@dataclass(slots=True)
class Outcome:
    """What a fixture run proved: failures to show, and counts for precision and recall."""

    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # broken fixtures: `leaklint test` exits 2
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    known_misses: int = 0
    known_false_alarms: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives + self.known_false_alarms
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives + self.known_misses
        return self.true_positives / expected if expected else 1.0


def parse_expectations(paths: list[Path]) -> Expectations:
    """Returns the annotations in `paths`, keyed by (path, line); a fixture that cannot be read and a
    pattern that is not a regular expression are `errors`, one line each."""
    from leaklint_gopy.filesystem import Unreadable, read_text

    expectations = Expectations()
    for path in paths:
        try:
            text = read_text(path)
        except Unreadable as exc:
            expectations.errors.append(f"{path}: error: {exc}")
            continue
        for number, line in enumerate(text.split("\n"), start=1):
            for match in _ANNOTATION.finditer(line):
                _annotate(expectations, match, (os.path.abspath(path), number))
    return expectations


def _annotate(expectations: Expectations, match: re.Match[str], key: tuple[str, int]) -> None:
    if match.group(3):
        expectations.todo_fp.add(key)
        return
    target = expectations.want if match.group(1) == "want" else expectations.todo_want
    for pattern in (p.replace('\\"', '"') for p in _QUOTED.findall(match.group(2))):
        try:
            re.compile(pattern)
        except re.error as exc:
            expectations.errors.append(f"{key[0]}:{key[1]}: error: invalid pattern {pattern!r}: {exc}")
            continue
        target.setdefault(key, []).append(pattern)


def compare(findings: list[Finding], expectations: Expectations) -> Outcome:
    """Returns the outcome of matching active findings against the expectations."""
    outcome = Outcome()
    wants = {key: list(patterns) for key, patterns in expectations.want.items()}
    todo = {key: list(patterns) for key, patterns in expectations.todo_want.items()}
    for finding in findings:
        if finding.suppressed:
            continue
        key = (os.path.abspath(finding.span.path), finding.span.line)
        text = f"{finding.rule_id} {finding.message}"
        if _consume(wants.get(key, []), text):
            outcome.true_positives += 1
        elif _consume(todo.get(key, []), text):
            outcome.problems.append(f"{key[0]}:{key[1]}: todo-want now found, make it a want: {text}")
        elif key in expectations.todo_fp:
            outcome.known_false_alarms += 1
            expectations.todo_fp.discard(key)
        else:
            outcome.false_positives += 1
            outcome.problems.append(f"{key[0]}:{key[1]}: unexpected finding: {text}")
    for (path, line), patterns in sorted(wants.items()):
        for pattern in patterns:
            outcome.false_negatives += 1
            outcome.problems.append(f"{path}:{line}: missing finding matching {pattern!r}")
    outcome.known_misses = sum(len(p) for p in todo.values())
    for path, line in sorted(expectations.todo_fp):
        outcome.problems.append(f"{path}:{line}: todo-fp no longer reported, remove the annotation")
    return outcome


def _consume(patterns: list[str], text: str) -> bool:
    for index, pattern in enumerate(patterns):
        if re.search(pattern, text):
            del patterns[index]
            return True
    return False


def check_fixture_dir(directory: Path, rule_dirs: list[Path] | None = None) -> Outcome:
    """Runs leaklint on one fixture directory and returns how its findings match the annotations."""
    from leaklint_gopy import driver
    from leaklint_gopy.spec import load_rules

    rules = load_rules(rule_dirs or driver.default_rule_dirs())
    root = directory.parent if directory.is_file() else directory  # Ex) leaklint test fixtures/go/x/a.go
    result = driver.run([str(directory)], driver.Settings(tuple(rules), root=str(root)))
    found = [directory] if directory.is_file() else directory.rglob("*")
    sources = sorted(p for p in found if p.suffix in (".go", ".py"))
    expectations = parse_expectations(sources)
    outcome = compare(result.findings, expectations)
    outcome.problems.extend(f"{e.path}:{e.line}: error: {e.message}" for e in result.errors)
    outcome.errors = expectations.errors
    return outcome


def main(argv: list[str]) -> int:
    """`leaklint test DIR|FILE...`: checks fixture directories or files; exit 1 when any expectation fails, 2 when a
    fixture cannot be read or holds a pattern that is not a regular expression."""
    parser = argparse.ArgumentParser(prog="leaklint test", description="check annotated fixtures")
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--rules-dir", action="append", type=Path, default=[])
    args = parser.parse_args(argv)
    from leaklint_gopy import driver
    from leaklint_gopy.report import printable

    rule_dirs = driver.default_rule_dirs() + args.rules_dir
    failed = broken = 0
    for directory in args.dirs:
        outcome = check_fixture_dir(directory, rule_dirs)
        for problem in (*outcome.errors, *outcome.problems):
            print(printable(problem))
        failed += bool(outcome.problems)
        broken += bool(outcome.errors)
        print(f"{directory}: {outcome.true_positives} found, {outcome.false_negatives} missed, "
              f"{outcome.false_positives} unexpected, {outcome.known_misses} todo-want, "
              f"{outcome.known_false_alarms} todo-fp (precision {outcome.precision:.2f}, recall {outcome.recall:.2f})",
              file=sys.stderr)
    return 2 if broken else 1 if failed else 0
