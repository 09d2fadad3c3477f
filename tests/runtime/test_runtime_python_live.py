"""validate on real Python processes (issue 12 items 1, 2, 3 and 6): leaks CPython reclaims before
exit, the whole user stack, lines that ran without anything traced, and the tracer's bookkeeping.

Every client talks to the loopback server on 127.0.0.1 only and ends within a few seconds.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from runtime_loopback import LoopbackServer
from runtime_support import CLIENTS, ROOT, findings_at, line_of, runtime, write_findings
from test_runtime_sarif_live import check_sarif

COUNT = 6
RECLAIMED = {  # marker on the line -> rule
    "# leak: every response open until the return": "LL202",
    "# leak: every socket open until the return": "LL201",
    "# leak: the wrapper returns an open response": "LL202",
    "# released: read to its end, never closed": "LL202",
    "# released: wrap_socket takes it over": "LL201",
    "# released: requests reads the body": "LL202",
    "# released: iterated to the end": "LL202",
}


def _validate(tmp_path: Path, findings: list[tuple[str, str, int]], command: list[str], cwd: Path = ROOT,
              env: dict[str, str] | None = None) -> tuple[dict[str, object], Path, str]:
    """Runs validate; returns its JSON report, the annotated SARIF and its stdout."""
    sarif_in = write_findings(tmp_path / "in.sarif", ROOT, findings)
    out, report = tmp_path / "out.sarif", tmp_path / "report.json"
    done = runtime("validate", "--quiet", "--sarif", str(sarif_in), "-o", str(out), "--json", str(report),
                   "--root", str(ROOT), "--interval", "0.1", "--", *command, cwd=cwd, env=env)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return json.loads(report.read_text()), out, done.stdout


def _by_line(report: dict[str, object]) -> dict[int, dict[str, object]]:
    return {f["line"]: f for f in report["findings"]}  # type: ignore[index,union-attr]


def test_leaks_reclaimed_before_exit_are_confirmed_and_releases_are_not(tmp_path: Path, server: LoopbackServer) -> None:
    client = CLIENTS / "py_reclaimed.py"
    findings = findings_at(client, ROOT, RECLAIMED)
    report, annotated, _ = _validate(tmp_path, findings, [sys.executable, str(client), server.url, str(COUNT)])
    found = _by_line(report)
    for marker in list(RECLAIMED)[:3]:
        result = found[line_of(client, marker)]
        assert (result["status"], result["reclaimed_unclosed"], result["open_at_exit"]) == ("confirmed", COUNT, 0), marker
        assert result["peak"] == COUNT
    for marker in list(RECLAIMED)[3:]:
        result = found[line_of(client, marker)]
        assert result["status"] == "exercised-no-leak" and result["created"] >= COUNT, (marker, result)
    assert report["runtime_only"] == []
    first = json.loads(annotated.read_text())["runs"][0]["results"][0]["properties"]["leaklint_gopy/runtime"]
    assert {"status", "peak", "reclaimed_unclosed", "open_at_exit"} <= set(first)


def test_runtime_only_leak_sits_at_the_innermost_user_frame_with_its_callers(tmp_path: Path,
                                                                             server: LoopbackServer) -> None:
    client = CLIENTS / "py_reclaimed.py"
    report, annotated, _ = _validate(tmp_path, [], [sys.executable, str(client), server.url, str(COUNT)])
    inner = line_of(client, "# the wrapper's own acquisition")
    leak = next(n for n in report["runtime_only"] if n["line"] == inner)
    assert leak["reclaimed_unclosed"] == COUNT
    call = client.read_text().splitlines().index("wrapper_results_kept()") + 1
    assert [line for _, line in leak["flow"]] == [call, line_of(client, "# leak: the wrapper returns an open response")]
    results = json.loads(annotated.read_text())["runs"][0]["results"]
    wrapper = next(r for r in results if r["locations"][0]["physicalLocation"]["region"]["startLine"] == inner)
    steps = wrapper["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps][-2:] == [
        line_of(client, "# leak: the wrapper returns an open response"), inner]
    check_sarif(annotated)


def test_lazy_connections_and_pooled_clients_are_judged_by_what_ran(tmp_path: Path, server: LoopbackServer) -> None:
    client = CLIENTS / "py_http_connection.py"
    markers = {"# leak: kept open until exit": "LL202", "# leak: never closed, dropped": "LL202",
               "# correct: closed": "LL202", "# leak: never closed; its sockets": "LL203",
               "with requests.Session() as session:  # correct": "LL203", "# never runs": "LL202"}
    report, _, _ = _validate(tmp_path, findings_at(client, ROOT, markers),
                             [sys.executable, str(client), server.url, str(COUNT)])
    found = {marker: _by_line(report)[line_of(client, marker)] for marker in markers}
    kept, dropped = found["# leak: kept open until exit"], found["# leak: never closed, dropped"]
    assert (kept["status"], kept["open_at_exit"]) == ("confirmed", 1)
    assert (dropped["status"], dropped["reclaimed_unclosed"]) == ("confirmed", COUNT)
    assert found["# correct: closed"]["status"] == "exercised-no-leak"
    for marker in ("# leak: never closed; its sockets", "with requests.Session() as session:  # correct"):
        assert found[marker]["status"] == "inconclusive" and "ran" in found[marker]["reason"], found[marker]
    assert found["# never runs"]["status"] == "not-exercised"


def test_aiohttp_responses_never_released_are_not_called_clean(tmp_path: Path, server: LoopbackServer) -> None:
    pytest.importorskip("aiohttp", reason="aiohttp is not installed")
    client = CLIENTS / "py_aiohttp.py"
    markers = {"aiohttp.ClientSession() as session": "LL203", "# leak: responses never released": "LL202"}
    report, _, _ = _validate(tmp_path, findings_at(client, ROOT, markers),
                             [sys.executable, str(client), server.url, str(COUNT)])
    for result in report["findings"]:
        assert result["status"] == "inconclusive" and "ran" in result["reason"], result


def test_tracer_bookkeeping_survives_id_reuse_chdir_and_forks(tmp_path: Path, server: LoopbackServer) -> None:
    client = CLIENTS / "py_bookkeeping.py"
    markers = {"# leak: ids of closed sockets come back": "LL201", "# leak: made after os.chdir": "LL201",
               "# leak: in a worker leaving by os._exit": "LL201", "# fate unknown: the worker is killed": "LL201"}
    report, _, out = _validate(tmp_path, findings_at(client, ROOT, markers),
                               [sys.executable, client.name, server.url, "100"], cwd=CLIENTS)
    found = {marker: _by_line(report)[line_of(client, marker)] for marker in markers}
    assert [found[m]["open_at_exit"] for m in list(markers)[:3]] == [100, 3, 2]
    assert {found[m]["status"] for m in list(markers)[:3]} == {"confirmed"}
    killed = found["# fate unknown: the worker is killed"]
    assert killed["status"] == "inconclusive" and "without a final report" in killed["reason"]
    assert "1 without a final report" in out


def test_lines_are_unknown_when_the_program_takes_the_trace_hook(tmp_path: Path) -> None:
    client = CLIENTS / "py_reclaimed.py"
    findings = findings_at(client, ROOT, {"# leak: every socket open until the return": "LL201"})
    report, _, _ = _validate(tmp_path, findings, [sys.executable, "-c", "import sys; sys.settrace(None)"])
    assert report["findings"][0]["status"] == "inconclusive", report["findings"][0]


def test_leak_in_a_pytest_test_is_confirmed(tmp_path: Path, server: LoopbackServer) -> None:
    suite = CLIENTS / "leaky_suite.py"
    findings = findings_at(suite, ROOT, {"# leak: open until the test ends": "LL202"})
    env = {"LEAKDEMO_URL": server.url, "LEAKDEMO_COUNT": str(COUNT)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--confcutdir", str(CLIENTS), str(suite)]
    report, _, _ = _validate(tmp_path, findings, command, cwd=CLIENTS, env=env)
    result = report["findings"][0]
    assert (result["status"], result["reclaimed_unclosed"]) == ("confirmed", COUNT), result
