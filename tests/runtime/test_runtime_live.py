"""Real processes against a loopback server: watch must call every leaking client LEAK at about
one fd per request and every correct client NO_LEAK; validate must confirm the leaking line."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from runtime_support import CLIENTS, DELAY, GOMOD, REQUESTS, ROOT, line_of, runtime, write_findings
from runtime_loopback import LoopbackServer

PY_VARIANTS = [
    ("py_urlopen_leak.py", True), ("py_urlopen_closed.py", False),
    ("py_socket_leak.py", True), ("py_socket_closed.py", False),
    ("py_requests_leak.py", True), ("py_requests_closed.py", False),
]
SITES = {  # client file -> (rule, marker on the acquiring line)
    "py_urlopen_leak.py": ("LL202", "urllib.request.urlopen(url)"),
    "py_urlopen_closed.py": ("LL202", "urllib.request.urlopen(url)"),
    "py_socket_leak.py": ("LL201", "socket.create_connection"),
    "py_socket_closed.py": ("LL201", "socket.create_connection"),
    "py_requests_leak.py": ("LL202", "requests.get(url"),
    "py_requests_closed.py": ("LL202", "requests.get(url"),
}


def _watch(tmp_path: Path, server: LoopbackServer, command: list[str]) -> dict[str, dict[str, object]]:
    """Runs watch on a client with the server's request counter as x; returns the metrics."""
    out = tmp_path / "watch.json"
    done = runtime("watch", "--interval", "0.05", "--quiet", "--x-file", server.counter_path,
                   "--json", str(out), "--chart", str(tmp_path / "chart.svg"), "--", *command)
    assert done.returncode in (0, 1), done.stderr
    data = json.loads(out.read_text())
    assert (done.returncode == 1) == any(m["verdict"] == "LEAK" for m in data["metrics"].values())
    return data["metrics"]


def _assert_verdict(metrics: dict[str, dict[str, object]], leaking: bool) -> None:
    fds = metrics["fds"]
    if leaking:
        low, high = fds["interval"]
        assert fds["verdict"] == "LEAK", fds
        assert fds["unit"] == "fds/request"
        assert 0.85 <= fds["slope"] <= 1.2 and low <= 1.05 and high >= 0.95, fds
        assert metrics["sockets"]["verdict"] == "LEAK"
    else:
        assert fds["verdict"] == "NO_LEAK", fds
        assert metrics["sockets"]["verdict"] == "NO_LEAK"


@pytest.mark.parametrize(("client", "leaking"), PY_VARIANTS)
def test_watch_python_client_verdict(client: str, leaking: bool, tmp_path: Path,
                                     server: LoopbackServer) -> None:
    if "requests" in client:
        pytest.importorskip("requests", reason="requests is not installed; its variants are skipped")
    command = [sys.executable, str(CLIENTS / client), server.url, str(REQUESTS), str(DELAY)]
    _assert_verdict(_watch(tmp_path, server, command), leaking)
    assert (tmp_path / "chart.svg").read_text().startswith("<svg")


@pytest.mark.parametrize(("variant", "leaking"), [("leaky", True), ("tidy", False)])
def test_watch_go_client_verdict(variant: str, leaking: bool, go_client: Path, tmp_path: Path,
                                 server: LoopbackServer) -> None:
    command = [str(go_client), variant, server.url, str(REQUESTS), f"{int(DELAY * 1000)}ms"]
    metrics = _watch(tmp_path, server, command)
    _assert_verdict(metrics, leaking)
    if leaking:
        assert metrics["tcp.ESTABLISHED"]["verdict"] == "LEAK"


