"""The discovery cache: a walk where nothing it read changed is not walked again; any change to a
listing, a .gitignore or a go.mod (in the tree or above it) is seen."""
from __future__ import annotations

from pathlib import Path

import pytest

from leaklint_gopy import discovery, discovery_cache


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / "svc" / "deep").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/m\n")
    (root / "svc" / "a.go").write_text("package svc\n")
    (root / "svc" / "deep" / "b.go").write_text("package deep\n")
    (root / "tool.py").write_text("x = 1\n")
    (root / ".gitignore").write_text("gen/\n")
    monkeypatch.setattr(discovery_cache, "RACY_SECONDS", 0.0)  # (files made a moment ago are trusted)
    monkeypatch.chdir(root)
    return root


def _walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the walks discover() makes."""
    walks: list[int] = []
    real = discovery_cache.discover
    monkeypatch.setattr(discovery_cache, "discover", lambda *a, **k: walks.append(1) or real(*a, **k))
    return walks


def _found(cache: Path) -> tuple[list[discovery.SourceFile], list]:
    return discovery_cache.discover_cached(cache, ["."], (), False, True, "v1")


@pytest.fixture
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory outside the tree and the directories above it (making it would change them)."""
    return tmp_path_factory.mktemp("discovery-cache")


def test_an_unchanged_tree_is_not_walked_again(tree: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    walks = _walks(monkeypatch)
    first = _found(cache)
    assert _found(cache) == first == discovery.discover(["."])
    assert len(walks) == 1
    assert [f.package for f in first[0]] == ["example.com/m/svc", "example.com/m/svc/deep", "tool.py"]
    assert discovery_cache.discover_cached(cache, ["."], (), False, True, "v2") == first
    assert len(walks) == 2  # another build of leaklint walks again


@pytest.mark.parametrize("change", ["new file", "deleted file", "new directory", "renamed", "gitignore",
                                    "go.mod", "go.mod above", "removed go.mod"])
def test_any_change_to_what_the_walk_read_is_seen(change: str, tree: Path, tmp_path: Path, cache: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "gen").mkdir()
    (tree / "gen" / "g.go").write_text("package gen\n")
    if change == "go.mod above":
        (tree / "go.mod").unlink()  # (then only the go.mod above changes)
    before = _found(cache)
    walks = _walks(monkeypatch)
    assert _found(cache) == before and not walks
    if change == "new file":
        (tree / "svc" / "deep" / "c.go").write_text("package deep\n")
    elif change == "deleted file":
        (tree / "svc" / "deep" / "b.go").unlink()
    elif change == "new directory":
        (tree / "svc" / "deep" / "more").mkdir()
        (tree / "svc" / "deep" / "more" / "d.go").write_text("package more\n")
    elif change == "renamed":
        (tree / "svc" / "deep" / "b.go").rename(tree / "svc" / "deep" / "b2.go")
    elif change == "gitignore":
        (tree / ".gitignore").write_text("deep/\n")
    elif change == "go.mod":
        (tree / "go.mod").write_text("module example.com/n\n")
    elif change == "go.mod above":
        (tmp_path / "go.mod").write_text("module example.com/above\n")
    elif change == "removed go.mod":
        (tree / "go.mod").unlink()
    after = _found(cache)
    assert walks == [1] and after == discovery.discover(["."])
    assert after != before


def test_a_stored_walk_answers_module_look_ups_without_reading_go_mod(tree: Path, cache: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _found(cache)
    fresh = [discovery.module_root(d) for d in ("svc", "svc/deep", ".")]
    assert fresh == [str(tree)] * 3
    read: list[str] = []
    real = discovery.read_head
    monkeypatch.setattr(discovery, "read_head", lambda path, *rest: read.append(path) or real(path, *rest))
    _found(cache)
    assert [discovery.module_root(d) for d in ("svc", "svc/deep")] == fresh[:2] and read == []
    assert discovery.go_package("svc/deep") == "example.com/m/svc/deep" and read == []
    (tree / "go.mod").write_text("module example.com/n\n")
    assert [f.package for f in _found(cache)[0]][:2] == ["example.com/n/svc", "example.com/n/svc/deep"]


def test_a_new_file_beside_the_tree_is_not_a_change(tree: Path, tmp_path: Path, cache: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a go.mod above the tree is read: other names coming and going there (the tree in /tmp or a
    home directory) leave the stored walk valid."""
    before = _found(cache)
    walks = _walks(monkeypatch)
    (tmp_path / "notes.txt").write_text("x\n")
    (tmp_path / "scratch").mkdir()
    assert _found(cache) == before and not walks
    (tmp_path / "go.mod").write_text("module example.com/above\n")
    (tree / "go.mod").unlink()
    assert _found(cache) == discovery.discover(["."]) != before and walks == [1]


def test_a_tracked_file_no_longer_tracked_is_seen(tree: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    (tree / "gen").mkdir()
    (tree / "gen" / "g.go").write_text("package gen\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-f", "gen/g.go"], check=True)
    tracked = _found(cache)
    assert "gen/g.go" in [f.path for f in tracked[0]]  # git never ignores a tracked file
    walks = _walks(monkeypatch)
    assert _found(cache) == tracked and not walks
    subprocess.run([*git, "rm", "-q", "--cached", "gen/g.go"], check=True)  # no listing changes
    after = _found(cache)
    assert walks == [1] and after == discovery.discover(["."]) and after != tracked
