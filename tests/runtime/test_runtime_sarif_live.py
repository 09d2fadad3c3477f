"""SARIF paths: `check` and `validate` run in a subdirectory, percent-encoded URIs, and the
%SRCROOT% written back; every annotated file passes the shared strict SARIF check."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from runtime_loopback import LoopbackServer
from runtime_support import CLIENTS, ROOT, line_of, runtime

from leaklint_gopy.runtime.sarif import SarifError, findings, load

CHECK = ROOT.parent / "shared" / "sarif" / "check.sh"


def check_sarif(path: Path) -> None:
    """Validates with the shared strict SARIF checker (skips when npm or the checker is missing)."""
    if not shutil.which("npm") or not CHECK.exists():
        pytest.skip("npm or shared/sarif/check.sh missing: the SARIF validators cannot be installed")
    done = subprocess.run(["bash", str(CHECK), "--strict", str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _static(cwd: Path, out: Path) -> Path:
    """Runs the static half in cwd on `.` and returns its SARIF, or skips when it cannot."""
    done = subprocess.run([sys.executable, "-m", "leaklint_gopy", "check", "--no-cache", "--format", "sarif", "-o", str(out),
                           "."], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    if done.returncode not in (0, 1) or not out.exists():
        pytest.skip(f"the static half cannot write SARIF here: {done.stderr.strip()[-200:]}")
    return out


def test_check_and_validate_in_a_subdirectory_confirm_the_leak(tmp_path: Path, server: LoopbackServer) -> None:
    static = _static(CLIENTS, tmp_path / "static.sarif")
    name = "py_socket_leak.py"
    line = line_of(CLIENTS / name, "socket.create_connection")
    annotated, report = tmp_path / "annotated.sarif", tmp_path / "r.json"
    done = runtime("validate", "--quiet", "--sarif", str(static), "-o", str(annotated), "--json", str(report),
                   "--", sys.executable, name, server.url, "5", "0.002", cwd=CLIENTS)
    assert done.returncode == 1, done.stdout + done.stderr
    data = json.loads(report.read_text())
    statuses = {(f["uri"], f["line"]): f["status"] for f in data["findings"]}
    assert statuses[(f"tests/runtime/clients/{name}", line)] == "confirmed"
    assert data["runtime_only"] == []
    base = json.loads(annotated.read_text())["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]
    assert base["uri"] == ROOT.resolve().as_uri() + "/"
    check_sarif(annotated)


def test_percent_encoded_uris_are_matched_and_written_encoded(tmp_path: Path, server: LoopbackServer) -> None:
    folder = tmp_path / "src dir"
    folder.mkdir()
    leak = folder / "leak #1.py"
    shutil.copyfile(CLIENTS / "py_socket_leak.py", leak)
    shutil.copyfile(CLIENTS / "py_urlopen_leak.py", folder / "other.py")
    line = line_of(leak, "socket.create_connection")
    log = json.loads((Path(__file__).parent / "data" / "one-finding.sarif").read_text())
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    location["artifactLocation"]["uri"] = "src%20dir/leak%20%231.py"
    location["region"] = {"startLine": line}
    log["runs"][0]["originalUriBaseIds"] = {"%SRCROOT%": {"uri": tmp_path.resolve().as_uri() + "/"}}
    (tmp_path / "in.sarif").write_text(json.dumps(log))
    script = f"import runpy, sys; runpy.run_path({str(leak)!r}); runpy.run_path({str(folder / 'other.py')!r})"
    annotated, report = tmp_path / "out.sarif", tmp_path / "r.json"
    done = runtime("validate", "--quiet", "--sarif", str(tmp_path / "in.sarif"), "-o", str(annotated), "--json",
                   str(report), "--", sys.executable, "-c", script, server.url, "4", "0.002")
    assert done.returncode == 1, done.stdout + done.stderr
    data = json.loads(report.read_text())
    assert data["findings"][0]["status"] == "confirmed"
    added = json.loads(annotated.read_text())["runs"][0]["results"][1]
    assert added["ruleId"] == "LL900"
    assert added["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src%20dir/other.py"
    check_sarif(annotated)


@pytest.mark.parametrize(("content", "message"), [
    ("{", "not JSON"), ('{"runs": 3}', "not a SARIF log"), ("[]", "not a SARIF log"),
    ('{"runs": [{"results": [{"locations": 5}]}]}', "result 0 of run 0"),
])
def test_bad_sarif_is_a_one_line_error(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.sarif"
    bad.write_text(content)
    done = runtime("validate", "--sarif", str(bad), "--", sys.executable, "-c", "pass")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr, done.stderr
    with pytest.raises(SarifError):
        findings(load(str(bad)))