def _validate(tmp_path: Path, findings: list[tuple[str, str, int]], command: list[str],
              cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[dict[str, object], Path]:
    """Runs validate with a hand-made SARIF file; returns its JSON report and the annotated SARIF."""
    sarif_in = write_findings(tmp_path / "in.sarif", cwd, findings)
    sarif_out, report = tmp_path / "annotated.sarif", tmp_path / "report.json"
    done = runtime("validate", "--quiet", "--sarif", str(sarif_in), "-o", str(sarif_out), "--json", str(report),
                   "--root", str(cwd), "--interval", "0.1", "--", *command, cwd=cwd, env=env)
    assert done.returncode in (0, 1), done.stderr
    for rule, uri, line in findings:
        assert f"{uri}:{line}" in done.stdout
    return json.loads(report.read_text()), sarif_out


def _statuses(report: dict[str, object]) -> dict[tuple[str, int], dict[str, object]]:
    return {(f["uri"], f["line"]): f for f in report["findings"]}  # type: ignore[index,union-attr]


@pytest.mark.parametrize("kind", ["urlopen", "socket", "requests"])
def test_validate_confirms_python_leak_at_its_line(kind: str, tmp_path: Path, server: LoopbackServer) -> None:
    if kind == "requests":
        pytest.importorskip("requests", reason="requests is not installed; its variants are skipped")
    leak, closed = f"py_{kind}_leak.py", f"py_{kind}_closed.py"
    findings = [(SITES[name][0], f"tests/runtime/clients/{name}", line_of(CLIENTS / name, SITES[name][1]))
                for name in (leak, closed)]
    for name, expected in ((leak, "confirmed"), (closed, "exercised-no-leak")):
        command = [sys.executable, str(CLIENTS / name), server.url, "25", "0.005"]
        report, annotated = _validate(tmp_path, findings, command)
        status = _statuses(report)
        ran = next(f for f in findings if f[1].endswith(name))
        other = next(f for f in findings if f is not ran)
        assert status[(ran[1], ran[2])]["status"] == expected
        assert status[(other[1], other[2])]["status"] == "not-exercised"
        if expected == "confirmed":
            assert status[(ran[1], ran[2])]["open_at_exit"] == 25
        assert report["runtime_only"] == []
        log = json.loads(annotated.read_text())
        props = [r["properties"]["leaklint_gopy/runtime"] for r in log["runs"][0]["results"]]
        assert {p["status"] for p in props} == {expected, "not-exercised"}


def test_validate_lists_runtime_only_leak(tmp_path: Path, server: LoopbackServer) -> None:
    name = "py_socket_leak.py"
    command = [sys.executable, str(CLIENTS / name), server.url, "10", "0.005"]
    report, annotated = _validate(tmp_path, [], command)
    line = line_of(CLIENTS / name, "socket.create_connection")
    assert report["runtime_only"] == [{"path": str((CLIENTS / name).resolve()), "line": line, "open_at_exit": 10,
                                       "reclaimed_unclosed": 0, "created": 10, "kinds": ["socket"], "flow": []}]
    result = json.loads(annotated.read_text())["runs"][0]["results"][0]
    assert result["ruleId"] == "LL900"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == line


def test_validate_go_test_confirms_unclosed_body(go: str, tmp_path: Path, server: LoopbackServer) -> None:
    findings = [("LL101", "leaky/fetch.go", line_of(GOMOD / "leaky/fetch.go", "http.Get")),
                ("LL101", "tidy/fetch.go", line_of(GOMOD / "tidy/fetch.go", "http.Get"))]
    env = {"LEAKDEMO_URL": server.url, "LEAKDEMO_COUNT": "30", "LEAKDEMO_DELAY": "2ms", "GOPROXY": "off"}
    report, annotated = _validate(tmp_path, findings, [go, "test", "./leaky", "./tidy"], cwd=GOMOD, env=env)
    status = _statuses(report)
    leak = status[("leaky/fetch.go", findings[0][2])]
    assert (leak["status"], leak["open_at_exit"], leak["created"]) == ("confirmed", 30, 30)
    assert status[("tidy/fetch.go", findings[1][2])]["status"] == "exercised-no-leak"
    assert report["injection"] == "go-harness"
    assert not (GOMOD / "leaky" / "zz_leaklint_trace_test.go").exists()
    _check_sarif(annotated)


def _check_sarif(path: Path) -> None:
    """Validates with the shared SARIF checker when npm is there to install it."""
    check = ROOT.parent / "shared" / "sarif" / "check.sh"
    if not shutil.which("npm") or not check.exists():
        return
    done = subprocess.run(["bash", str(check), "--strict", str(path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_annotated_sarif_with_runtime_only_result_is_valid(tmp_path: Path, server: LoopbackServer) -> None:
    check = ROOT.parent / "shared" / "sarif" / "check.sh"
    if not shutil.which("npm") or not check.exists():
        pytest.skip("npm or shared/sarif/check.sh missing: the SARIF validators cannot be installed")
    leak, closed = "py_urlopen_leak.py", "py_urlopen_closed.py"
    findings = [("LL202", f"tests/runtime/clients/{closed}", line_of(CLIENTS / closed, "urlopen(url)"))]
    command = [sys.executable, str(CLIENTS / leak), server.url, "5", "0.001"]
    report, annotated = _validate(tmp_path, findings, command)
    assert len(report["runtime_only"]) == 1
    _check_sarif(annotated)


def test_watch_settle_shows_retained_sockets(go_client: Path, tmp_path: Path, server: LoopbackServer) -> None:
    out = tmp_path / "w.json"
    done = runtime("watch", "--quiet", "--interval", "0.05", "--duration", "1.5", "--settle", "0.5",
                   "--x-file", server.counter_path, "--json", str(out),
                   "--", str(go_client), "leaky", server.url, "60", "12ms", "5s")
    assert done.returncode == 1, done.stderr
    settled = json.loads(out.read_text())["settled"]
    assert settled["sockets"] == 60 and settled["states"] == {"ESTABLISHED": 60}
    assert "after settling idle" in done.stdout


def test_validate_ab_confirms_what_no_tracer_sees(go_client: Path, tmp_path: Path, server: LoopbackServer) -> None:
    line = line_of(GOMOD / "leaky/fetch.go", "http.Get")
    sarif_in = write_findings(tmp_path / "in.sarif", GOMOD, [("LL101", "leaky/fetch.go", line)])
    # 100 requests sampled every 20 ms give about 35 distinct request counts: enough for the
    # second-half trend test (60 requests every 50 ms gave 13, and 5 in the second half can never
    # reach p < 0.01, so one run in four came out INCONCLUSIVE).
    fixed = f"{go_client} tidy {server.url} 100 5ms"
    done = runtime("validate", "--quiet", "--sarif", str(sarif_in), "--json", str(tmp_path / "r.json"),
                   "--root", str(GOMOD), "--interval", "0.02", "--x-file", server.counter_path, "--fixed", fixed,
                   "--", str(go_client), "leaky", server.url, "100", "5ms")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["injection"] == "untraced"
    assert report["findings"][0]["status"] == "confirmed"
    assert "== fixed run (A/B)" in done.stdout


def test_validate_confirms_real_static_output(go: str, tmp_path: Path, server: LoopbackServer) -> None:
    """Feeds `leaklint check --format sarif` output (the static half) to validate, when it exists."""
    static = tmp_path / "static.sarif"
    done = subprocess.run([sys.executable, "-m", "leaklint_gopy", "check", "--no-cache", "--format", "sarif",
                           "-o", str(static), "tests/runtime/gomod"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    if done.returncode not in (0, 1) or not static.exists():
        pytest.skip(f"the static half cannot write SARIF here: {done.stderr.strip()[-200:]}")
    leak_line = line_of(GOMOD / "leaky/fetch.go", "http.Get")
    env = {"PYTHONPATH": str(ROOT), "LEAKDEMO_URL": server.url, "LEAKDEMO_COUNT": "15",
           "LEAKDEMO_DELAY": "1ms", "GOPROXY": "off"}
    report_path = tmp_path / "r.json"
    done = runtime("validate", "--quiet", "--sarif", str(static), "--root", str(ROOT), "--json", str(report_path),
                   "--", go, "test", "./leaky", "./tidy", cwd=GOMOD, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    statuses = {(f["uri"], f["line"]): f["status"] for f in json.loads(report_path.read_text())["findings"]}
    assert statuses[("tests/runtime/gomod/leaky/fetch.go", leak_line)] == "confirmed"
    assert "confirmed" not in {s for (uri, _), s in statuses.items() if "/tidy/" in uri}
