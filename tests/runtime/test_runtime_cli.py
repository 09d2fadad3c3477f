"""Bad input to `leaklint runtime` gives one line on stderr and exit status 2, never a traceback."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from runtime_support import runtime

EMPTY_SARIF = '{"version": "2.1.0", "runs": []}'
PASS = [sys.executable, "-c", "pass"]


@pytest.mark.parametrize(("args", "message"), [
    (["bogus"], "invalid choice"),
    (["watch", "--pid", "abc"], "invalid int value"),
    (["watch", "--pid", "999999999", "--duration", "0.3"], "no process 999999999"),
    (["watch", "--interval", "0", "--duration", "0.3", "--", *PASS], "must be greater than 0"),
    (["watch", "--duration", "-1", "--", *PASS], "must be greater than 0"),
    (["scan", "--top", "0"], "must be greater than 0"),
    (["validate", "--sarif", "{sarif}", "--fixed", "'unterminated", "--", *PASS], "--fixed"),
    (["validate", "--sarif", "{sarif}", "-o", "/nonexistent/dir/out.sarif", "--", *PASS], "cannot write"),
    (["validate", "--sarif", "{sarif}", "--json", "/nonexistent/dir/out.json", "--", *PASS], "cannot write"),
    (["validate", "--sarif", "{sarif}", "--inject", "pth", "--python", "/nonexistent/python", "--", *PASS],
     "not an executable"),
    (["validate", "--sarif", "/nonexistent.sarif", "--", *PASS], "No such file"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    sarif = tmp_path / "empty.sarif"
    sarif.write_text(EMPTY_SARIF)
    quiet = ["--quiet"] if args[0] in ("watch", "validate") else []
    done = runtime(args[0], *quiet, *(a.replace("{sarif}", str(sarif)) for a in args[1:]))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in done.stderr, done.stderr
