"""SARIF from real runs of the CLI passes shared/sarif/check.sh --strict: the OASIS schema, the
upload action's schema check, and Microsoft's multitool with GitHub's ingestion rules."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CANDIDATES = [Path(os.environ["LEAKLINT_SARIF_CHECK"])] if os.environ.get("LEAKLINT_SARIF_CHECK") else []
CANDIDATES += [REPO.parent / "shared" / "sarif" / "check.sh", Path("/work/shared/sarif/check.sh")]
CHECK = next((p for p in CANDIDATES if p.is_file()), None)

pytestmark = [
    pytest.mark.skipif(CHECK is None, reason="shared/sarif/check.sh is not beside the checkout"),
    pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")), reason="node and npm are needed by check.sh"),
]

UNICODE_LEAK = """\
package svc

import "net/http"

// Probe 😀 checks: the emoji shift UTF-16 columns.
func Probe(u string) int {
\tlabel := "😀—中文"; resp, err := http.Get(u)
\tif err != nil {
\t\treturn len(label)
\t}
\treturn resp.StatusCode
}

func Quiet(u string) int {
\tresp, err := http.Get(u) //leaklint:ignore LL101 closed by the caller's middleware
\tif err != nil {
\t\treturn 0
\t}
\treturn resp.StatusCode
}
"""


def leaklint(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "leaklint_gopy", *argv], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def sarif_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("sarif")
    tree = tmp_path_factory.mktemp("tree")
    (tree / "svc").mkdir()
    (tree / "svc" / "probe.go").write_text(UNICODE_LEAK, encoding="utf-8")
    (tree / "svc" / "broken.go").write_bytes(b"package svc\n\nimport \"net/http\"\n\nvar s = \"\xff\"\n"
                                             b"var r, _ = http.Get(s)\n")
    (tree / "sp ace é").mkdir()
    (tree / "sp ace é" / "a#1.go").write_text(UNICODE_LEAK.replace("\tresp, err := http.Get(u) //leaklint", "\tresp, err := http.Get(u) //nolint:bodyclose\n\t_ = 1 //leaklint"))
    runs = [
        (REPO, ["check", "fixtures", "examples", "--format", "sarif", "-o", str(out / "fixtures.sarif")], 1),
        (tree, ["check", "--format", "sarif", "--sarif-include-suppressed", "--report-unused-ignores",
                "-o", str(out / "unicode.sarif")], 1),
        (tree, ["check", "--format", "sarif", "--select", "LL102", "-o", str(out / "empty.sarif")], 0),
    ]
    for k in (1, 2, 3):
        shard = ["--shard", f"{k}/3", "-o", str(out / f"s{k}.sarif")]
        runs.append((REPO, ["check", "fixtures", "examples", "--format", "sarif", *shard], None))
    for cwd, argv, status in runs:
        done = leaklint(*argv, cwd=cwd)
        assert done.returncode == status or (status is None and done.returncode in (0, 1)), done.stderr
    shards = [str(out / f"s{k}.sarif") for k in (3, 1, 2)]
    done = leaklint("merge", *shards, "-o", str(out / "merged.sarif"), cwd=REPO)
    assert done.returncode == 0, done.stderr
    return [out / name for name in ("fixtures.sarif", "unicode.sarif", "empty.sarif", "merged.sarif")]


def test_every_sarif_passes_check_sh_strict(sarif_files):
    done = subprocess.run(["bash", str(CHECK), "--strict", *map(str, sarif_files)], capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    for path in sarif_files:
        assert f"== {path}: PASS (0 errors, 0 warnings)" in done.stdout
        assert f"{path}: OK (upload-sarif schema check)" in done.stdout
        assert f"{path}: OK (multitool Sarif;Gh strict)" in done.stdout


def test_merged_shards_equal_the_whole_run(sarif_files, tmp_path):
    whole = tmp_path / "whole.sarif"
    assert leaklint("check", "fixtures", "examples", "--format", "sarif", "-o", str(whole), cwd=REPO).returncode == 1
    merged = next(p for p in sarif_files if p.name == "merged.sarif")
    assert merged.read_text() == whole.read_text()


def test_results_in_test_files_are_tagged(sarif_files):
    import json

    document = json.loads(next(p for p in sarif_files if p.name == "fixtures.sarif").read_text())
    results = document["runs"][0]["results"]
    uri = lambda r: r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]  # noqa: E731
    # Test files: `_test.go`, `test_*.py`, `*_test.py`, `conftest.py` and files under `tests/`
    is_test = lambda u: u.endswith(("_test.go", "_test.py", "/conftest.py")) or "/test_" in u  # noqa: E731
    tagged = {uri(r) for r in results if r.get("properties", {}).get("tags") == ["test"]}
    assert tagged and all(is_test(u) for u in tagged)
    assert any(u.endswith("_test.go") for u in tagged)
    assert all(r.get("properties", {}).get("tags") == ["test"] for r in results if is_test(uri(r)))
