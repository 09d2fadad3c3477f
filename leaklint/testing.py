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

from leaklint.finding import Finding

_ANNOTATION = re.compile(r'(?:^|\s)(?://|#)\s*(want|todo-want)((?:\s+"(?:[^"\\]|\\.)*")+)|(?://|#)\s*(todo-fp)\b')
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


@dataclass(slots=True)
class Expectations:
    want: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    todo_want: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    todo_fp: set[tuple[str, int]] = field(default_factory=set)


@dataclass(slots=True)
class Outcome:
    """What a fixture run proved: failures to show, and counts for precision and recall."""

    problems: list[str] = field(default_factory=list)
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
    """Returns the annotations in `paths`, keyed by (path, line)."""
    expectations = Expectations()
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in _ANNOTATION.finditer(line):
                key = (os.path.abspath(path), number)
                if match.group(3):
                    expectations.todo_fp.add(key)
                    continue
                patterns = [p.replace('\\"', '"') for p in _QUOTED.findall(match.group(2))]
                target = expectations.want if match.group(1) == "want" else expectations.todo_want
                target.setdefault(key, []).extend(patterns)
    return expectations


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
    from leaklint import driver
    from leaklint.spec import load_rules

    rules = load_rules(rule_dirs or driver.default_rule_dirs())
    result = driver.run([str(directory)], driver.Settings(tuple(rules), root=str(directory)))
    sources = sorted(p for p in directory.rglob("*") if p.suffix in (".go", ".py"))
    outcome = compare(result.findings, parse_expectations(sources))
    outcome.problems.extend(f"{e.path}:{e.line}: error: {e.message}" for e in result.errors)
    return outcome


def main(argv: list[str]) -> int:
    """`leaklint test DIR...`: checks fixture directories; exit 1 when any expectation fails."""
    parser = argparse.ArgumentParser(prog="leaklint test", description="check annotated fixtures")
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--rules-dir", action="append", type=Path, default=[])
    args = parser.parse_args(argv)
    from leaklint import driver

    rule_dirs = driver.default_rule_dirs() + args.rules_dir
    failed = 0
    for directory in args.dirs:
        outcome = check_fixture_dir(directory, rule_dirs)
        for problem in outcome.problems:
            print(problem)
        failed += bool(outcome.problems)
        print(f"{directory}: {outcome.true_positives} found, {outcome.false_negatives} missed, "
              f"{outcome.false_positives} unexpected, {outcome.known_misses} todo-want, "
              f"{outcome.known_false_alarms} todo-fp (precision {outcome.precision:.2f}, recall {outcome.recall:.2f})",
              file=sys.stderr)
    return 1 if failed else 0
