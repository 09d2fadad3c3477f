"""Go packages are named by import path (go.mod), the same from any working directory, and a
tree directory never stands in for a standard-library package of the same last name."""
from __future__ import annotations

from pathlib import Path

import pytest

from leaklint_gopy import driver
from leaklint_gopy.discovery import discover
from leaklint_gopy.spec import load_rules

RULES = tuple(load_rules(driver.default_rule_dirs()))

PROBE = """package svc

import "net/http"

func Probe(c *http.Client, u string) error {
\tresp, err := c.Get(u)
\tif err != nil {
\t\treturn err
\t}
\t_ = resp
\treturn nil
}
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _packages(paths: list[str]) -> dict[str, str]:
    files, _ = discover(paths)
    return {Path(f.path).name: f.package for f in files}


def _findings(root: Path) -> list[tuple[str, int, str]]:
    result = driver.run([str(root)], driver.Settings(RULES, root=str(root), use_cache=False, jobs=1))
    return [(Path(f.span.path).name, f.span.line, f.rule_id) for f in result.findings]


@pytest.mark.parametrize("directory", ["http", "net/http", "internal/http"])
def test_a_tree_directory_named_like_a_standard_package_does_not_hide_its_leaks(tmp_path: Path,
                                                                                directory: str) -> None:
    _write(tmp_path, {f"{directory}/h.go": "package http\n\nfunc Helper() int { return 1 }\n", "svc/s.go": PROBE})
    assert _findings(tmp_path) == [("s.go", 6, "LL101")]


def test_packages_are_named_by_module_path_from_any_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"app/go.mod": "// the app\nmodule example.com/app\n\ngo 1.19\n", "app/main.go": "package main\n",
                      "app/internal/db/db.go": "package db\n"})
    expected = {"main.go": "example.com/app", "db.go": "example.com/app/internal/db"}
    monkeypatch.chdir(tmp_path)
    assert _packages(["app"]) == expected
    monkeypatch.chdir(tmp_path / "app" / "internal")
    assert _packages([str(tmp_path / "app")]) == expected


def test_the_go_tree_itself_is_named_by_bare_paths(tmp_path: Path) -> None:
    _write(tmp_path, {"src/go.mod": "module std\n", "src/net/http/client.go": "package http\n",
                      "src/cmd/go.mod": "module cmd\n", "src/cmd/go/main.go": "package main\n"})
    assert _packages([str(tmp_path / "src")]) == {"client.go": "net/http", "main.go": "cmd/go"}


def test_without_go_mod_a_package_is_its_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"pkg/a/a.go": "package a\n"})
    monkeypatch.chdir(tmp_path)
    assert _packages(["pkg"]) == {"a.go": "pkg/a"}


def test_two_modules_claiming_one_path_keep_their_directories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"one/go.mod": "module example.com/x\n", "one/a.go": "package x\n",
                      "two/go.mod": "module example.com/x\n", "two/b.go": "package x\n"})
    monkeypatch.chdir(tmp_path)
    assert _packages(["."]) == {"a.go": "one", "b.go": "two"}


def test_findings_do_not_depend_on_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"repo/go.mod": "module example.com/repo\n", "repo/svc/s.go": PROBE,
                      "repo/http/h.go": "package http\n\nfunc Helper() int { return 1 }\n"})
    seen = []
    for cwd in (tmp_path, tmp_path / "repo", tmp_path / "repo" / "svc"):
        monkeypatch.chdir(cwd)
        result = driver.run([str(tmp_path / "repo")], driver.Settings(RULES, root=str(tmp_path), use_cache=False, jobs=1))
        seen.append([(f.span.line, f.rule_id, f.message, f.key) for f in result.findings])
    assert seen[0] == seen[1] == seen[2] and len(seen[0]) == 1
