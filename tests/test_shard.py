"""Sharding: N shards cover the tree once, and their merged SARIF equals one unsharded run's."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leaklint_gopy import cli, driver
from leaklint_gopy.report.merge import merge_files
from leaklint_gopy.spec import load_rules

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The Go fixtures split into one package directory per file, as the working directory."""
    for source in sorted((REPO / "fixtures" / "go").rglob("*.go")):
        target = tmp_path / "src" / f"{source.parent.name}-{source.stem}"
        target.mkdir(parents=True)
        shutil.copy(source, target / source.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _findings(shard: tuple[int, int] | None) -> list:
    rules = tuple(load_rules(driver.default_rule_dirs()))
    return driver.run(["src"], driver.Settings(rules, jobs=1, use_cache=False, shard=shard)).findings


@pytest.mark.parametrize("count", [2, 3, 5])
def test_shards_partition_the_findings(tree: Path, count: int) -> None:
    whole = _findings(None)
    parts = [_findings((k, count)) for k in range(1, count + 1)]
    assert sorted((f for part in parts for f in part), key=lambda f: f.sort_key()) == whole
    assert all(parts), "every shard should hold some of the 25 packages"


@pytest.mark.parametrize("count", [2, 3])
def test_merged_shard_sarif_equals_unsharded_sarif(tree: Path, count: int) -> None:
    common = ["check", "src", "--format", "sarif", "--exit-zero", "--no-cache", "-q"]
    assert cli.main([*common, "-o", "whole.sarif"]) == 0
    for k in range(1, count + 1):
        assert cli.main([*common, "--shard", f"{k}/{count}", "-o", f"part{k}.sarif"]) == 0
    merged = merge_files([tree / f"part{k}.sarif" for k in range(count, 0, -1)])
    assert merged == (tree / "whole.sarif").read_text(encoding="utf-8")
