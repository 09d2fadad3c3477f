"""Input that crashed leaklint with "internal error ... This is a bug": file names that are not
UTF-8, invalid ignore patterns, crafted SARIF, poisoned fixtures, a closed or full or ASCII-only
output. Each now works, or is one line and exit 2, and no report is lost or left half written."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hostile import PY_LEAK, PY_LEAK_AT, PYTHON, leaklint, strict_sarif_problems

BAD_NAME = b"caf\xe9 \x1b[31mred.py"  # Latin-1 bytes, a space and an escape sequence


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("leaklint: error: "), proc.stderr
    assert "internal error" not in proc.stderr
    return proc.stderr


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "ok.py").write_text(PY_LEAK)
    return tmp_path


# -- file names ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["text", "json", "sarif", "github"])
def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(tree: Path, form: str) -> None:
    (tree / os.fsdecode(BAD_NAME)).write_text(PY_LEAK)
    proc = leaklint(["check", "--no-cache", "--format", form, "-o", "report", "."], tree)
    assert proc.returncode == 1, proc.stderr
    report = (tree / "report").read_text(encoding="utf-8")
    assert "\x1b" not in report and "\udce9" not in report
    if form == "json":
        paths = sorted(f["path"] for f in json.loads(report)["findings"])
        assert paths == ["caf\\xe9 \x1b[31mred.py", "ok.py"]  # the byte that is not UTF-8 as \xe9
    if form == "sarif":
        uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                      for r in json.loads(report)["runs"][0]["results"])
        assert uris == ["caf%E9%20%1B%5B31mred.py", "ok.py"]
        assert strict_sarif_problems(tree / "report") == ""
    if form == "text":
        assert report.startswith("caf\\xe9 \\x1b[31mred.py:5:9: LL201")


def test_escape_sequences_in_names_and_source_never_reach_the_terminal(tree: Path) -> None:
    (tree / "tricky\x1b]0;owned\x07.py").write_text(PY_LEAK.replace("s = socket.socket()",
                                                                     "s = socket.socket()  # \x1b[2J\x08"))
    proc = leaklint(["check", "--no-cache", "--color", "never", "."], tree)
    assert "\x1b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout
    assert "tricky\\x1b]0;owned\\x07.py:5:9: LL201" in proc.stdout
    assert "5 |     s = socket.socket()  # \\x1b[2J\\x08" in proc.stdout


def test_new_from_rev_keeps_a_file_whose_name_is_not_utf8(tree: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=tree, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tree, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=tree, check=True)
    (tree / os.fsdecode(BAD_NAME)).write_text(PY_LEAK)
    subprocess.run([*git, "add", "-A"], cwd=tree, check=True)
    subprocess.run([*git, "commit", "-qm", "new file"], cwd=tree, check=True)
    proc = leaklint(["check", "--no-cache", "--new-from-rev", "HEAD~1", "."], tree)
    assert proc.returncode == 1 and "caf\\xe9 \\x1b[31mred.py:5:9: LL201" in proc.stdout, proc.stdout + proc.stderr
    assert "ok.py" not in proc.stdout


# -- ignore patterns -----------------------------------------------------------------------------------
def test_an_invalid_gitignore_line_is_skipped_as_git_skips_it(tree: Path) -> None:
    (tree / "skip").mkdir()
    (tree / "skip" / "x.py").write_text(PY_LEAK)
    (tree / ".gitignore").write_text("!\nskip/\n[z-a]\n")
    proc = leaklint(["check", "--no-cache", "."], tree)
    assert proc.returncode == 1 and "ok.py" + PY_LEAK_AT in proc.stdout and "skip" not in proc.stdout, proc.stderr


@pytest.mark.parametrize("pattern", ["!", "[z-a]", "a\\"])
def test_an_invalid_exclude_pattern_is_a_one_line_error(tree: Path, pattern: str) -> None:
    assert f"--exclude: invalid pattern {pattern!r}" in _one_line_error(
        leaklint(["check", "--no-cache", "--exclude", pattern, "."], tree))
    (tree / "leaklint.toml").write_text(f"exclude = [{json.dumps(pattern)}]\n")
    assert f"leaklint.toml: key exclude: invalid pattern {pattern!r}" in _one_line_error(
        leaklint(["check", "--no-cache", "."], tree))


# -- crafted SARIF -------------------------------------------------------------------------------------
def _log(result: str = '{"ruleId": "LL201"}', run_extra: str = "") -> str:
    return ('{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "leaklint", "rules": []}}, '
            f'"results": [{result}]{run_extra}}}]}}')


LOCATED = ('{{"ruleId": {rule}, "partialFingerprints": {prints}, "locations": [{{"physicalLocation": '
           '{{"artifactLocation": {{"uri": {uri}}}, "region": {{"startLine": {line}}}}}}}]}}')
CRAFTED = {
    "null fingerprint": _log(LOCATED.format(rule='"LL201"', prints='{"leaklint/v1": null}', uri='"a.py"', line=1)
                             + ", " + LOCATED.format(rule='"LL201"', prints='{"leaklint/v1": "ab"}', uri='"a.py"',
                                                     line=1)),
    "null fingerprints": _log(LOCATED.format(rule='"LL201"', prints="null", uri='"a.py"', line=1)),
    "number for a string": _log(LOCATED.format(rule="5", prints='{"leaklint/v1": 7}', uri="3", line=1) + ", "
                                + LOCATED.format(rule='"LL201"', prints="{}", uri='"a.py"', line=1)),
    "line of 1e400": _log(LOCATED.format(rule='"LL201"', prints="{}", uri='"a.py"', line="1e400")),
    "deep nesting": _log('{"ruleId": "LL201", "message": {"text": "x"}, "properties": ' + "[" * 900 + "]" * 900 + "}"),
    "deeper nesting": _log('{"ruleId": "LL201", "properties": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    "null run": '{"version": "2.1.0", "runs": [null]}',
    "odd shapes": _log("5", ', "invocations": [null], "originalUriBaseIds": [], "columnKind": 3'),
    "odd locations": _log('{"ruleId": "LL201", "locations": [5, {"physicalLocation": "x"}]}'),
    "odd rules": '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "leaklint", "rules": [5, {"id": []}]}}}]}',
    "rule without id": '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "leaklint", "rules": [{}]}}}]}',
    "NaN": _log(LOCATED.format(rule='"LL201"', prints="{}", uri='"a.py"', line="NaN")),
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_sarif_given_to_merge_is_merged_or_refused_in_one_line(tmp_path: Path, name: str) -> None:
    (tmp_path / "in.sarif").write_text(CRAFTED[name])
    proc = leaklint(["merge", "in.sarif", "in.sarif"], tmp_path)
    if proc.returncode == 0:
        json.loads(proc.stdout, parse_constant=lambda constant: pytest.fail(f"{constant} in merged SARIF"))
    else:
        assert "in.sarif" in _one_line_error(proc)


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_sarif_given_to_runtime_validate_is_refused_in_one_line(tmp_path: Path, name: str) -> None:
    (tmp_path / "in.sarif").write_text(CRAFTED[name])
    proc = leaklint(["runtime", "validate", "--sarif", "in.sarif", "--duration", "1", "--", "true"], tmp_path)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1, 2)


# -- fixtures of `leaklint test` -----------------------------------------------------------------------
@pytest.mark.parametrize("content", [PY_LEAK.replace("socket()", 'socket()  # want "(unclosed"'),
                                     PY_LEAK.encode().replace(b"\n\n\n", b"\n# \xff\n\n")])
def test_leaklint_test_reports_a_broken_fixture_in_one_line(tmp_path: Path, content: str | bytes) -> None:
    (tmp_path / "fixture").mkdir()
    target = tmp_path / "fixture" / "case.py"
    target.write_bytes(content if isinstance(content, bytes) else content.encode())
    proc = leaklint(["test", "fixture"], tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "case.py" in proc.stdout + proc.stderr


# -- where the report goes ----------------------------------------------------------------------------
def test_a_closed_stdout_is_a_one_line_error(tree: Path) -> None:
    proc = subprocess.run([PYTHON, "-m", "leaklint_gopy", "check", "--no-cache", "."], cwd=tree, capture_output=False,
                          stdout=None, stderr=subprocess.PIPE, text=True, timeout=120,
                          pass_fds=(), preexec_fn=lambda: os.close(1))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "standard output is closed" in proc.stderr


def test_an_ascii_only_stdout_gets_escapes_not_a_crash(tree: Path) -> None:
    (tree / "ok.py").write_text(PY_LEAK.replace("s = socket.socket()", "s = socket.socket()  # café ☕"))
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    proc = leaklint(["check", "--no-cache", "."], tree, env=env)
    assert proc.returncode == 1 and "# caf\\xe9 \\u2615" in proc.stdout, proc.stderr


@pytest.mark.parametrize("target, reason", [("missing/report.sarif", "No such file or directory"),
                                            (".", "is a directory"),
                                            ("/dev/full", "No space left on device")])
def test_an_unwritable_output_is_a_one_line_error(tree: Path, target: str, reason: str) -> None:
    err = _one_line_error(leaklint(["check", "--no-cache", "--format", "sarif", "-o", target, "."], tree))
    assert reason in err and target in err


def test_an_unwritable_output_is_found_before_the_analysis(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from leaklint_gopy import driver
    from leaklint_gopy.cli import main

    monkeypatch.chdir(tree)
    monkeypatch.setattr(driver, "run", lambda *a, **k: pytest.fail("analysed before checking -o"))
    assert main(["check", "-o", "missing/out.txt", "."]) == 2
    assert main(["baseline", "-o", "missing/base.json", "."]) == 2


def test_a_run_killed_while_writing_keeps_the_previous_report(tree: Path) -> None:
    (tree / "report.sarif").write_text("previous\n")
    for i in range(300):
        (tree / f"m{i}.py").write_text(PY_LEAK)
    proc = subprocess.Popen([PYTHON, "-m", "leaklint_gopy", "check", "--no-cache", "--jobs", "1", "--format", "sarif",
                             "-o", "report.sarif", "."], cwd=tree, stderr=subprocess.PIPE, text=True)
    temporary: list[Path] = []
    deadline = time.monotonic() + 60
    while proc.poll() is None and not temporary and time.monotonic() < deadline:
        temporary = [p for p in tree.iterdir() if p.name.startswith(".report.sarif.")]
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert temporary, "the report was not written through a temporary file"
    assert (tree / "report.sarif").read_text() == "previous\n"
    done = leaklint(["check", "--no-cache", "--format", "sarif", "-o", "report.sarif", "."], tree)
    assert done.returncode == 1
    assert len(json.loads((tree / "report.sarif").read_text())["runs"][0]["results"]) == 301
    assert oct((tree / "report.sarif").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def test_a_failed_run_leaves_no_temporary_report(tree: Path) -> None:
    _one_line_error(leaklint(["check", "--select", "LL999", "-o", "out.sarif", "."], tree))
    assert sorted(p.name for p in tree.iterdir()) == ["ok.py"]
