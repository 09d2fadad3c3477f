"""One tree holding every kind of bad input at once, checked as a CI gate checks it: each bad file
is one notice naming it and a SARIF notification, every good file keeps its finding at its place,
and the SARIF passes shared/sarif/check.sh --strict."""
from __future__ import annotations

import json
import os
from pathlib import Path

from hostile import GO_LEAK, PY_LEAK, leaklint, strict_sarif_problems, without_root_powers

GOOD = {  # name -> bytes; each holds the leak of PY_LEAK at line 5, column 9
    "ok.py": PY_LEAK.encode(),
    "bom.py": b"\xef\xbb\xbf" + PY_LEAK.encode(),
    "crlf.py": PY_LEAK.encode().replace(b"\n", b"\r\n"),
    "cr.py": PY_LEAK.encode().replace(b"\n", b"\r"),
    "latin.py": b"# coding: latin-1\n" + PY_LEAK.encode().replace(b"\n\n\n", b"\n# \xe9\n"),
    "sp ace.py": PY_LEAK.encode(),
    "new\nline.py": PY_LEAK.encode(),
    os.fsdecode(b"caf\xe9.py"): PY_LEAK.encode(),
}
BAD = {  # name -> (bytes, the notice)
    "nul.py": (b"import socket\x00\n", "binary file, not source code"),
    "utf8.py": (b"import socket\nx = '\xff'\n", "invalid UTF-8 at byte 19"),
    "wide.py": ("import socket\n".encode("utf-16"), "UTF-16 text: source must be UTF-8"),
    "deep.py": (PY_LEAK.encode() + b"    x = " + b"(" * 10_000 + b")" * 10_000 + b"\n",
                "syntax error: too many nested parentheses"),
    "cookie.py": (b"# coding: nonesuch\n" + PY_LEAK.encode(), "unknown encoding 'nonesuch' in the coding cookie"),
}


def _tree(root: Path, outside: Path) -> None:
    for name, data in GOOD.items():
        (root / name).write_bytes(data)
    for name, (data, _) in BAD.items():
        (root / name).write_bytes(data)
    (root / "svc").mkdir()
    (root / "svc" / "a.go").write_text(GO_LEAK)
    with open(root / "huge.py", "wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    (root / "loop.py").symlink_to("loop.py")
    (outside / "elsewhere.py").write_text(PY_LEAK)
    (root / "out.py").symlink_to(outside / "elsewhere.py")
    os.mkfifo(root / "fifo.py")
    (root / "locked.py").write_text(PY_LEAK)
    (root / "locked.py").chmod(0)
    (root / "closed").mkdir()
    (root / "closed" / "x.py").write_text(PY_LEAK)
    (root / "closed").chmod(0)


def test_every_bad_input_at_once(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    _tree(root, outside)
    try:
        proc = leaklint(["check", "--no-cache", "--format", "sarif", "-o", "out.sarif", "."], root, timeout=120,
                        prefix=without_root_powers())
    finally:
        (root / "closed").chmod(0o755)
    assert "Traceback" not in proc.stderr and proc.returncode == 1, proc.stderr
    notices = sorted(line for line in proc.stderr.splitlines() if ": error: " in line or ": warning: " in line)
    expected = sorted([*(f"{name}:" for name in BAD), "huge.py:", "loop.py:", "out.py:", "fifo.py:", "locked.py:",
                       "closed:"])
    # Ex) huge.py's bytes (zeros) call no acquisition: nothing was missed, so it warns without failing the run
    assert [line.split(":")[0] for line in notices if ": warning: " in line] == ["huge.py"], notices
    assert [line.split(":")[0] + ":" for line in notices] == expected, notices
    for name, (_, notice) in BAD.items():
        assert any(line.startswith(f"{name}:") and notice in line for line in notices), (name, notices)
    sarif = json.loads((root / "out.sarif").read_text())["runs"][0]
    places = sorted((r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                     r["locations"][0]["physicalLocation"]["region"]["startLine"],
                     r["locations"][0]["physicalLocation"]["region"]["startColumn"]) for r in sarif["results"])
    assert places == sorted([("bom.py", 5, 9), ("caf%E9.py", 5, 9), ("cr.py", 5, 9), ("crlf.py", 5, 9),
                             ("latin.py", 5, 9), ("new%0Aline.py", 5, 9), ("ok.py", 5, 9), ("sp%20ace.py", 5, 9),
                             ("svc/a.go", 6, 13)])
    assert len(sarif["invocations"][0]["toolExecutionNotifications"]) == len(notices)
    assert strict_sarif_problems(root / "out.sarif") == ""
