"""The cache under stress: edits that keep size, mtime and inode; entries, indexes and baselines
holding numbers JSON cannot hold or nesting deeper than the parser; a cache that is a file, read-only
or full; mtimes in the future; concurrent runs and `clean`. The result is correct every time."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from hostile import PY_LEAK, PY_LEAK_AT, leaklint, without_root_powers
from leaklint_gopy import cache
from leaklint_gopy.cli import main

FIXED = PY_LEAK.replace("s = socket.socket()", "s = socket.socket(); s.close()")  # no finding
assert len(FIXED.encode()) != len(PY_LEAK.encode())


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "a.py").write_text(PY_LEAK)
    monkeypatch.chdir(project)
    return project


def _age(path: Path, seconds: float = 120) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def findings(capsys: pytest.CaptureFixture[str], *extra: str) -> list[str]:
    main(["check", "--exit-zero", "-q", *extra, "."])
    out = capsys.readouterr().out
    return [line.split(" ")[0] + " " + line.split(" ")[1] for line in out.splitlines() if ": LL" in line]


def test_an_edit_keeping_size_mtime_and_inode_is_seen(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tree / "a.py"
    _age(target)
    assert findings(capsys) == ["a.py:5:9: LL201"]
    before = target.stat()
    quiet = "import socket\n\n\ndef f():\n    s = socket.socket; \n"  # same size, no acquisition
    assert len(quiet) == len(PY_LEAK)
    target.write_text(quiet)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or `touch -r` leave it
    after = target.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    assert findings(capsys) == []


@pytest.mark.parametrize("poison", ["1e999", "-1e999", "[" * 100_000 + "]" * 100_000, '{"format": 4, "findings": 7}'])
def test_a_poisoned_cache_entry_or_index_is_a_miss(tree: Path, _isolated_cache: Path,
                                                    capsys: pytest.CaptureFixture[str], poison: str) -> None:
    _age(tree / "a.py")
    assert findings(capsys) == ["a.py:5:9: LL201"]
    for entry in _isolated_cache.rglob("*.json"):
        text = entry.read_text()
        entry.write_text(text.replace('"line":5', f'"line":{poison}').replace("5,9,5", f"{poison},9,5")
                         if poison.startswith(("1", "-")) else poison)
    assert findings(capsys) == ["a.py:5:9: LL201"]
    assert findings(capsys) == ["a.py:5:9: LL201"]


@pytest.mark.parametrize("poison", ["1e999", "[" * 100_000 + "]" * 100_000, '{"format": "leaklint-baseline", '
                                    '"version": 1, "findings": [{"fingerprint": null}]}'])
def test_a_poisoned_baseline_is_a_one_line_error(tree: Path, capsys: pytest.CaptureFixture[str], poison: str) -> None:
    (tree / "base.json").write_text(poison)
    assert main(["check", "--baseline", "base.json", "."]) == 2
    err = capsys.readouterr().err
    assert err.startswith("leaklint: error: base.json: ") and err.count("\n") == 1, err


def test_a_cache_path_that_is_a_file_or_read_only_still_gives_results(tree: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a directory\n")
    monkeypatch.setenv("LEAKLINT_CACHE_DIR", str(blocker))
    assert findings(capsys) == ["a.py:5:9: LL201"] and blocker.read_text() == "not a directory\n"
    locked = tmp_path / "locked-cache"
    locked.mkdir()
    locked.chmod(0o555)
    env = dict(os.environ, LEAKLINT_CACHE_DIR=str(locked))
    try:
        for _ in range(2):
            proc = leaklint(["check", "."], tree, env=env, prefix=without_root_powers())
            assert "a.py" + PY_LEAK_AT in proc.stdout and proc.returncode == 1, proc.stderr
    finally:
        locked.chmod(0o755)
    assert list(locked.iterdir()) == []


def test_a_full_cache_directory_still_gives_results(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache, "temporary_file", full)
    assert findings(capsys) == ["a.py:5:9: LL201"]
    assert findings(capsys) == ["a.py:5:9: LL201"]


def test_an_mtime_in_the_future_is_never_trusted_stale(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tree / "a.py"
    future = time.time() + 3600
    os.utime(target, (future, future))
    assert findings(capsys) == ["a.py:5:9: LL201"]
    target.write_text(FIXED)
    os.utime(target, (future, future))
    assert findings(capsys) == []


def test_concurrent_runs_and_clean_on_one_cache_agree(tree: Path, _isolated_cache: Path) -> None:
    import subprocess

    from hostile import PYTHON

    for i in range(30):
        (tree / f"m{i}.py").write_text(PY_LEAK)
    expected = sorted(f"m{i}.py" + PY_LEAK_AT for i in range(30)) + ["a.py" + PY_LEAK_AT]
    runs = [subprocess.Popen([PYTHON, "-m", "leaklint_gopy", "check", "--jobs", "1", "."], cwd=tree, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    cleans = [leaklint(["clean"], tree) for _ in range(5)]
    outputs = [run.communicate(timeout=120) for run in runs]
    for out, err in outputs:
        assert sorted(line.split(" ")[0] + " LL201" for line in out.splitlines() if ": LL201" in line) \
            == sorted(e.replace(":5:9: LL201", ":5:9: LL201") for e in expected), err
    assert all(c.returncode == 0 for c in cleans), [c.stderr for c in cleans]
    again = leaklint(["check", "."], tree)
    assert sorted(line.split(" ")[0] + " LL201" for line in again.stdout.splitlines() if ": LL201" in line) \
        == sorted(expected)
    assert (_isolated_cache / "CACHEDIR.TAG").exists()
