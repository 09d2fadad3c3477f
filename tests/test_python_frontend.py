"""The Python front-end: unreadable files become one notice each, findings carry exact positions
and messages, and astroid is imported only for receivers nothing else can type."""
from __future__ import annotations

import re

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from leaklint_gopy import driver
from leaklint_gopy.frontends.python import infer
from leaklint_gopy.spec import SpecError, load_rule, load_rules

REPO = Path(__file__).resolve().parent.parent


def _run(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    rules = load_rules(driver.default_rule_dirs())
    return driver.run([str(tmp_path)], driver.Settings(tuple(rules), root=str(tmp_path), use_cache=False, jobs=1))


def test_syntax_error_is_one_file_error(tmp_path: Path) -> None:
    result = _run(tmp_path, {"broken.py": "import socket\n\ndef f(:\n    return socket.socket()\n"})
    assert result.findings == []
    assert [(Path(e.path).name, e.line) for e in result.errors] == [("broken.py", 3)]
    assert result.errors[0].message.startswith("syntax error: ")


def test_python2_source_is_read_line_for_line(tmp_path: Path) -> None:
    result = _run(tmp_path, {"old.py": "import socket\n\ndef f(h):\n    s = socket.create_connection((h, 80))\n"
                                       "    print 'connected', `s`\n    return s.recv(1)\n"})
    assert result.errors == []
    assert [(f.rule_id, f.span.line) for f in result.findings] == [("LL201", 4)]


def test_python2_source_it_cannot_rewrite_is_one_notice(tmp_path: Path) -> None:
    result = _run(tmp_path, {"old.py": "import socket\n\ns = socket.socket()\nprint 'connected', s\n"
                                       "first = lambda (a, b): a\n"})
    assert len(result.errors) == 1
    assert result.errors[0].message.startswith("Python 2 source is not supported")
    assert result.errors[0].line == 4


def test_broken_file_does_not_hide_other_findings(tmp_path: Path) -> None:
    result = _run(tmp_path, {
        "broken.py": "import socket\nexcept:\n    socket.socket()\n",
        "leak.py": "import socket\n\ndef f(h):\n    s = socket.create_connection((h, 80))\n    return s.recv(1)\n",
    })
    assert [Path(e.path).name for e in result.errors] == ["broken.py"]
    assert [(Path(f.span.path).name, f.span.line, f.span.col) for f in result.findings] == [("leak.py", 4, 9)]


def test_finding_message_and_position(tmp_path: Path) -> None:
    result = _run(tmp_path, {"app.py": """\
        import socket


        def ping(host):
            sock = socket.create_connection((host, 7))
            if not sock.recv(1):
                return False
            sock.close()
            return True
        """})
    [finding] = result.findings
    assert finding.rule_id == "LL201"
    assert finding.message == "socket `sock` from socket.create_connection is not closed when returning at line 7"
    assert (finding.span.line, finding.span.col, finding.span.end_line) == (5, 12, 5)
    assert [location.span.line for location in finding.related] == [7]


def test_exception_path_is_its_own_rule_and_reported_once(tmp_path: Path) -> None:
    result = _run(tmp_path, {"app.py": """\
        import socket


        def ping(host):
            sock = socket.create_connection((host, 7))
            sock.sendall(b"x")
            sock.close()
        """})
    assert [(f.rule_id, f.severity, f.span.line) for f in result.findings] == [("LL204", "note", 5)]
    assert result.findings[0].message.endswith("is not closed if an exception is raised at line 6")


def test_derived_from_option_must_be_a_list_of_rules(tmp_path: Path) -> None:
    source = (REPO / "rules/python/py-resource-not-closed-on-exception.toml").read_text(encoding="utf-8")
    spec = tmp_path / "py-resource-not-closed-on-exception.toml"
    spec.write_text(re.sub(r"derived_from = \[[^\]]*\]", 'derived_from = "LL201"', source))
    with pytest.raises(SpecError, match="options.derived_from must be a list of strings"):
        load_rule(spec)


def test_a_rule_without_acquisitions_must_be_derived(tmp_path: Path) -> None:
    source = (REPO / "rules/python/py-resource-not-closed-on-exception.toml").read_text(encoding="utf-8")
    spec = tmp_path / "py-resource-not-closed-on-exception.toml"
    spec.write_text(re.sub(r"derived_from = \[[^\]]*\]", "", source))
    with pytest.raises(SpecError, match="missing key acquire"):
        load_rule(spec)


def test_suppression_comments(tmp_path: Path) -> None:
    result = _run(tmp_path, {"app.py": """\
        import socket


        def a(host):
            s = socket.create_connection((host, 7))  # leaklint: ignore[LL201] owned by the event loop
            return s.fileno()


        def b(host):
            s = socket.create_connection((host, 7))  # noqa: LL201
            return s.fileno()
        """})
    assert [f.suppressed for f in result.findings] == [True, True]


_PROBE = """
import sys
from pathlib import Path
from leaklint_gopy.frontends.python.prefilter import needles
from leaklint_gopy.frontends.python.frontend import PythonFrontend
from leaklint_gopy import driver
from leaklint_gopy.spec import load_rules
rules = load_rules(driver.default_rule_dirs())
path = Path(sys.argv[1])
PythonFrontend().lower_package(str(path), [(str(path), path.read_bytes())], {}, needles(rules))
print("astroid" in sys.modules)
"""


def _imports_astroid(tmp_path: Path, source: str) -> bool:
    path = tmp_path / "probe.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True, cwd=REPO,
                          env={"PYTHONPATH": str(REPO)}, check=True)
    return done.stdout.strip() == "True"


def test_astroid_is_not_imported_for_files_without_unknown_receivers(tmp_path: Path) -> None:
    assert not _imports_astroid(tmp_path, """\
        import socket
        import requests

        def f(host, url):
            with socket.create_connection((host, 80)) as s:
                s.sendall(b"x")
            session = requests.Session()
            return session.get(url, stream=True)
        """)


def test_standard_library_factories_are_typed_without_astroid(tmp_path: Path) -> None:
    assert not _imports_astroid(tmp_path, """\
        import urllib.request

        def f(url):
            opener = urllib.request.build_opener()
            return opener.open(url).read()
        """)
    assert infer.return_type("urllib.request.build_opener") == "urllib.request.OpenerDirector"
    assert infer.return_type("ssl._create_stdlib_context") == "ssl.SSLContext"


def test_astroid_types_a_receiver_from_a_third_party_call(tmp_path: Path) -> None:
    assert _imports_astroid(tmp_path, """\
        import urllib.request
        import platformdirs

        def f(name, url):
            opener = platformdirs.user_cache_path(name)
            return opener.open(urllib.request.Request(url)).read()
        """)


def test_a_library_functions_return_class_is_inferred_by_astroid(tmp_path, monkeypatch) -> None:
    # astroid was never imported where return_type used it: a NameError, swallowed as "unknown".
    from leaklint_gopy.frontends.python import infer

    (tmp_path / "fakelib_for_infer.py").write_text("class Conn:\n    pass\n\ndef connect():\n    return Conn()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    infer.return_type.cache_clear()
    assert infer.return_type("fakelib_for_infer.connect") == "fakelib_for_infer.Conn"
