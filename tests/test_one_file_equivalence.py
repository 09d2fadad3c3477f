"""A one-file run (the pre-commit hook's, issue 13) reports for its file exactly what a run over the
whole tree reports for it: the same findings, with the same notes. The Go fixture folders are
packages whose files lean on each other (helpers that close, clients and types declared in a
sibling), so each of their files is checked alone and compared with the folder's run."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from leaklint_gopy import cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "go"
PACKAGES = sorted(p for p in FIXTURES.glob("*") if p.is_dir() and len(list(p.glob("*.go"))) > 1)
_HEAD = re.compile(r"^(\S+\.go):\d+:\d+: ")


def _blocks(out: str) -> dict[str, list[str]]:
    """Returns each reported block (a finding or error with its source lines and notes) by its file."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in out.splitlines():
        head = _HEAD.match(line)
        if head is not None:
            current = [line]
            found.setdefault(head.group(1), []).append(current)  # type: ignore[arg-type]
        elif current is not None and line.strip():  # (its source lines, caret, notes and help)
            current.append(line)
        else:
            current = None
    return {path: ["\n".join(block) for block in blocks] for path, blocks in found.items()}


def _check(capsys: pytest.CaptureFixture[str], *paths: str) -> dict[str, list[str]]:
    cli.main(["check", "--no-cache", "--color", "never", *paths])
    return _blocks(capsys.readouterr().out)


@pytest.mark.parametrize("fixture", PACKAGES, ids=lambda p: p.name)
def test_each_file_alone_reports_what_its_package_run_reports(fixture: Path, tmp_path: Path, capsys,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(fixture, package)
    monkeypatch.chdir(tmp_path)
    whole = _check(capsys, "pkg")
    assert whole, "the package run reports nothing to compare"
    for source in sorted(package.glob("*.go")):
        path = f"pkg/{source.name}"
        alone = _check(capsys, path).get(path, [])
        assert alone == whole.get(path, []), path
