"""Automatic fixes: rewrites that remove a finding, proposed per language and verified before
they are offered.

`go.py` edits bytes on the tree-sitter tree, `python.py` rewrites with libcst (parsed only for
files with a finding); `verify.py` keeps a fix only when the fixed package parses and its
re-analysis no longer reports the finding and reports nothing new; `apply.py` writes or diffs
them for `check --fix`. Nothing here analyses or formats a report.
"""
from __future__ import annotations

from typing import Protocol

from leaklint_gopy.finding import Finding, Fix


class Fixer(Protocol):
    """Proposes an unverified fix for one finding of a file, or None."""

    def propose(self, finding: Finding, text: str) -> Fix | None:
        ...


def fixer(language: str) -> Fixer | None:
    """Returns the fixer for `language`, imported on first need (libcst only for Python)."""
    if language == "go":
        from leaklint_gopy.fixes.go import GoFixer

        return GoFixer()
    if language == "python":
        from leaklint_gopy.fixes.python import PythonFixer

        return PythonFixer()
    return None
