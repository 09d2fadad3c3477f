"""Python source as Python reads it: a byte order mark, CRLF and lone CR line ends, a coding
cookie, syntax errors on non-ASCII lines and syntax newer than the running Python. Findings keep
their positions; what cannot be read is one notice with a valid position."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from hostile import leaklint, strict_sarif_problems
from leaklint_gopy.cli import main

LEAK = b"import socket\n\n\ndef f():\n    s = socket.socket()\n"


def check(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes) -> tuple[str, str]:
    (tmp_path / name).write_bytes(data)
    main(["check", "--no-cache", "--show-fixes", str(tmp_path / name)])
    return capsys.readouterr()


@pytest.mark.parametrize("name, data, mark", [
    ("bom.py", b"\xef\xbb\xbf" + LEAK, "[*] "),
    ("crlf.py", LEAK.replace(b"\n", b"\r\n"), "[*] "),
    ("cr.py", LEAK.replace(b"\n", b"\r"), ""),  # read anew for analysis: no fix placed in the file on disk
])
def test_line_ends_and_byte_order_mark_keep_the_finding(tmp_path, capsys, monkeypatch, name, data, mark) -> None:
    monkeypatch.chdir(tmp_path)
    out, err = check(tmp_path, capsys, name, data)
    assert err == ""
    assert out.splitlines()[:4] == [f"{name}:5:9: LL201 [error] {mark}socket `s` from socket.socket is not closed when the function "
                                    "ends at line 5", "  |", "5 |     s = socket.socket()",
                                    "  |         ^^^^^^^^^^^^^^^ LL201"]


def test_a_byte_order_mark_is_no_column(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    out, _ = check(tmp_path, capsys, "one.py", b"\xef\xbb\xbfimport socket; s = socket.socket()\n")
    assert out.splitlines()[2:4] == ["1 | import socket; s = socket.socket()",
                                     "  |                    ^^^^^^^^^^^^^^^ LL201"]
    assert out.startswith("one.py:1:20: LL201")


def test_a_latin_1_coding_cookie_is_honoured(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    source = b"# -*- coding: latin-1 -*-\nimport socket\n\n\ndef f():\n    x = '\xe9\xe9'; s = socket.socket()\n"
    out, err = check(tmp_path, capsys, "latin.py", source)
    assert err == "" and out.startswith("latin.py:6:19: LL201 [error] socket `s`")


def test_an_unknown_coding_cookie_is_a_notice_with_a_valid_sarif_position(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "odd.py").write_bytes(b"#!/usr/bin/env python\n# -*- coding: foobar -*-\n" + LEAK)
    (tmp_path / "ok.py").write_bytes(LEAK)
    proc = leaklint(["check", "--no-cache", "--format", "sarif", "-o", "out.sarif", "."], tmp_path)
    assert "odd.py:2:1: error: unknown encoding 'foobar' in the coding cookie" in proc.stderr
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    [note] = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 1}
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]] \
        == ["ok.py"]
    assert strict_sarif_problems(tmp_path / "out.sarif") == ""


def test_syntax_error_columns_count_characters(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _, err = check(tmp_path, capsys, "bad.py", "import socket\nx = 'ééé' + $\n".encode())
    assert err == "bad.py:2:13: error: syntax error: invalid syntax\n"


def test_utf16_and_invalid_utf8_are_notices(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "wide.py").write_bytes("import socket\n".encode("utf-16"))
    (tmp_path / "bad.py").write_bytes(b"import socket\nx = '\xff'\n")
    main(["check", "--no-cache", "."])
    assert capsys.readouterr().err == ("bad.py:2:1: error: invalid UTF-8 at byte 19\n"
                                       "wide.py:1:1: error: UTF-16 text: source must be UTF-8\n")


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the running Python reads this syntax")
@pytest.mark.parametrize("line, what", [("type Alias = int", "a type alias statement"),
                                        ("def first[T](items: list[T]) -> T: ...", "a generic function"),
                                        ("class Box[T]: ...", "a generic class")])
def test_syntax_newer_than_the_running_python_names_the_version(tmp_path, capsys, monkeypatch, line, what) -> None:
    monkeypatch.chdir(tmp_path)
    _, err = check(tmp_path, capsys, "new.py", f"import socket\n{line}\n".encode())
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert err.endswith(f"; {what} needs Python 3.12 and leaklint runs on Python {running}: "
                        "run leaklint with Python 3.12 or later\n")
    assert err.startswith("new.py:2:") and err.count("\n") == 1


@pytest.mark.parametrize("odd", ["\x0c", "x = 'a\u2028b'", "x = 'a\x1cb'", "x = 'a\x85b'"])
def test_suppressions_stay_on_their_line_after_form_feeds_and_unicode_separators(tmp_path, capsys, monkeypatch,
                                                                                 odd) -> None:
    monkeypatch.chdir(tmp_path)
    source = f"import socket\n{odd}\n\ndef f():\n    s = socket.socket()  # noqa: LL201\n"
    out, err = check(tmp_path, capsys, "quiet.py", source.encode())
    assert (out, err) == ("no leaks found in 1 file (1 suppressed)\n", "")
