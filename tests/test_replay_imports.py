"""What a warm run that replays its last report imports: none of the engine, the reporters or the gate,
not the IR (the model types live in finding.py, the bottom layer), nor tempfile, shutil or tomllib
(issue 13: imports were a fifth of a warm run's CPU on a 20,000-file tree)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_cache import LEAK  # a probe leaving the body open on a non-200 status

REPO = Path(__file__).resolve().parent.parent
NOT_ON_REPLAY = ("leaklint_gopy.ir", "leaklint_gopy.checker", "leaklint_gopy.dataflow", "leaklint_gopy.gate",
                 "leaklint_gopy.report", "leaklint_gopy.report.sarif", "leaklint_gopy.report.source",
                 "leaklint_gopy.dependents", "tempfile", "difflib", "shutil", "tomllib")
RUN = """import json, sys
from leaklint_gopy.cli import main
status = main(["check", "--format", "sarif", "-o", "out.sarif", "svc"])
print(json.dumps([status, sorted(m for m in sys.modules if m in {names})]))
"""


def _python(code: str, cwd: Path) -> list:
    env = {**os.environ, "PYTHONPATH": str(REPO), "LEAKLINT_CACHE_DIR": str(cwd / "cache")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_the_model_imports_nothing_of_the_ir(tmp_path: Path) -> None:
    code = "import json, sys, leaklint_gopy.finding\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith('leaklint_gopy.'))))"
    assert _python(code, tmp_path) == ["leaklint_gopy.finding", "leaklint_gopy.frozen"]


def test_a_replayed_warm_run_imports_neither_engine_nor_ir(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "probe.go").write_text(LEAK)
    (tmp_path / "go.mod").write_text("module example.com/m\n\ngo 1.21\n")
    past = os.stat(tmp_path).st_mtime - 60  # (out of the racy window, so the stat index trusts them)
    for path in (tmp_path / "svc" / "probe.go", tmp_path / "go.mod", tmp_path / "svc", tmp_path):
        os.utime(path, (past, past))
    code = RUN.replace("{names}", repr(set(NOT_ON_REPLAY)))
    status, cold_modules = _python(code, tmp_path)
    cold = (tmp_path / "out.sarif").read_bytes()
    assert status == 1 and "leaklint_gopy.ir" in cold_modules and "leaklint_gopy.checker" in cold_modules
    assert _python(code, tmp_path) == [1, []]
    assert (tmp_path / "out.sarif").read_bytes() == cold
