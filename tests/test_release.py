"""Release hygiene: every version the docs tell users to write is the package's, and the changelog's
top entry is that version (the tag itself is checked by tools/release_check.py at release)."""
from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("release_check", REPO / "tools" / "release_check.py")
release_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(release_check)


def test_docs_changelog_and_package_agree_on_the_version():
    assert release_check.referenced_tags() == {f"v{release_check.version()}"}
    assert release_check.problems(require_tag=False) == []


def test_the_distribution_cannot_be_mistaken_for_the_pypi_leaklint_and_keeps_the_command():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["name"] == "leaklint-gopy"
    assert project["scripts"] == {"leaklint": "leaklint_gopy.cli:main"}


def test_an_internal_error_names_the_clash_with_pypi_leaklint(monkeypatch, capsys):
    from importlib import metadata

    from leaklint_gopy import cli

    def distribution(name: str):
        if name == "leaklint":
            return object()
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", distribution)
    monkeypatch.setattr("leaklint_gopy.driver.run", lambda *a, **k: 1 / 0)
    monkeypatch.setattr("leaklint_gopy.driver.plan", lambda *a, **k: 1 / 0)
    assert cli.main(["check", str(REPO / "examples")]) == 2
    assert "PyPI's unrelated `leaklint` is installed in this environment" in capsys.readouterr().err
