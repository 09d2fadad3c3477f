"""Python name resolution: calls resolve through imports and aliases to the names rule specs use,
and a name that a function, parameter, assignment or later import shadows is not the library's."""
from __future__ import annotations

import textwrap
from pathlib import Path

from leaklint_gopy import driver
from leaklint_gopy.frontends.python.prefilter import needles
from leaklint_gopy.frontends.python.frontend import Needles, lower_file
from leaklint_gopy.frontends.python.names import module_name
from leaklint_gopy.ir import Call
from leaklint_gopy.spec import load_rules

NEEDLES = Needles.of(needles(load_rules(driver.default_rule_dirs())))


def _callees(tmp_path: Path, source: str, function: str) -> list[str]:
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    lowered = lower_file(str(path), path.read_bytes(), NEEDLES)
    functions = list(lowered.functions) + [f for thunk in lowered.lazy.values() for f in thunk()]
    [target] = [f for f in functions if f.qualname == f"mod.{function}"]
    return [op.callee for block in target.blocks for op in block.ops
            if isinstance(op, Call) and not op.callee.startswith("?bound")]


def test_module_alias_resolves(tmp_path: Path) -> None:
    source = """\
        import requests as r
        def f(u):
            return r.get(u, stream=True)
        """
    assert _callees(tmp_path, source, "f") == ["requests.get"]


def test_function_alias_resolves(tmp_path: Path) -> None:
    source = """\
        from socket import create_connection as dial
        def f(h):
            return dial((h, 80))
        """
    assert _callees(tmp_path, source, "f") == ["socket.create_connection"]


def test_submodule_import_resolves(tmp_path: Path) -> None:
    source = """\
        import urllib.request
        def f(u):
            return urllib.request.urlopen(u)
        """
    assert _callees(tmp_path, source, "f") == ["urllib.request.urlopen"]


def test_parameter_shadows_module(tmp_path: Path) -> None:
    source = """\
        import socket
        def f(socket):
            return socket.socket()
        """
    assert _callees(tmp_path, source, "f") == ["?.socket"]


def test_local_assignment_shadows_import(tmp_path: Path) -> None:
    source = """\
        from socket import create_connection
        def f(h, make):
            create_connection = make
            return create_connection((h, 80))
        """
    assert _callees(tmp_path, source, "f") == ["?func"]


def test_module_function_shadows_import(tmp_path: Path) -> None:
    source = """\
        from socket import create_connection
        def create_connection(address):
            return address
        def f(h):
            return create_connection((h, 80))
        """
    assert _callees(tmp_path, source, "f") == ["mod.create_connection"]


def test_local_import_resolves(tmp_path: Path) -> None:
    source = """\
        def f(h):
            import socket as s
            return s.create_connection((h, 80))
        """
    assert _callees(tmp_path, source, "f") == ["socket.create_connection"]


def test_star_import_binds_and_a_later_one_shadows(tmp_path: Path) -> None:
    source = """\
        from socket import *
        from posix import *
        def f(path):
            sock = socket(AF_INET, SOCK_STREAM)
            return open(path, O_RDONLY), sock
        """
    assert _callees(tmp_path, source, "f") == ["socket.socket", "os.open"]


def test_typed_receivers(tmp_path: Path) -> None:
    source = """\
        import requests
        import socket
        class Client:
            def __init__(self):
                self.session = requests.Session()
            def fetch(self, url, srv: socket.socket):
                conn, _ = srv.accept()
                return self.session.get(url, stream=True), conn
        """
    assert _callees(tmp_path, source, "Client.fetch") == ["socket.socket.accept", "requests.Session.get"]


def test_methods_of_the_module_classes_resolve_with_self_first(tmp_path: Path) -> None:
    source = """\
        import socket
        class Base:
            def connect(self):
                self.sock = socket.socket()
            def close(self):
                self.sock.close()
        class Conn(Base):
            def reset(self):
                self.close()
                super().close()
        """
    assert _callees(tmp_path, source, "Conn.reset") == ["mod.Base.close", "mod.Base.close"]


def test_module_name_follows_packages(tmp_path: Path) -> None:
    package = tmp_path / "pkg" / "sub"
    package.mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "net.py").write_text("")
    assert module_name(str(package / "net.py")) == "pkg.sub.net"
    assert module_name(str(package / "__init__.py")) == "pkg.sub"
    assert module_name(str(tmp_path / "script.py")) == "script"
