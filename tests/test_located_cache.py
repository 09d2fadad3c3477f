"""The located cache: packages outside a run are located again whenever anything the look-up read
changed (a listing, a go.mod, a vendor/ directory), and their stored answers are used otherwise."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from leaklint_gopy import located_cache

OLD = time.time() - 3600  # (outside the racy window, so that a look-up is stored)


def _age(*trees: Path) -> None:
    for tree in trees:
        for directory, _, names in os.walk(tree):
            for name in names:
                os.utime(os.path.join(directory, name), (OLD, OLD))
            os.utime(directory, (OLD, OLD))


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root, cache = tmp_path / "svc", tmp_path / "mod"
    root.mkdir()
    (root / "go.mod").write_text("module example.com/svc\n\nrequire example.com/dep v1.0.0\n")
    for version in ("v1.0.0", "v1.1.0"):
        (cache / f"example.com/dep@{version}/pkg").mkdir(parents=True)
        (cache / f"example.com/dep@{version}/pkg/{version[1:].replace('.', '')}.go").write_text("package pkg\n")
    monkeypatch.setenv("GOMODCACHE", str(cache))
    _age(root, cache)
    return root


def _located(store: Path, root: Path) -> tuple[list[str], int]:
    found = located_cache.dependencies(store, {str(root)}, None)
    files = [os.path.basename(path) for path in found.files("example.com/dep/pkg")]
    located_cache.save(store, found)
    return files, found.loaded


def test_an_unchanged_look_up_is_answered_from_the_store(tmp_path: Path, module: Path) -> None:
    store = tmp_path / "cache"
    assert _located(store, module) == (["100.go"], 0)
    assert _located(store, module) == (["100.go"], 1)


def test_a_file_added_to_a_listed_directory_is_seen(tmp_path: Path, module: Path) -> None:
    store = tmp_path / "cache"
    _located(store, module)
    (tmp_path / "mod/example.com/dep@v1.0.0/pkg/extra.go").write_text("package pkg\n")
    assert _located(store, module) == (["100.go", "extra.go"], 0)


def test_a_go_mod_requiring_another_version_is_seen(tmp_path: Path, module: Path) -> None:
    store = tmp_path / "cache"
    _located(store, module)
    (module / "go.mod").write_text("module example.com/svc\n\nrequire example.com/dep v1.1.0\n")
    assert _located(store, module) == (["110.go"], 0)


def test_a_vendor_directory_made_since_is_seen(tmp_path: Path, module: Path) -> None:
    store = tmp_path / "cache"
    _located(store, module)
    (module / "vendor/example.com/dep/pkg").mkdir(parents=True)
    (module / "vendor/example.com/dep/pkg/vendored.go").write_text("package pkg\n")
    assert _located(store, module) == (["vendored.go"], 0)


def test_a_look_up_that_read_something_just_modified_is_not_stored(tmp_path: Path, module: Path) -> None:
    store = tmp_path / "cache"
    os.utime(tmp_path / "mod/example.com/dep@v1.0.0/pkg")  # now: within the racy window
    assert _located(store, module) == (["100.go"], 0)
    assert _located(store, module) == (["100.go"], 0)


def test_clean_removes_the_stored_look_ups(tmp_path: Path, module: Path) -> None:
    from leaklint_gopy.cache import clear

    store = tmp_path / "cache"
    _located(store, module)
    assert (store / "located").is_dir()
    assert clear(store) == 0 and not store.exists()
