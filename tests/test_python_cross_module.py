"""Summaries flow across the modules of the analysed Python tree: a helper of another module (or of
a module that module imports) returns a socket the caller must close, a module naming no socket
call at all is analysed for calling it, and a cached result that relied on another module's
summary is recomputed once that module changes."""
from __future__ import annotations

import os
import time
from pathlib import Path

from leaklint_gopy import driver
from leaklint_gopy.spec import load_rules

RULES = tuple(load_rules(driver.default_rule_dirs()))

NET = """import socket


def dial(host):
    return socket.create_connection((host, 80))
"""
WIRE = """from .net import dial


def connect(host):
    return dial(host)
"""
APP = """from pkg.wire import connect


def ping(host):
    conn = connect(host)
    conn.sendall(b"ping")
"""


def _tree(root: Path) -> None:
    for name, text in {"pkg/__init__.py": "", "pkg/net.py": NET, "pkg/wire.py": WIRE, "app.py": APP}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    _age(*root.rglob("*.py"))


def _age(*paths: Path) -> None:
    past = time.time() - 60  # older than the stat index's racy window
    for path in paths:
        os.utime(path, (past, past))


def _findings(paths: list[Path], root: Path, use_cache: bool = False) -> list[tuple[str, int, str, str]]:
    result = driver.run([str(p) for p in paths], driver.Settings(RULES, root=str(root), use_cache=use_cache, jobs=1))
    return [(Path(f.span.path).name, f.span.line, f.rule_id, f.message) for f in result.findings]


def test_a_helper_two_modules_away_returns_a_socket_the_caller_leaks(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert _findings([tmp_path], tmp_path) == [
        ("app.py", 5, "LL201", "socket `conn` from wire.connect is not closed when the function ends at line 6")]


def test_the_other_modules_are_found_on_disk_when_only_the_caller_is_checked(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert [f[:3] for f in _findings([tmp_path / "app.py"], tmp_path)] == [("app.py", 5, "LL201")]


def test_a_changed_module_two_imports_away_is_seen_through_the_cache(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert [f[:3] for f in _findings([tmp_path], tmp_path, use_cache=True)] == [("app.py", 5, "LL201")]
    net = tmp_path / "pkg" / "net.py"
    net.write_text(NET.replace("return socket.create_connection((host, 80))", "return host"))
    _age(net)
    assert _findings([tmp_path], tmp_path, use_cache=True) == []
    net.write_text(NET)
    _age(net)
    assert [f[:3] for f in _findings([tmp_path], tmp_path, use_cache=True)] == [("app.py", 5, "LL201")]
