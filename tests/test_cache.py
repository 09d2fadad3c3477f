"""The result cache: unchanged packages come from disk, changes and corrupt entries are recomputed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaklint_gopy import cache, driver, stat_index
from leaklint_gopy.spec import load_rules

LEAK = """package svc

import "net/http"

func Probe(c *http.Client, url string) error {
\tresp, err := c.Get(url)
\tif err != nil {
\t\treturn err
\t}
\tif resp.StatusCode != 200 {
\t\treturn nil
\t}
\treturn resp.Body.Close()
}
"""

QUIET = """package other

import "net/http"

func Ok(c *http.Client) { //leaklint:ignore LL101 reviewed
\tresp, _ := c.Get("x")
\tdefer resp.Body.Close()
}
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "probe.go").write_text(LEAK)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "ok.go").write_text(QUIET)
    return tmp_path


class Recorder:
    """Wraps driver.check so each run's cache statistics can be read."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.caches: list[cache.ResultCache] = []
        real = cache.ResultCache.__init__
        caches = self.caches

        def init(self_, *args, **kwargs):
            real(self_, *args, **kwargs)
            caches.append(self_)

        monkeypatch.setattr(cache.ResultCache, "__init__", init)

    @property
    def last(self) -> cache.CacheStats:
        return self.caches[-1].stats


def _run(tree: Path, use_cache: bool = True) -> driver.RunResult:
    rules = tuple(load_rules(driver.default_rule_dirs()))
    return driver.run([str(tree)], driver.Settings(rules, root=str(tree), jobs=1, use_cache=use_cache))


def test_second_run_reads_every_package_from_the_cache(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stats = Recorder(monkeypatch)
    first = _run(tree)
    assert (stats.last.hits, stats.last.misses, stats.last.writes) == (0, 2, 2)
    second = _run(tree)
    assert (stats.last.hits, stats.last.misses, stats.last.writes) == (2, 0, 0)
    assert second.findings == first.findings and len(first.findings) == 1
    assert second.unused_directives == first.unused_directives and len(first.unused_directives) == 1
    assert first.findings[0].span.line == 6


def test_changed_file_misses_only_its_package(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stats = Recorder(monkeypatch)
    _run(tree)
    (tree / "svc" / "probe.go").write_text(LEAK.replace("return nil", "return resp.Body.Close()"))
    changed = _run(tree)
    assert (stats.last.hits, stats.last.misses) == (1, 1)
    assert changed.findings == []


def test_corrupt_entry_is_recomputed(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                     _isolated_cache: Path) -> None:
    stats = Recorder(monkeypatch)
    expected = _run(tree).findings
    for entry in _isolated_cache.rglob("*.json"):
        entry.write_text('{"format": 1, "findings": [{"rule_id": ')
    again = _run(tree)
    assert (stats.last.hits, stats.last.misses, stats.last.writes) == (0, 2, 2)
    assert again.findings == expected


def test_no_cache_neither_reads_nor_writes(tree: Path, _isolated_cache: Path) -> None:
    _run(tree, use_cache=False)
    assert list(_isolated_cache.rglob("*.json")) == []


def test_entries_are_json_and_round_trip(tree: Path, _isolated_cache: Path) -> None:
    findings = _run(tree).findings
    entries = [json.loads(p.read_text()) for p in _isolated_cache.rglob("*.json") if p.parent.name != "index"]
    assert sorted(len(e["findings"]) for e in entries) == [0, 1]
    stored = next(cache.decode(e) for e in entries if e["findings"])
    assert stored.findings == tuple(findings)
    assert not list(_isolated_cache.rglob(".tmp-*"))


def test_key_depends_on_rules_paths_and_bytes() -> None:
    base = cache.package_key("r", "go", "p", [("a.go", b"x")])
    assert base == cache.package_key("r", "go", "p", [("a.go", b"x")])
    assert base != cache.package_key("r2", "go", "p", [("a.go", b"x")])
    assert base != cache.package_key("r", "go", "p", [("b.go", b"x")])
    assert base != cache.package_key("r", "go", "p", [("a.go", b"y")])
    assert base != cache.package_key("r", "go", "p", [("a.go", b"x")], context="svc")


# -- the stat index: unchanged packages are not even read ---------------------------------------
def _age(tree: Path, seconds: float = 60.0) -> None:
    """Dates every file under `tree` (or the file `tree`) `seconds` back, past the racy window."""
    import os
    import time

    for path in tree.rglob("*.go") if tree.is_dir() else [tree]:
        past = time.time() - seconds
        os.utime(path, (past, past))


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    real = driver.read_source
    monkeypatch.setattr(driver, "read_source", lambda path, *rest: read.append(path) or real(path, *rest))
    return read


def test_unchanged_tree_is_answered_from_the_index_without_reading(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _age(tree)
    first = _run(tree)
    read = _reads(monkeypatch)
    second = _run(tree)
    assert read == []
    assert second.findings == first.findings and len(first.findings) == 1
    assert second.unused_directives == first.unused_directives and len(first.unused_directives) == 1
    assert second.files_checked == 2


def test_unchanged_tree_decodes_the_last_run_not_each_package(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _age(tree)
    first = _run(tree)
    _run(tree)  # the first run wrote the index; this one stores the merged run once more only if it differs
    decoded: list[str] = []
    real = stat_index.StatIndex.stored
    monkeypatch.setattr(stat_index.StatIndex, "stored", lambda self, key: decoded.append(key) or real(self, key))
    read = _reads(monkeypatch)
    third = _run(tree)
    assert decoded == [] and read == []
    assert third.findings == first.findings and third.unused_directives == first.unused_directives
    (tree / "svc" / "probe.go").write_text(LEAK.replace("return nil", "return resp.Body.Close()"))
    _age(tree / "svc" / "probe.go", 30)
    assert _run(tree).findings == []
    assert [key.rsplit("/", 1)[-1] for key in decoded] == ["other"] and read == [str(tree / "svc" / "probe.go")]


def test_a_package_never_indexed_leaves_the_last_run_answering_for_the_others(tree: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "svc" / "bad.go").write_bytes(b"package svc\n\xff\xfe\n")  # svc is read on every run
    _age(tree)
    first = _run(tree)
    decoded: list[str] = []
    real = stat_index.StatIndex.stored
    monkeypatch.setattr(stat_index.StatIndex, "stored", lambda self, key: decoded.append(key) or real(self, key))
    read = _reads(monkeypatch)
    second = _run(tree)
    assert decoded == [] and sorted(read) == sorted(str(p) for p in (tree / "svc").iterdir())
    assert (second.findings, second.errors, second.unused_directives) == (first.findings, first.errors,
                                                                          first.unused_directives)
    assert len(second.findings) == len(second.errors) == len(second.unused_directives) == 1


def test_edited_file_is_read_again(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _age(tree, 120)
    _run(tree)
    (tree / "svc" / "probe.go").write_text(LEAK.replace("return nil", "return resp.Body.Close()"))
    _age(tree / "svc" / "probe.go", 60)  # an edit with an older-looking mtime still changes the signature
    read = _reads(monkeypatch)
    assert _run(tree).findings == []
    assert read == [str(tree / "svc" / "probe.go")]


def test_file_modified_just_now_is_not_trusted(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(tree)  # the files were just written: inside the racy window, so not indexed
    read = _reads(monkeypatch)
    _run(tree)
    assert sorted(read) == sorted(str(p) for p in tree.rglob("*.go"))


def test_unreadable_file_is_reported_on_every_run(tree: Path) -> None:
    (tree / "svc" / "bad.go").write_bytes(b"package svc\n\xff\xfe\n")
    _age(tree)
    for _ in range(2):
        result = _run(tree)
        assert [(e.path, e.message) for e in result.errors] == [(str(tree / "svc" / "bad.go"), "invalid UTF-8 at byte 12")]
        assert len(result.findings) == 1


def test_new_package_invalidates_the_index(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _age(tree)
    _run(tree)
    (tree / "third").mkdir()
    (tree / "third" / "t.go").write_text(LEAK.replace("package svc", "package third"))
    _age(tree)
    read = _reads(monkeypatch)
    assert len(_run(tree).findings) == 2
    assert len(read) == 3  # the tree changed: every package's result may depend on it


def test_index_files_are_bounded(tree: Path, _isolated_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stat_index, "MAX_INDEXES", 2)
    _age(tree)
    for paths in ([tree / "svc"], [tree / "other"], [tree]):
        rules = tuple(load_rules(driver.default_rule_dirs()))
        driver.run([str(p) for p in paths], driver.Settings(rules, root=str(tree), jobs=1))
    indexes = [path.name for path in (_isolated_cache / "index").glob("*.json")]
    assert len([name for name in indexes if not name.endswith(stat_index.TEXTS)]) == 2
    assert len([name for name in indexes if name.endswith(stat_index.TEXTS)]) == 2  # one per index kept


def test_clean_removes_the_cache(tree: Path, _isolated_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from leaklint_gopy.cli import main

    _run(tree)
    assert main(["clean"]) == 0
    assert not _isolated_cache.exists()
    assert main(["clean"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"removed the leaklint cache at {_isolated_cache}",
                                                 f"no cache at {_isolated_cache}"]


SUBREAPER = Path(__file__).resolve().parent.parent / "fixtures" / "go" / "go-process-not-waited" / "subreaper"
IDLE_MAIN = 'package main\n\nimport (\n\t"os"\n\n\t_ "github.com/acme/reap"\n)\n\nfunc main() { os.Exit(0) }\n'


@pytest.fixture
def idle_shim(tmp_path: Path) -> Path:
    """The subreaper module with a main that does not reap: the packages below it watch what it
    imports, `os` and a module not downloaded, neither with files here."""
    import shutil

    tree = tmp_path / "subreaper"
    shutil.copytree(SUBREAPER, tree)
    (tree / "cmd" / "shim" / "main.go").write_text(IDLE_MAIN)
    _age(tree)
    return tree


def test_packages_watching_packages_without_files_are_answered_from_the_index(idle_shim: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    first = _run(idle_shim)
    _run(idle_shim)
    decoded: list[str] = []
    real = stat_index.StatIndex.stored
    monkeypatch.setattr(stat_index.StatIndex, "stored", lambda self, key: decoded.append(key) or real(self, key))
    read = _reads(monkeypatch)
    third = _run(idle_shim)
    assert read == [] and decoded == []
    assert third.findings == first.findings and sorted(f.span.line for f in first.findings) == [9, 11]


def test_a_watched_package_whose_files_appear_is_read_again(idle_shim: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(idle_shim)
    _run(idle_shim)
    vendored = idle_shim / "vendor" / "github.com" / "acme" / "reap" / "reap.go"
    vendored.parent.mkdir(parents=True)
    vendored.write_text("package reap\n")
    _age(vendored)
    read = _reads(monkeypatch)
    _run(idle_shim)
    assert str(idle_shim / "cmd" / "shim" / "logging" / "logging.go") in read


def test_a_package_of_the_module_created_after_a_run_that_imported_it_is_read(tmp_path: Path) -> None:
    """A package of the module's own path that the checked package imports but that does not exist
    yet is watched as having no files: once it is written, the importer is checked again (its
    helper may now keep or close what it is given)."""
    (tmp_path / "go.mod").write_text("module example.com/g8\n\ngo 1.19\n")
    user = tmp_path / "a" / "a.go"
    user.parent.mkdir()
    user.write_text('package a\n\nimport (\n\t"os"\n\n\t"example.com/g8/b"\n)\n\n'
                    'func Use(p string) {\n\tf, _ := os.Open(p)\n\tb.Done(f)\n}\n')
    _age(tmp_path)
    rules = tuple(load_rules(driver.default_rule_dirs()))

    def run() -> driver.RunResult:
        return driver.run([str(tmp_path / "a")], driver.Settings(rules, root=str(tmp_path), jobs=1, use_cache=True))

    assert not run().findings  # b.Done is unknown: the call hands the file over
    helper = tmp_path / "b" / "b.go"
    helper.parent.mkdir()
    helper.write_text('package b\n\nimport "os"\n\n// Done keeps nothing.\nfunc Done(f *os.File) { _ = f.Name() }\n')
    _age(helper)
    fresh = driver.run([str(tmp_path / "a")], driver.Settings(rules, root=str(tmp_path), jobs=1, use_cache=False))
    assert [f.rule_id for f in fresh.findings] == ["LL103"]
    assert [f.rule_id for f in run().findings] == ["LL103"]


def test_a_module_required_at_another_version_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package from the module cache is signed by the files it is read from now: after go.mod
    requires another version, the old version's files are unchanged but no longer the package's,
    and its importer is checked again (v1.1.0's Done no longer closes the file)."""
    cache_dir, app = tmp_path / "mc", tmp_path / "app"
    for version, body in (("v1.0.0", "f.Close()"), ("v1.1.0", "_ = f.Name()")):
        module = cache_dir / "example.com" / f"dep@{version}"
        module.mkdir(parents=True)
        (module / "go.mod").write_text("module example.com/dep\n\ngo 1.21\n")
        (module / "dep.go").write_text(f'package dep\n\nimport "os"\n\n// Done ends the use of f.\nfunc Done(f *os.File) {{ {body} }}\n')
    app.mkdir()
    (app / "main.go").write_text('package app\n\nimport (\n\t"os"\n\n\t"example.com/dep"\n)\n\n'
                                 'func Use(p string) error {\n\tf, err := os.Open(p)\n\tif err != nil {\n\t\treturn err\n\t}\n'
                                 '\tdep.Done(f)\n\treturn nil\n}\n')
    monkeypatch.setenv("GOMODCACHE", str(cache_dir))
    (app / "go.mod").write_text("module example.com/app\n\ngo 1.21\n\nrequire example.com/dep v1.0.0\n")
    _age(tmp_path)
    assert _run(app).findings == [] and _run(app).findings == []
    (app / "go.mod").write_text("module example.com/app\n\ngo 1.21\n\nrequire example.com/dep v1.1.0\n")
    fresh = [(f.rule_id, f.span.line) for f in _run(app, use_cache=False).findings]
    assert fresh == [("LL103", 10)]
    assert [(f.rule_id, f.span.line) for f in _run(app).findings] == fresh
    assert [(f.rule_id, f.span.line) for f in _run(app).findings] == fresh
