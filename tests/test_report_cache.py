"""The report cache and the stat index's texts file: a warm run where nothing changed writes the
last output without formatting it; any change to what the output is a function of is seen."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leaklint_gopy import baseline, cache, cli, report, stat_index
from test_cache import LEAK  # a probe leaving the body open on a non-200 status
from test_config import CUSTOM_RULE  # LL901, a blob rule of the project's own
from test_config import FILE_LEAK as BLOB_LEAK  # a blob left open on an error path

FIXED = LEAK.replace("\tif resp.StatusCode != 200 {\n\t\treturn nil\n\t}\n", "")

SECOND = """package svc

import "net/http"

func Fetch(c *http.Client) int {
\tresp, _ := c.Get("x")
\treturn resp.StatusCode
}
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "probe.go").write_text(LEAK)
    (tmp_path / "go.mod").write_text("module example.com/m\n\ngo 1.21\n")
    # (no racy window: a file is trusted by its signature at once; dating files back would change
    # their ctime, so every change here would also be an edit of every file)
    monkeypatch.setattr(stat_index, "RACY_SECONDS", 0.0)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(capsys: pytest.CaptureFixture[str], *extra: str, fmt: str = "sarif") -> tuple[int, str, str]:
    """Runs `check` writing `fmt` to out.<fmt>; returns the status, the report and stderr."""
    status = cli.main(["check", "--format", fmt, "-o", f"out.{fmt}", *extra, "svc"])
    return status, Path(f"out.{fmt}").read_text(), capsys.readouterr().err


def _formats(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records the formats a reporter was asked to write."""
    asked: list[str] = []
    real = report.get
    monkeypatch.setattr(report, "get", lambda name: asked.append(name) or real(name))
    return asked


def test_an_unchanged_tree_replays_the_last_output_byte_identical(tree: Path, capsys, monkeypatch) -> None:
    cold = _check(capsys, "--no-cache")
    first = _check(capsys)
    asked = _formats(monkeypatch)
    second = _check(capsys)
    assert asked == []  # nothing formatted: the stored output was written
    assert second == first == cold and cold[0] == 1 and "1 leak" in cold[2]
    third = _check(capsys, fmt="text")
    assert asked == ["text"] and third[0] == 1 and "probe.go:6" in third[1]  # another presentation


@pytest.mark.parametrize("change", ["edit", "new file", "deleted file", "gitignore", "config", "rules", "engine",
                                    "option", "baseline"])
def test_any_change_to_what_the_output_depends_on_is_seen(change: str, tree: Path, capsys, monkeypatch) -> None:
    (tree / "svc" / "fetch.go").write_text(SECOND)
    (tree / "svc" / "size.go").write_text(BLOB_LEAK)
    (tree / "my-rules").mkdir()
    (tree / "my-rules" / "go-blob-not-closed.toml").write_text(CUSTOM_RULE)
    (tree / "base.json").write_text(baseline.dumps([], str(tree)))
    extra = ["--rules-dir", "my-rules", "--baseline", "base.json"]
    _check(capsys, *extra)
    before = _check(capsys, *extra)
    assert before[0] == 1 and "LL901" in before[1] and "fetch.go" in before[1]
    if change == "edit":
        (tree / "svc" / "probe.go").write_text(FIXED)
    elif change == "new file":
        (tree / "svc" / "third.go").write_text(SECOND.replace("Fetch", "Third"))
    elif change == "deleted file":
        (tree / "svc" / "fetch.go").unlink()
    elif change == "gitignore":
        (tree / "svc" / ".gitignore").write_text("fetch.go\n")  # (a new name in the directory's listing)
    elif change == "config":
        (tree / "leaklint.toml").write_text('[severity]\nLL101 = "note"\n')
    elif change == "rules":
        spec = tree / "my-rules" / "go-blob-not-closed.toml"
        spec.write_text(spec.read_text().replace('severity = "warning"', 'severity = "error"'))
    elif change == "engine":
        monkeypatch.setattr(cache, "engine_digest", lambda: "another build")
    elif change == "option":
        extra.append("--exit-zero")
    elif change == "baseline":
        assert cli.main(["baseline", "--rules-dir", "my-rules", "-o", "base.json", "svc"]) == 0
        capsys.readouterr()
    asked = _formats(monkeypatch)
    after = _check(capsys, *extra)
    assert asked == ["sarif"]  # formatted anew, not replayed
    assert after == _check(capsys, "--no-cache", *extra)
    assert after != before or change == "engine"  # (another build: the same output, made again)


def test_a_texts_file_of_another_generation_is_not_read(tree: Path, _isolated_cache: Path, capsys) -> None:
    leaky = _check(capsys)
    texts = [p for p in (_isolated_cache / "index").iterdir() if p.name.endswith(stat_index.TEXTS)]
    assert len(texts) == 1
    kept = texts[0].read_bytes()  # its results hold the leak
    (tree / "svc" / "probe.go").write_text(FIXED)
    fixed = _check(capsys)
    assert fixed[0] == 0 and fixed != leaky
    texts[0].write_bytes(kept)  # Ex) a concurrent run's texts, written after this index
    shutil.rmtree(_isolated_cache / "report")
    again = _check(capsys)
    assert again == fixed == _check(capsys, "--no-cache")


def test_a_stored_output_cut_short_is_not_replayed(tree: Path, _isolated_cache: Path, capsys, monkeypatch) -> None:
    first = _check(capsys)
    second = _check(capsys)
    (stored,) = (_isolated_cache / "report").iterdir()
    stored.write_bytes(stored.read_bytes()[:-10])
    asked = _formats(monkeypatch)
    assert _check(capsys) == second == first and asked == ["sarif"]


def test_the_run_after_the_one_that_primed_the_cache_replays_without_a_format_given(tree: Path, capsys,
                                                                                   monkeypatch) -> None:
    (tree / "leaklint.toml").write_text('output-format = "sarif"\n')
    first = cli.main(["check", "-o", "out", "svc"]), Path("out").read_text()
    asked = _formats(monkeypatch)
    assert (cli.main(["check", "-o", "out", "svc"]), Path("out").read_text()) == first and asked == []


def test_the_reports_used_least_recently_are_evicted_first(tmp_path: Path) -> None:
    import os

    from leaklint_gopy import report_cache

    outcome = report_cache.Outcome("report\n", "", 0)
    addresses = [f"{i:040x}" for i in range(report_cache.MAX_REPORTS)]
    for i, address in enumerate(addresses):
        report_cache.save(tmp_path, address, outcome)
        os.utime(tmp_path / "report" / f"{address}.json", ns=(i * 10**9, i * 10**9))  # written in this order
    assert report_cache.load(tmp_path, addresses[0]) == outcome  # the oldest written, replayed now
    report_cache.save(tmp_path, "f" * 40, outcome)
    assert report_cache.load(tmp_path, addresses[0]) == outcome
    assert report_cache.load(tmp_path, addresses[1]) is None  # the least recently used went
