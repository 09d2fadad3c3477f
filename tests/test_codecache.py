"""The compiled code of dataclasses' generated methods, kept beside the bytecode (codecache): a class
made through the cache behaves as one made without it, a second process compiles nothing, and a
file of another Python or a broken one is ignored."""
from __future__ import annotations

import dataclasses
import marshal
import sys
from pathlib import Path

import pytest

from leaklint_gopy import codecache


def _make(cache: codecache.CodeCache, monkeypatch: pytest.MonkeyPatch) -> type:
    with monkeypatch.context() as patched:
        patched.setattr(dataclasses, "exec", cache.exec, raising=False)
        return _declare()


def _declare() -> type:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Point:
        x: int
        y: "tuple[int, ...]" = dataclasses.field(default_factory=tuple)

    return Point


def test_a_class_made_through_the_cache_behaves_as_without_it(tmp_path: Path, monkeypatch) -> None:
    with monkeypatch.context() as patched:
        patched.delattr(dataclasses, "exec", raising=False)  # (the builtin: the cache the package installed is off)
        plain = _declare()
    cached = _make(codecache.CodeCache(str(tmp_path / "codes"), vars(dataclasses), __name__), monkeypatch)
    assert repr(cached(1, (2,))) == repr(plain(1, (2,))) and cached(1) == cached(1, ()) != cached(2)
    assert hash(cached(1, (2,))) == hash(plain(1, (2,)))
    assert cached.__init__.__annotations__ == plain.__init__.__annotations__  # (no future flag inherited)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cached(1).x = 2


def test_a_second_process_compiles_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    first = codecache.CodeCache(str(tmp_path / "pycache" / "codes"), vars(dataclasses), __name__)
    _make(first, monkeypatch)
    first.save()
    assert (tmp_path / "pycache" / "codes").is_file()
    second = codecache.CodeCache(str(tmp_path / "pycache" / "codes"), vars(dataclasses), __name__)
    monkeypatch.setattr(codecache, "compile", lambda *args, **kwargs: pytest.fail("compiled again"), raising=False)
    made = _make(second, monkeypatch)
    assert made(3).x == 3


def test_only_the_owners_classes_are_kept_and_others_are_made_as_without_it(tmp_path: Path, monkeypatch) -> None:
    with monkeypatch.context() as patched:
        patched.delattr(dataclasses, "exec", raising=False)
        plain = _declare()
    cache = codecache.CodeCache(str(tmp_path / "codes"), vars(dataclasses), "some_other_library")
    other = _make(cache, monkeypatch)
    assert other.__init__.__annotations__ == plain.__init__.__annotations__ and other(5).x == 5
    assert cache._codes is None  # (never even read: nothing of this module is the owner's)


@pytest.mark.parametrize("content", [b"garbage", marshal.dumps(("2.7.18", {})), b""])
def test_a_broken_file_or_another_pythons_is_ignored(tmp_path: Path, monkeypatch, content: bytes) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    (tmp_path / "codes").write_bytes(content)
    cache = codecache.CodeCache(str(tmp_path / "codes"), vars(dataclasses), __name__)
    assert _make(cache, monkeypatch)(4).x == 4
    cache.save()
    assert marshal.loads((tmp_path / "codes").read_bytes())[0] == sys.version


def test_nothing_is_written_without_bytecode_writing(tmp_path: Path, monkeypatch) -> None:
    cache = codecache.CodeCache(str(tmp_path / "codes"), vars(dataclasses), __name__)
    _make(cache, monkeypatch)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    cache.save()
    assert not (tmp_path / "codes").exists()


def test_the_cache_lives_where_the_packages_bytecode_does(monkeypatch) -> None:
    monkeypatch.setattr(sys, "pycache_prefix", None)
    assert codecache.location("/opt/pkg") == f"/opt/pkg/__pycache__/{codecache.NAME}"
    monkeypatch.setattr(sys, "pycache_prefix", "/tmp/prefix")
    assert codecache.location("/opt/pkg") == f"/tmp/prefix/opt/pkg/{codecache.NAME}"
