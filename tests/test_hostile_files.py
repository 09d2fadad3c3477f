"""Files no tree should hold but some do: FIFOs, devices, links that loop or leave the tree,
unreadable directories, huge files. Each gets a one-line notice naming it; the run ends, and the
finding of the ordinary file beside it is still reported."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostile import GO_LEAK, GO_LEAK_AT, PY_LEAK, PY_LEAK_AT, leaklint, without_root_powers


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "ok.py").write_text(PY_LEAK)
    return tmp_path


def notices(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ": error: " in line]


@pytest.mark.parametrize("name", ["pipe.py", ".gitignore", "go.mod", "sub/.gitignore"])
def test_a_fifo_is_never_opened(tree: Path, name: str) -> None:
    (tree / "sub").mkdir()
    (tree / "sub" / "a.go").write_text(GO_LEAK)
    os.mkfifo(tree / name)
    proc = leaklint(["check", "--no-cache", "."], tree, timeout=30)
    assert "ok.py" + PY_LEAK_AT in proc.stdout and "sub/a.go" + GO_LEAK_AT in proc.stdout, proc.stderr
    if name == "pipe.py":
        assert notices(proc.stderr) == ["pipe.py:1:1: error: not a regular file (a named pipe), not read"]


def test_a_link_to_a_device_is_never_read(tree: Path) -> None:
    (tree / "zero.py").symlink_to("/dev/zero")
    proc = leaklint(["check", "--no-cache", "."], tree, timeout=30)
    assert "ok.py" + PY_LEAK_AT in proc.stdout
    assert notices(proc.stderr) == ["zero.py:1:1: error: symbolic link to a file outside the analysed tree, not read"]
    proc = leaklint(["check", "--no-cache", "zero.py", "ok.py"], tree, timeout=30)
    assert "ok.py" + PY_LEAK_AT in proc.stdout
    assert notices(proc.stderr) == ["zero.py:1:1: error: not a regular file (a character device), not read"]


def test_a_fifo_named_on_the_command_line_is_reported(tree: Path) -> None:
    os.mkfifo(tree / "pipe.py")
    proc = leaklint(["check", "--no-cache", "pipe.py", "ok.py"], tree, timeout=30)
    assert "ok.py" + PY_LEAK_AT in proc.stdout
    assert notices(proc.stderr) == ["pipe.py:1:1: error: not a regular file (a named pipe), not read"]


@pytest.mark.parametrize("option", ["--config", "--baseline"])
def test_an_endless_file_named_by_the_user_is_a_usage_error(tree: Path, option: str) -> None:
    proc = leaklint(["check", "--no-cache", option, "/dev/zero", "."], tree, timeout=30)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "/dev/zero: cannot read" in proc.stderr and "file too large" in proc.stderr


def test_an_endless_sarif_log_is_a_usage_error(tree: Path) -> None:
    proc = leaklint(["merge", "/dev/zero"], tree, timeout=30)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "/dev/zero: cannot read SARIF: file too large" in proc.stderr


def test_symlink_loops_and_links_out_of_the_tree_are_notices(tree: Path, tmp_path_factory) -> None:
    (tree / "loop.py").symlink_to("loop.py")
    outside = tmp_path_factory.mktemp("outside") / "secret.py"
    outside.write_text(PY_LEAK)
    (tree / "out.py").symlink_to(outside)
    (tree / "inside.py").symlink_to("ok.py")
    (tree / "d").mkdir()
    (tree / "d" / "up").symlink_to("..")
    proc = leaklint(["check", "--no-cache", "."], tree, timeout=30)
    assert "ok.py" + PY_LEAK_AT in proc.stdout and "inside.py" + PY_LEAK_AT in proc.stdout
    assert notices(proc.stderr) == [
        "loop.py:1:1: error: cannot read file: Too many levels of symbolic links",
        "out.py:1:1: error: symbolic link to a file outside the analysed tree, not read",
    ]


def test_a_file_over_the_size_limit_is_a_notice(tree: Path) -> None:
    (tree / "big.py").write_bytes(b"import socket\n" + b"x = 1\n" * 2000)
    proc = leaklint(["check", "--no-cache", "--max-file-size", "10000", "."], tree, timeout=30)
    assert "ok.py" + PY_LEAK_AT in proc.stdout
    assert notices(proc.stderr) == ["big.py:1:1: error: file too large to analyse (12014 bytes, limit 10000 bytes:"
                                    " see --max-file-size)"]
    assert leaklint(["check", "--no-cache", "--max-file-size", "x", "."], tree).returncode == 2


def test_an_unreadable_directory_is_a_notice(tree: Path) -> None:
    locked = tree / "locked"
    locked.mkdir()
    (locked / "a.py").write_text(PY_LEAK)
    locked.chmod(0)
    try:
        proc = leaklint(["check", "--no-cache", "."], tree, timeout=30, prefix=without_root_powers())
    finally:
        locked.chmod(0o755)
    assert "ok.py" + PY_LEAK_AT in proc.stdout, proc.stderr
    assert notices(proc.stderr) == ["locked:1:1: error: cannot read directory: Permission denied"]


def test_an_unreadable_file_is_a_notice(tree: Path) -> None:
    (tree / "locked.py").write_text(PY_LEAK)
    (tree / "locked.py").chmod(0)
    proc = leaklint(["check", "--no-cache", "."], tree, timeout=30, prefix=without_root_powers())
    assert "ok.py" + PY_LEAK_AT in proc.stdout, proc.stderr
    assert notices(proc.stderr) == ["locked.py:1:1: error: cannot read file: Permission denied"]


def test_a_file_swapped_for_a_fifo_after_discovery_is_never_opened(tree: Path) -> None:
    """discover() finds a regular file; a FIFO takes its place before it is read."""
    script = ("import os, sys\nfrom leaklint_gopy import driver\nfound = driver.discover\n"
              "def swap(*a, **k):\n    result = found(*a, **k)\n    os.unlink('ok.py')\n    os.mkfifo('ok.py')\n"
              "    return result\ndriver.discover = swap\nfrom leaklint_gopy.cli import main\n"
              "sys.exit(main(['check', '--no-cache', '.']))\n")
    import subprocess

    from hostile import PYTHON

    (tree / "two.py").write_text(PY_LEAK)
    proc = subprocess.run([PYTHON, "-c", script], cwd=tree, capture_output=True, text=True, timeout=30)
    assert "two.py" + PY_LEAK_AT in proc.stdout, proc.stderr
    assert notices(proc.stderr) == ["ok.py:1:1: error: not a regular file (a named pipe), not read"]
