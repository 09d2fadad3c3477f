"""Safety: leaklint never deletes what it did not write and never runs the code it analyses."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leaklint_gopy.cli import main

PYTHON = sys.executable
# Each module an analysed star import or an astroid inference could reach, as the analysed tree's own
# file: importing any of them writes a marker file, which the tests look for.
HOSTILE = """\
import pathlib
pathlib.Path(__file__).with_name("RAN-" + __name__).write_text("analysed code ran")
def make():
    return None
"""
# (`contextlib`, `os` and `atexit` are left out: `python -m` itself imports them before leaklint starts.)
STAR_IMPORTS = ("socket", "ssl", "select", "selectors")


def test_clean_refuses_a_directory_leaklint_did_not_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "main.go").write_text("package main\n")
    (project / "README").write_text("keep me\n")
    monkeypatch.chdir(project)
    monkeypatch.setenv("LEAKLINT_CACHE_DIR", ".")
    assert main(["clean"]) == 2
    assert (project / "src" / "main.go").read_text() == "package main\n"
    assert (project / "README").exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a leaklint cache" in err[0] and "CACHEDIR.TAG" in err[0]


def test_clean_removes_only_what_leaklint_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("LEAKLINT_CACHE_DIR", str(cache_dir))
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.py").write_text("import socket\ns = socket.socket()\n")
    monkeypatch.chdir(tree)
    main(["check", "--exit-zero", "."])
    assert (cache_dir / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    (cache_dir / "notes.txt").write_text("a user's file that happens to sit here\n")
    capsys.readouterr()
    assert main(["clean"]) == 0
    assert sorted(p.name for p in cache_dir.iterdir()) == ["notes.txt"]
    assert capsys.readouterr().out.strip() == f"removed the leaklint cache at {cache_dir} (kept 1 file it did not write)"


def test_clean_on_a_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file"
    target.write_text("data\n")
    monkeypatch.setenv("LEAKLINT_CACHE_DIR", str(target))
    assert main(["clean"]) == 2
    assert target.read_text() == "data\n"
    assert "not a directory" in capsys.readouterr().err


@pytest.mark.parametrize("module", STAR_IMPORTS)
def test_star_import_never_imports_the_analysed_tree(tmp_path: Path, module: str) -> None:
    (tmp_path / f"{module}.py").write_text(HOSTILE)
    (tmp_path / "client.py").write_text(f"from {module} import *\nimport socket\ns = socket.socket()\n")
    proc = subprocess.run([PYTHON, "-m", "leaklint_gopy", "check", "--no-cache", "client.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert not list(tmp_path.glob("RAN-*")), proc.stdout + proc.stderr
    assert "client.py:3:5: LL201" in proc.stdout, proc.stdout + proc.stderr


def test_http_client_star_import_resolves_from_the_table(tmp_path: Path) -> None:
    (tmp_path / "http").mkdir()
    (tmp_path / "http" / "__init__.py").write_text(HOSTILE)
    (tmp_path / "http" / "client.py").write_text(HOSTILE)
    (tmp_path / "app.py").write_text("from http.client import *\n\ndef f():\n    c = HTTPConnection('h')\n    c.request('GET', '/')\n")
    proc = subprocess.run([PYTHON, "-m", "leaklint_gopy", "check", "--no-cache", "app.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert not list(tmp_path.rglob("RAN-*")), proc.stdout + proc.stderr
    assert "app.py:5:5: LL202" in proc.stdout, proc.stdout + proc.stderr  # the request connects


def test_inference_never_imports_the_analysed_tree(tmp_path: Path) -> None:
    """astroid is asked about `helpers.make`; with the working directory on sys.path it could find
    the tree's helpers.py: it must neither import it nor be able to."""
    (tmp_path / "helpers.py").write_text(HOSTILE)
    (tmp_path / "app.py").write_text(
        "from helpers import make\n\ndef f(u):\n    s = make()\n    r = s.get(u, stream=True)\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = subprocess.run([PYTHON, "-m", "leaklint_gopy", "check", "--no-cache", "--exit-zero", "app.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not list(tmp_path.glob("RAN-*")), proc.stdout + proc.stderr


def test_python_dash_m_drops_the_working_directory_from_sys_path(tmp_path: Path) -> None:
    (tmp_path / "tree_sitter.py").write_text(HOSTILE)
    (tmp_path / "a.go").write_text("package a\n")
    proc = subprocess.run([PYTHON, "-m", "leaklint_gopy", "check", "--no-cache", "a.go"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert not list(tmp_path.glob("RAN-*")), proc.stdout + proc.stderr
