"""The per-file time limit: a file whose analysis takes more CPU time than allowed is reported as
not analysed, and the run goes on with every other file, in-process and in worker processes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hostile import PY_LEAK, PY_LEAK_AT, leaklint, strict_sarif_problems

# 6,000 acquisitions in one function: seconds of analysis, far more than the 0.5 s allowed below.
SLOW = "import socket\n\n\ndef many():\n" + "".join(f"    s{i} = socket.socket()\n" for i in range(6000))


@pytest.mark.parametrize("siblings", [1, 3], ids=["in-process", "workers"])
def test_a_file_over_the_time_limit_is_not_analysed_and_the_run_goes_on(tmp_path: Path, siblings: int) -> None:
    (tmp_path / "slow.py").write_text(SLOW + "#" * (600_000 if siblings > 1 else 0) + "\n")
    for i in range(siblings):
        (tmp_path / f"ok{i}.py").write_text(PY_LEAK)
    proc = leaklint(["check", "--no-cache", "--jobs", "2", "--file-time-limit", "0.5", "--format", "sarif",
                     "-o", "out.sarif", "."], tmp_path, timeout=60)
    assert "slow.py:1:1: error: analysis stopped at the time limit (0.5 s of CPU time, see --file-time-limit)" \
        in proc.stderr.splitlines(), proc.stderr
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"])
    assert uris == [f"ok{i}.py" for i in range(siblings)]
    assert strict_sarif_problems(tmp_path / "out.sarif") == ""


def test_a_file_within_the_time_limit_is_analysed(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(PY_LEAK)
    proc = leaklint(["check", "--no-cache", "--file-time-limit", "30", "."], tmp_path)
    assert "ok.py" + PY_LEAK_AT in proc.stdout and proc.stderr == ""
    assert leaklint(["check", "--file-time-limit", "-1", "."], tmp_path).returncode == 2
