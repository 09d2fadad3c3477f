"""The gate: what a finished run means for CI and pre-commit.

It marks findings that configuration (per-file-ignores) or the baseline accepts, keeps only
findings that changed lines can have caused (`--new-from-rev`), and computes the exit status.
It never analyses and never formats.
"""
from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING

from leaklint_gopy.finding import Finding
from leaklint_gopy.report import absolute

if TYPE_CHECKING:
    from leaklint_gopy.baseline import Entry
    from leaklint_gopy.config import Config
    from leaklint_gopy.gitdiff import Changes
    from leaklint_gopy.finding import Directive, FileError, Span
    from leaklint_gopy.spec import RuleSpec

RANK = {"note": 0, "warning": 1, "error": 2}
EXTERNAL = ("suppression_kind", "external")
BASELINED = ("accepted_by", "baseline")
EXIT_FINDINGS, EXIT_ERROR = 1, 2


def accept(finding: Finding, reason: str, *marks: tuple[str, str]) -> Finding:
    """Returns `finding` suppressed outside the source (SARIF suppression kind `external`), with `marks`
    added to its extra pairs."""
    if finding.suppressed:
        return finding
    return replace(finding, suppressed=True, suppression_reason=reason, extra=(*finding.extra, EXTERNAL, *marks))


def is_external(finding: Finding) -> bool:
    """Reports whether the finding was suppressed by configuration or baseline, not in source."""
    return EXTERNAL in finding.extra


def per_file_ignores(findings: list[Finding], config: Config, rules: list[RuleSpec]) -> list[Finding]:
    """Returns `findings` with those matched by the config's per-file-ignores suppressed.

    Globs are gitignore patterns, as for `exclude`, matched against the path relative to the
    config file's directory: one without `/` matches at any depth (`*_test.go`), `dir/` a whole
    directory, `**` any number of directories.
    """
    if not config.per_file_ignores:
        return findings
    import pathspec

    from leaklint_gopy.config import resolve

    table = [(glob, pathspec.GitIgnoreSpec.from_lines([glob]), {r.id for code in codes for r in resolve(rules, code)})
             for glob, codes in config.per_file_ignores]
    out = []
    for finding in findings:
        rel = os.path.relpath(absolute(finding.span.path), config.root).replace(os.sep, "/")
        hit = next((glob for glob, spec, ids in table if finding.covered_by(ids) and spec.match_file(rel)), None)
        out.append(accept(finding, f"per-file-ignores {hit!r} in {config.path.name}") if hit else finding)
    return out


def baseline(findings: list[Finding], entries: list[Entry], base: str) -> list[Finding]:
    """Returns `findings` with those the baseline's `entries` accept suppressed (paths and
    fingerprints relative to `base`, the repository root; see baseline.matches)."""
    from leaklint_gopy.baseline import matches

    accepted = matches(findings, entries, base)
    return [accept(f, "baseline", BASELINED) if i in accepted else f for i, f in enumerate(findings)]


def only_changed(findings: list[Finding], changes: Changes) -> list[Finding]:
    """Returns the findings that the changes since the revision can have caused."""
    return [f for f in findings if is_new(f, changes)]


def is_new(finding: Finding, changes: Changes) -> bool:
    """Reports whether a change touches the finding.

    New when its file is new, when an added or edited line is one of its own lines (the
    acquisition, a leaking exit, a step of its path), when old lines were deleted or replaced
    anywhere between its first and last line (that is how a removed `Close` shows in a diff), or
    when a change touches a function of the tree whose summary decided it (`uses`).
    """
    if any(_touched(span, changes) for span in finding.uses):
        return True
    file = changes.get(absolute(finding.span.path))
    if file is None:
        return False
    if file.whole:
        return True
    spans = [finding.span, *(loc.span for loc in (*finding.related, *finding.flow) if loc.span.path == finding.span.path)]
    own = {line for span in spans for line in range(span.line, span.end_line + 1)}
    if own & file.added:
        return True
    low, high = min(s.line for s in spans), max(s.end_line for s in spans)
    return any(low <= line <= high for line in file.removals)


def _touched(span: Span, changes: Changes) -> bool:
    """Reports whether a change adds, edits or removes lines within `span` (a helper function)."""
    file = changes.get(absolute(span.path))
    if file is None:
        return False
    return file.whole or any(span.line <= line <= span.end_line for line in (*file.added, *file.removals))


def unused_directives(directives: list[Directive], enabled: set[str]) -> list[Directive]:
    """Returns the unused directives worth reporting: malformed ones (no code) and those naming an
    enabled rule (a directive for a deselected rule is not wrong, only idle). A bare `# noqa` or
    `//nolint` is never reported: it is there for other tools too."""
    return [d for d in directives if d.codes != ("ALL",) and (not d.codes or set(d.codes) & enabled)]


def exit_status(findings: list[Finding], fail_on: str, unused: int = 0, exit_zero: bool = False,
                unanalysed: int = 0) -> int:
    """Returns 1 when an active finding is at or above `fail_on`, a reported directive is unused
    (the caller asked for them) or `unanalysed` files could not be analysed (the caller counts
    only those that fail the run), else 0; always 0 with `exit_zero`."""
    if exit_zero:
        return 0
    threshold = RANK[fail_on]
    failing = any(not f.suppressed and RANK.get(f.severity, 2) >= threshold for f in findings)
    return EXIT_FINDINGS if failing or unused or unanalysed else 0


def unanalysed(errors: list[FileError]) -> int:
    """Returns how many files could not be analysed (errors, not warnings)."""
    return len({error.path for error in errors if error.severity == "error"})
