"""validate on real `go test` runs (issue 12 items 2, 3 and 4, and the brief's shape): clients
with their own Transport, packages with their own TestMain, vendored and workspace libraries,
lines that ran with nothing traced, build flags, and a harness that leaves the program alone.

Every test binary talks to the loopback server on 127.0.0.1 only.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from runtime_loopback import LoopbackServer
from runtime_support import GOMOD, HERE, ROOT, findings_at, line_of, runtime, write_findings

COUNT = 12


def _env(server: LoopbackServer, **extra: str) -> dict[str, str]:
    return {"LEAKDEMO_URL": server.url, "LEAKDEMO_COUNT": str(COUNT), "GOPROXY": "off", "GOFLAGS": "", **extra}


def _validate(tmp_path: Path, findings: list[tuple[str, str, int]], command: list[str], cwd: Path,
              env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    """Runs validate with findings relative to the repository; returns the run and its report."""
    sarif_in = write_findings(tmp_path / "in.sarif", ROOT, findings)
    report = tmp_path / "report.json"
    done = runtime("validate", "--quiet", "--sarif", str(sarif_in), "--json", str(report), "-o",
                   str(tmp_path / "out.sarif"), "--root", str(ROOT), "--", *command, cwd=cwd, env=env, timeout=240)
    assert report.exists(), done.stdout + done.stderr
    return done, json.loads(report.read_text())


def _status(report: dict[str, object], line: int) -> dict[str, object]:
    return next(f for f in report["findings"] if f["line"] == line)  # type: ignore[index,union-attr]


def test_brief_health_check_with_its_own_transport(go: str, tmp_path: Path, server: LoopbackServer) -> None:
    # The incident: a health checker whose client builds its own Transport never closes resp.Body.
    started = time.monotonic()
    leak = findings_at(GOMOD / "health" / "check.go", ROOT, {"c.client.Get(url)": "LL101"})
    done, report = _validate(tmp_path, leak, [go, "test", "./health"], GOMOD, _env(server))
    assert done.returncode == 1, done.stdout + done.stderr
    result = _status(report, leak[0][2])
    assert (result["status"], result["open_at_exit"], result["created"]) == ("confirmed", COUNT, COUNT)
    fixed = findings_at(GOMOD / "healthfixed" / "check.go", ROOT, {"c.client.Get(url)": "LL101"})
    done, report = _validate(tmp_path, fixed, [go, "test", "./healthfixed"], GOMOD, _env(server))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _status(report, fixed[0][2])["status"] == "exercised-no-leak"
    assert time.monotonic() - started < 60


def test_package_with_its_own_test_main_is_traced(go: str, tmp_path: Path, server: LoopbackServer) -> None:
    leak = findings_at(GOMOD / "testmain" / "fetch.go", ROOT, {"http.Get(url)": "LL101"})
    done, report = _validate(tmp_path, leak, [go, "test", "./testmain"], GOMOD, _env(server))
    assert _status(report, leak[0][2])["status"] == "confirmed", done.stdout
    assert "TestMain" not in done.stdout


def test_harness_leaves_default_transport_alone(go: str, tmp_path: Path, server: LoopbackServer) -> None:
    plain = subprocess.run([go, "test", "-count=1", "./compat"], cwd=GOMOD, capture_output=True, text=True,
                           env={**os.environ, **_env(server)}, timeout=240)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    done, report = _validate(tmp_path, [], [go, "test", "./compat"], GOMOD, _env(server))
    assert (done.returncode, report["exit_code"], report["injection"]) == (0, 0, "go-harness"), done.stdout


def test_failing_go_test_is_reported(go: str, tmp_path: Path, server: LoopbackServer) -> None:
    done, report = _validate(tmp_path, [], [go, "test", "./failing"], GOMOD, _env(server, LEAKDEMO_FAIL="1"))
    assert done.returncode == 2 and report["command_failed"] is True
    assert "the command failed (exit status 1)" in done.stdout


def test_build_flags_reach_go_list(go: str, tmp_path: Path, server: LoopbackServer) -> None:
    leak = findings_at(GOMOD / "tagged" / "fetch.go", ROOT, {"http.Get(url)": "LL101"})
    done, report = _validate(tmp_path, leak, [go, "test", "-tags", "leakdemo", "./tagged"], GOMOD, _env(server))
    assert _status(report, leak[0][2])["status"] == "confirmed", done.stdout


def test_go_lines_that_ran_untraced_are_inconclusive(go: str, tmp_path: Path, server: LoopbackServer) -> None:
    findings = findings_at(GOMOD / "untraced" / "untraced.go", ROOT, {"os.Open(path)": "LL103", "http.Get(url)": "LL101"})
    done, report = _validate(tmp_path, findings, [go, "test", "./untraced"], GOMOD, _env(server))
    opened, never = (_status(report, line) for _, _, line in findings)
    assert opened["status"] == "inconclusive" and "ran" in opened["reason"], done.stdout
    assert never["status"] == "not-exercised", done.stdout


def test_vendored_library_is_never_blamed(go: str, tmp_path: Path, server: LoopbackServer) -> None:
    app = HERE / "govendor" / "app" / "app.go"
    findings = findings_at(app, ROOT, {"lib.Fetch(url)": "LL101", "lib.StartPoller(url, n)": "LL101"})
    command = [go, "test", "-mod=vendor", "./..."]
    done, report = _validate(tmp_path, findings, command, HERE / "govendor", _env(server))
    fetched, polled = (_status(report, line) for _, _, line in findings)
    assert (fetched["status"], fetched["open_at_exit"]) == ("confirmed", COUNT), done.stdout
    assert polled["status"] == "confirmed" and "persistConn.readLoop" in polled["reason"], done.stdout
    assert report["runtime_only"] == []
    done, report = _validate(tmp_path, [], command, HERE / "govendor", _env(server))
    assert [(Path(n["path"]).name, n["line"]) for n in report["runtime_only"]] == [("app.go", findings[0][2])]


def test_workspace_library_frames_do_not_hide_the_caller(go: str, tmp_path: Path, server: LoopbackServer) -> None:
    app = HERE / "gowork" / "app" / "app.go"
    findings = findings_at(app, ROOT, {"lib.Fetch(url)": "LL101"})
    done, report = _validate(tmp_path, findings, [go, "test", "./..."], app.parent, _env(server))
    assert _status(report, findings[0][2])["status"] == "confirmed", done.stdout


def test_real_static_output_for_the_brief_confirms_only_the_leak(go: str, tmp_path: Path,
                                                                 server: LoopbackServer) -> None:
    static = tmp_path / "static.sarif"
    done = subprocess.run([sys.executable, "-m", "leaklint_gopy", "check", "--no-cache", "--format", "sarif", "-o",
                           str(static), "tests/runtime/gomod/health", "tests/runtime/gomod/healthfixed"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1) and static.exists(), done.stderr
    line = line_of(GOMOD / "health" / "check.go", "c.client.Get(url)")
    report = tmp_path / "r.json"
    run = runtime("validate", "--quiet", "--sarif", str(static), "--json", str(report), "--",
                  go, "test", "./health", "./healthfixed", cwd=GOMOD, env=_env(server), timeout=240)
    statuses = {(f["uri"], f["line"]): f["status"] for f in json.loads(report.read_text())["findings"]}
    assert statuses.get(("tests/runtime/gomod/health/check.go", line)) == "confirmed", run.stdout
    assert all(s != "confirmed" for (uri, _), s in statuses.items() if "healthfixed" in uri)
