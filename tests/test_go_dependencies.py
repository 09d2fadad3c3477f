"""A dependency's sources, found in the module cache at the version go.mod requires (or through a
replace directive), summarise calls into it like the tree's own functions; the standard library is
never looked up; a changed dependency is seen through the cache; nothing in it is reported."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from leaklint_gopy import driver
from leaklint_gopy.frontends.go.modules import Dependencies
from leaklint_gopy.spec import load_rules

RULES = tuple(load_rules(driver.default_rule_dirs()))

GO_MOD = """module example.com/app

go 1.21

require (
\tgithub.com/BurntSushi/Decoder v1.4.0 // indirect
\texample.org/local v0.0.0
)

replace example.org/local => ../local
"""
DECODER = """package decoder

import (
\t"io"
\t"os"
)

// Decode reads all of r into v; it never closes r.
func Decode(r io.Reader, v *[]byte) error {
\tdata, err := io.ReadAll(r)
\t*v = data
\treturn err
}

// Consume closes what it is given once read.
func Consume(r io.ReadCloser) error {
\tdefer r.Close()
\t_, err := io.ReadAll(r)
\treturn err
}

// Open returns a file the caller must close.
func Open(name string) (*os.File, error) {
\treturn os.Open(name)
}
"""
APP = """package app

import (
\t"os"

\t"github.com/BurntSushi/Decoder/decoder"
)

func load(name string) ([]byte, error) {
\tf, err := os.Open(name)
\tif err != nil {
\t\treturn nil, err
\t}
\tvar v []byte
\treturn v, decoder.Decode(f, &v)
}

func consume(name string) error {
\tf, err := os.Open(name)
\tif err != nil {
\t\treturn err
\t}
\treturn decoder.Consume(f)
}

func peek(name string) {
\tf, _ := decoder.Open(name)
\t_ = f
}
"""


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    root, cache = tmp_path / "app", tmp_path / "modcache"
    files = {root / "go.mod": GO_MOD, root / "app.go": APP,
             cache / "github.com/!burnt!sushi/!decoder@v1.4.0/decoder/decoder.go": DECODER,
             cache / "github.com/!burnt!sushi/!decoder@v1.4.0/decoder/decoder_test.go": "package decoder\n",
             tmp_path / "local/sub/x.go": "package sub\n"}
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    past = time.time() - 60
    for path in tmp_path.rglob("*.go"):
        os.utime(path, (past, past))
    return root, cache


def _findings(root: Path, use_cache: bool = False) -> list[tuple[str, int, str]]:
    result = driver.run([str(root)], driver.Settings(RULES, root=str(root), use_cache=use_cache, jobs=1))
    return [(Path(f.span.path).name, f.span.line, f.rule_id) for f in result.findings]


def test_the_module_cache_path_follows_go_mod_and_its_escaping(tmp_path: Path) -> None:
    root, cache = _tree(tmp_path)
    found = Dependencies({str(root)}, str(cache))
    assert [Path(p).name for p in found.files("github.com/BurntSushi/Decoder/decoder")] == ["decoder.go"]
    assert [Path(p).name for p in found.files("example.org/local/sub")] == ["x.go"]  # replace => a directory
    assert found.files("github.com/BurntSushi/Other") == []  # not required
    assert found.files("encoding/json") == []  # the standard library is the rule specs' to describe
    assert Dependencies({str(root)}, "").files("github.com/BurntSushi/Decoder/decoder") == []


def test_calls_into_a_cached_dependency_are_summarised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache = _tree(tmp_path)
    monkeypatch.setenv("GOMODCACHE", str(cache))
    # Decode only reads f; Consume closes it; Open returns a file
    assert _findings(root) == [("app.go", 10, "LL103"), ("app.go", 27, "LL103")]
    monkeypatch.setenv("GOMODCACHE", str(tmp_path / "empty"))
    assert _findings(root) == []  # unknown calls are hand-offs


def test_a_changed_dependency_is_seen_through_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache = _tree(tmp_path)
    monkeypatch.setenv("GOMODCACHE", str(cache))
    assert _findings(root, use_cache=True) == [("app.go", 10, "LL103"), ("app.go", 27, "LL103")]
    source = cache / "github.com/!burnt!sushi/!decoder@v1.4.0/decoder/decoder.go"
    source.write_text(DECODER.replace("\treturn os.Open(name)", "\treturn nil, nil"))
    past = time.time() - 30
    os.utime(source, (past, past))
    assert _findings(root, use_cache=True) == [("app.go", 10, "LL103")]


def test_a_package_using_a_dependency_is_answered_from_the_index_when_nothing_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache = _tree(tmp_path)
    monkeypatch.setenv("GOMODCACHE", str(cache))
    first = _findings(root, use_cache=True)
    read: list[str] = []
    real = driver.read_source
    monkeypatch.setattr(driver, "read_source", lambda path, *rest: read.append(path) or real(path, *rest))
    assert _findings(root, use_cache=True) == first == [("app.go", 10, "LL103"), ("app.go", 27, "LL103")]
    assert read == []  # the dependency's files, outside the walked tree, were signed with the result


def test_a_sibling_package_of_the_module_outside_the_checked_path_is_summarised(tmp_path: Path) -> None:
    # Checking one package of a checkout (frp's server/proxy): its module's other packages are where
    # the go command builds them from, so `msg.WriteMsg(c io.Writer, ...)` is read as a borrow and a
    # helper returning a file as an acquisition, as when the whole tree is checked.
    root = tmp_path / "app"
    files = {root / "go.mod": "module example.com/app\n\ngo 1.21\n",
             root / "helper/helper.go": DECODER.replace("package decoder", "package helper"),
             root / "cmd/app.go": APP.replace("github.com/BurntSushi/Decoder/decoder", "example.com/app/helper")
             .replace("decoder.", "helper.")}
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    result = driver.run([str(root / "cmd")], driver.Settings(RULES, root=str(root), use_cache=False, jobs=1))
    assert [(Path(f.span.path).name, f.span.line, f.rule_id) for f in result.findings] == \
        [("app.go", 10, "LL103"), ("app.go", 27, "LL103")]
    assert Dependencies({str(root)}, "").files("example.com/app/helper") == [str(root / "helper/helper.go")]


@pytest.mark.parametrize("go_mod", ["module github.com/acme/app\n\ngo 1.21\n", None])
def test_a_package_calling_only_a_sibling_packages_helper_is_analysed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, go_mod: str | None) -> None:
    # hugo's publisher calls only helpers.OpenFileForWriting; checked alone, helpers/ lends its exports
    # to the prefilter and its summary to the analysis, in a module or (2018's hugo, built in GOPATH)
    # named by its directory.
    files = {tmp_path / "helper/helper.go": DECODER.replace("package decoder", "package helper"),
             tmp_path / "cmd/app.go": 'package app\n\nimport "github.com/acme/app/helper"\n\n'
                                      'func peek(name string) {\n\tf, _ := helper.Open(name)\n\t_ = f\n}\n'}
    if go_mod is not None:
        files[tmp_path / "go.mod"] = go_mod
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.chdir(tmp_path)
    result = driver.run(["cmd"], driver.Settings(RULES, root=".", use_cache=False, jobs=1))
    assert [(f.span.path, f.span.line, f.rule_id) for f in result.findings] == [("cmd/app.go", 6, "LL103")]
