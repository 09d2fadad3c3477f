"""Small or odd sources that made the Python front-end run for minutes: each run here must end
well within its timeout (a subprocess, so a regression fails instead of hanging the suite)."""
from __future__ import annotations

from pathlib import Path

from hostile import leaklint


def _lattice(levels: int) -> str:
    """Returns a module whose classes form a diamond lattice `levels` deep (A_i and B_i both derive
    from A_i-1 and B_i-1): 2**levels paths lead from the last class to the first."""
    lines = ["import socket", "", "", "class A0:", "    def __init__(self):", "        self.s = socket.socket()",
             "", "", "class B0:", "    pass"]
    for i in range(1, levels + 1):
        lines += ["", "", f"class A{i}(A{i - 1}, B{i - 1}):", "    pass", "", "", f"class B{i}(A{i - 1}, B{i - 1}):",
                  f"    def close(self):", "        self.s.close()"]
    return "\n".join(lines) + "\n"


def test_a_deep_diamond_class_lattice_is_analysed_at_once(tmp_path: Path) -> None:
    (tmp_path / "lattice.py").write_text(_lattice(40))
    proc = leaklint(["check", "--no-cache", "lattice.py"], tmp_path, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # B1.close closes what A0 stored
    (tmp_path / "lattice.py").write_text(_lattice(40).replace("        self.s.close()", "        pass"))
    proc = leaklint(["check", "--no-cache", "lattice.py"], tmp_path, timeout=30)
    assert proc.stdout.startswith("lattice.py:6:18: LL201 [error] socket from socket.socket is stored on `self.s` by class A0,"
                                  " which never closes it"), proc.stdout + proc.stderr


def test_a_class_of_8000_methods_is_analysed_at_once(tmp_path: Path) -> None:
    methods = "".join(f"    def m{i}(self):\n        return self.s\n\n" for i in range(8000))
    source = f"import socket\n\n\nclass Big:\n    def __init__(self):\n        self.s = socket.socket()\n\n{methods}"
    (tmp_path / "big.py").write_text(source)
    proc = leaklint(["check", "--no-cache", "big.py"], tmp_path, timeout=30)
    assert proc.stdout.startswith("big.py:6:18: LL201"), proc.stdout + proc.stderr


def test_a_7mb_line_is_analysed_at_once_and_shown_cut(tmp_path: Path) -> None:
    calls = "; ".join(f"print({i})" for i in range(40000))
    line = f'import socket; s = socket.socket(); x = "{"a" * 7_000_000}"; {calls}'
    (tmp_path / "long.py").write_text(line + "\n")
    proc = leaklint(["check", "--no-cache", "long.py"], tmp_path, timeout=30)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("long.py:1:20: LL201 [error] socket `s` from socket.socket is never closed")
    assert lines[2] == f"1 | {line[:34 + 60]}…"  # 60 columns after the span's end at column 35
    assert lines[3] == "  |                    ^^^^^^^^^^^^^^^ LL201"
