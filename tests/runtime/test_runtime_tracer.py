"""The injected Python tracer: overhead per connection, the .pth injection into a child process."""
from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

from runtime_support import CLIENTS, ROOT, line_of, runtime, write_findings
from runtime_loopback import LoopbackServer

from leaklint_gopy.runtime.injection import _split_python, interpreter_of

OVERHEAD_SCRIPT = r'''
import http.client, json, socket, sys, time
sys.path.insert(0, sys.argv[1])
listener = socket.create_server(("127.0.0.1", 0), backlog=2048)
address = listener.getsockname()

def connections(n):
    start = time.perf_counter()
    for _ in range(n):
        client = socket.create_connection(address)
        response = http.client.HTTPResponse(client)
        accepted, _ = listener.accept()
        response.close(); client.close(); accepted.close()
    return (time.perf_counter() - start) / n

connections(100)
base = min(connections(300) for _ in range(5))
import _leaklint_tracer
tracer = _leaklint_tracer.install(sys.argv[2])
traced = min(connections(300) for _ in range(5))
print(json.dumps({"base_us": base * 1e6, "traced_us": traced * 1e6, "sites": len(tracer.stream.sites)}))
'''


def test_tracer_records_sites_and_reports_its_overhead(tmp_path: Path) -> None:
    from leaklint_gopy.runtime.injection import tracer_copy
    tracer_copy(str(tmp_path))
    script = tmp_path / "overhead.py"
    script.write_text(OVERHEAD_SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(tmp_path), str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    numbers = json.loads(done.stdout)
    print(f"tracer overhead: {numbers}")
    assert numbers["sites"] >= 2
    # The overhead figure is printed for the record; speed is judged by benchmarks, not timed tests.


def test_python_command_forms_are_wrapped() -> None:
    assert _split_python(["-u", "-W", "error", "x.py", "a"]) == (["-u", "-W", "error"], ["x.py", "a"])
    assert _split_python(["-X", "dev", "-m", "pytest", "-q"]) == (["-X", "dev"], ["-m", "pytest", "-q"])
    assert interpreter_of(sys.executable) == sys.executable
    assert interpreter_of("/bin/sh") is None


def test_pth_injection_traces_a_child_python_and_is_removed(tmp_path: Path, server: LoopbackServer) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False, symlinks=True)
    python = env_dir / "bin" / "python"
    name = "py_socket_leak.py"
    line = line_of(CLIENTS / name, "socket.create_connection")
    sarif = write_findings(tmp_path / "in.sarif", ROOT, [("LL201", f"tests/runtime/clients/{name}", line)])
    shell = f"'{python}' '{CLIENTS / name}' {server.url} 12 0.002"
    done = runtime("validate", "--quiet", "--sarif", str(sarif), "--inject", "pth", "--python", str(python),
                   "--json", str(tmp_path / "r.json"), "--", "sh", "-c", shell)
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["injection"] == "pth"
    assert report["findings"][0]["status"] == "confirmed" and report["findings"][0]["open_at_exit"] == 12
    site_packages = next((env_dir / "lib").glob("python*/site-packages"))
    assert list(site_packages.glob("*leaklint*")) == []


def test_service_ended_after_duration_still_reports_open_sockets(tmp_path: Path, server: LoopbackServer) -> None:
    name = "py_socket_leak.py"
    line = line_of(CLIENTS / name, "socket.create_connection")
    sarif = write_findings(tmp_path / "in.sarif", ROOT, [("LL201", f"tests/runtime/clients/{name}", line)])
    path = str(CLIENTS / name)
    service = f"exec(compile(open({path!r}).read(), {path!r}, 'exec')); import time; time.sleep(30)"
    script = tmp_path / "service.py"
    script.write_text(f"import sys\nsys.argv[1:] = [{server.url!r}, '5', '0.001']\n{service}\n")
    done = runtime("validate", "--quiet", "--sarif", str(sarif), "--duration", "1.5", "--json",
                   str(tmp_path / "r.json"), "--", sys.executable, str(script))
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["exit_code"] != 0
    assert report["findings"][0]["status"] == "confirmed" and report["findings"][0]["open_at_exit"] == 5, done.stdout
