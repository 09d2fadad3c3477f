"""What a cold one-file run (the pre-commit hook's, issue 13) imports: no TOML parser (the bundled
rule specs ship parsed, spec_cache), and for a Python file nothing of the Go front-end nor the Go
callers' search (dependents)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_PROBE = ("import sys; from leaklint_gopy.cli import main; code = main(['check', '--no-cache', sys.argv[1]]); "
          "print(code, 'tomllib' in sys.modules, sorted(m for m in sys.modules if m.startswith('leaklint_gopy.')"
          " and ('.go.' in m or m.endswith('.dependents'))))")


def _imported(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text)
    run = subprocess.run([sys.executable, "-c", _PROBE, str(tmp_path / name)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().splitlines()[-1]


def test_a_python_file_loads_no_toml_parser_and_nothing_of_go(tmp_path: Path) -> None:
    assert _imported(tmp_path, "leak.py", "def read(name):\n    f = open(name)\n    return f.read()\n") \
        == "1 False []"


def test_a_go_file_loads_no_toml_parser(tmp_path: Path) -> None:
    source = 'package p\n\nimport "os"\n\nfunc Read(name string) {\n\tf, _ := os.Open(name)\n\t_ = f\n}\n'
    assert _imported(tmp_path, "p.go", source).startswith("1 False [")
