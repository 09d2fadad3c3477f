"""Programs reaping every child (frontends/go/reaping.py) and the result cache: a package under a
main package is checked again when that main package starts or stops reaping."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "go" / "go-process-not-waited" / "subreaper"


def _findings(tree: Path, cache: Path) -> list[str]:
    env = {**os.environ, "LEAKLINT_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-m", "leaklint_gopy", "check", "--format", "concise", str(tree)],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    return sorted(line.split(": ", 1)[0].rsplit("/", 1)[-1] for line in done.stdout.splitlines() if " LL109 " in line)


def test_a_main_package_that_starts_reaping_quiets_the_cached_packages_below_it(tmp_path: Path) -> None:
    tree, cache = tmp_path / "subreaper", tmp_path / "cache"
    shutil.copytree(FIXTURE, tree)
    main = tree / "cmd" / "shim" / "main.go"
    reaping = main.read_text()
    main.write_text("package main\n\nfunc main() {}\n")  # no reaping loop: the shim's children are zombies
    assert "logging.go:11:12" in _findings(tree, cache)
    main.write_text(reaping)
    assert not [f for f in _findings(tree, cache) if f.startswith("logging.go")]
    assert _findings(tree, cache) == _findings(tree, tmp_path / "fresh-cache")
