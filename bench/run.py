"""Times `leaklint check` on real corpora, cold and warm, beside peer linters; writes bench/RESULTS.md.

Every command runs under a small wrapper process so that CPU time and peak RSS (the largest single
process, workers included) come from that command alone. Peers run from bench/.peers
(`python -m venv bench/.peers && bench/.peers/bin/pip install ruff pylint`); missing ones are skipped.

    .venv/bin/python bench/run.py [--runs 3] [--quick] [--only go,python,precommit,startup]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEERS = HERE / ".peers" / "bin"
GO_SRC = Path("/usr/lib/go-1.19/src")
PY_SRC = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
HEAVY_IMPORTS = ("libcst", "astroid", "tree_sitter")
QUICK_PYLINT_DIRS = ("email", "http", "urllib", "json", "logging", "xml")
WRAPPER = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=sys.argv[1])
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_kb": usage.ru_maxrss,
                  "status": done.returncode, "stderr": done.stderr.decode(errors="replace")[-400:]}))
"""


@dataclass(frozen=True, slots=True)
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    status: int


@dataclass(frozen=True, slots=True)
class Row:
    corpus: str
    tool: str
    mode: str
    files: int
    lines: int
    sample: Sample

    def cells(self) -> list[str]:
        s = self.sample
        rate = (f"{self.files / s.wall:,.0f}", f"{self.lines / s.wall:,.0f}") if s.wall else ("-", "-")
        return [self.corpus, self.tool, self.mode, f"{s.wall:.2f}", f"{s.cpu:.2f}", f"{s.rss_mb:.0f}", *rate,
                str(s.status)]


def measure(command: list[str], runs: int, env: dict[str, str] | None = None, before=None) -> Sample:
    """Returns the median wall, CPU and peak RSS of `runs` runs of `command` (`before()` runs first each time)."""
    samples = []
    for _ in range(runs):
        if before is not None:
            before()
        out = subprocess.run([sys.executable, "-c", WRAPPER, os.getcwd(), *command], capture_output=True,
                             text=True, env={**os.environ, **(env or {})}, check=True)
        data = json.loads(out.stdout)
        if data["status"] not in (0, 1):
            print(f"  warning: {command[0]} exited {data['status']}: {data['stderr'].strip()[-200:]}", file=sys.stderr)
        samples.append(Sample(data["wall"], data["cpu"], data["rss_kb"] / 1024, data["status"]))
    return Sample(statistics.median(s.wall for s in samples), statistics.median(s.cpu for s in samples),
                  statistics.median(s.rss_mb for s in samples), samples[-1].status)


def corpus_size(paths: list[Path]) -> tuple[int, int]:
    """Returns the number of files leaklint analyses under `paths` and their lines."""
    from leaklint.discovery import discover

    files, _ = discover([str(p) for p in paths])
    lines = 0
    for f in files:
        with open(f.path, "rb") as handle:
            lines += handle.read().count(b"\n")
    return len(files), lines


def leaklint(paths: list[Path], *extra: str) -> list[str]:
    return [str(REPO / ".venv" / "bin" / "leaklint"), "check", *map(str, paths), "-q", "--exit-zero", *extra]


def leaklint_rows(corpus: str, paths: list[Path], runs: int, modes=("cold", "warm")) -> list[Row]:
    """Returns leaklint's cold run (fresh cache directory) and warm run (primed cache) on `paths`."""
    files, lines = corpus_size(paths)
    rows = []
    with tempfile.TemporaryDirectory(prefix="leaklint-bench-") as scratch:
        cache = Path(scratch) / "cache"
        env = {"LEAKLINT_CACHE_DIR": str(cache)}
        if "cold" in modes:
            sample = measure(leaklint(paths), runs, env, before=lambda: shutil.rmtree(cache, ignore_errors=True))
            rows.append(Row(corpus, "leaklint", "cold", files, lines, sample))
        if "warm" in modes:
            subprocess.run(leaklint(paths), env={**os.environ, **env}, capture_output=True, check=False)
            rows.append(Row(corpus, "leaklint", "warm", files, lines, measure(leaklint(paths), runs, env)))
    return rows


def go_rows(runs: int) -> list[Row]:
    rows = leaklint_rows("Go stdlib", [GO_SRC], runs)
    files, lines = corpus_size([GO_SRC])
    rows.append(Row("Go stdlib", "leaklint --jobs 1", "cold", files, lines,
                    measure(leaklint([GO_SRC], "--jobs", "1", "--no-cache"), runs)))
    return rows


def python_rows(runs: int, quick: bool) -> list[Row]:
    rows = leaklint_rows("CPython stdlib", [PY_SRC], runs)
    files, lines = corpus_size([PY_SRC])
    ruff = PEERS / "ruff"
    if ruff.exists():
        command = [str(ruff), "check", "--no-cache", "--select", "SIM115", "--exit-zero", "--quiet", str(PY_SRC)]
        rows.append(Row("CPython stdlib", "ruff SIM115", "cold", files, lines, measure(command, runs)))
    subset = [PY_SRC / name for name in QUICK_PYLINT_DIRS] if quick else [PY_SRC]
    label = "CPython subset" if quick else "CPython stdlib"
    pylint = PEERS / "pylint"
    if pylint.exists():
        if quick:
            rows += leaklint_rows(label, subset, runs, modes=("cold",))
        sub_files, sub_lines = corpus_size(subset)
        command = [str(pylint), "--disable=all", "--enable=consider-using-with", "--recursive=y",
                   "--ignore=site-packages", "--exit-zero", "--persistent=n", "-sn", *map(str, subset)]
        rows.append(Row(label, "pylint consider-using-with", "cold", sub_files, sub_lines,
                        measure(command, 1 if not quick else runs)))
    return rows


def precommit_rows(runs: int) -> list[Row]:
    """Returns one-file and 20-file runs (cold and warm) in the Go tree, as pre-commit would run them."""
    http = sorted(p for p in (GO_SRC / "net" / "http").glob("*.go") if not p.name.endswith("_test.go"))
    one, twenty = [GO_SRC / "net" / "http" / "client.go"], http[:20]
    rows = []
    for label, paths in (("one file", one), ("20 files", twenty)):
        rows += leaklint_rows(f"pre-commit, {label}", paths, runs)
    return rows


def startup_report(runs: int) -> tuple[str, Sample]:
    """Returns the heavy modules `leaklint --version` imports (should be none) and its timing."""
    out = subprocess.run([str(REPO / ".venv" / "bin" / "python"), "-X", "importtime", "-m", "leaklint", "--version"],
                         capture_output=True, text=True, check=False)
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if "|" in line}
    heavy = sorted(m for m in imported if m.split(".")[0] in HEAVY_IMPORTS)
    sample = measure([str(REPO / ".venv" / "bin" / "leaklint"), "--version"], max(runs, 5))
    return (", ".join(heavy) or "none"), sample


def python_rules() -> int:
    """Returns how many bundled rules are for Python."""
    from leaklint.driver import default_rule_dirs
    from leaklint.spec import load_rules

    return sum(1 for rule in load_rules(default_rule_dirs()) if rule.language == "python")


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {model}, Python {platform.python_version()}"


def ratios(rows: list[Row]) -> list[str]:
    """Returns `peer / leaklint cold` wall and RSS ratios for each peer row of a corpus."""
    lines = []
    for peer in rows:
        if peer.tool.startswith("leaklint"):
            continue
        ours = next((r for r in rows if r.corpus == peer.corpus and r.tool == "leaklint" and r.mode == "cold"), None)
        if ours and ours.sample.wall:
            lines.append(f"- {peer.corpus}: {peer.tool} takes {peer.sample.wall / ours.sample.wall:.2f}x leaklint's "
                         f"cold wall time and {peer.sample.rss_mb / ours.sample.rss_mb:.2f}x its peak RSS")
    return lines


def render(rows: list[Row], startup: tuple[str, Sample] | None, runs: int, quick: bool) -> str:
    header = ["corpus", "tool", "mode", "wall s", "CPU s", "peak RSS MB", "files/s", "lines/s", "exit"]
    table = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    table += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    sizes = sorted({(r.corpus, r.files, r.lines) for r in rows})
    text = ["# leaklint benchmarks", "", f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}", f"- machine: {machine()}",
            (f"- median of {runs} runs{' (--quick: pylint on a subset)' if quick else ''}; CPU is user+system of "
             "the command and its workers; peak RSS is the largest single process"), "",
            *[f"- {corpus}: {files:,} files, {lines:,} lines" for corpus, files, lines in sizes], "", *table, ""]
    text += ratios(rows)
    if any(r.corpus.startswith("CPython") for r in rows) and not python_rules():
        text += ["", ("Caution: this leaklint has no Python rules and no Python front-end yet, so its CPython rows "
                      "measure discovery, reading and the suppression scan only; the CPython ratios are not like for like.")]
    if startup is not None:
        heavy, sample = startup
        text += ["", (f"Start-up: `leaklint --version` {sample.wall * 1000:.0f} ms wall, {sample.rss_mb:.0f} MB; "
                      f"heavy modules imported (libcst, astroid, tree_sitter): {heavy}")]
    return "\n".join(text) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="run pylint on a subset of the CPython stdlib")
    parser.add_argument("--only", default="go,python,precommit,startup")
    parser.add_argument("-o", "--output", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    rows: list[Row] = []
    if "go" in wanted and GO_SRC.is_dir():
        rows += go_rows(args.runs)
    if "python" in wanted and PY_SRC.is_dir():
        rows += python_rows(args.runs, args.quick)
    if "precommit" in wanted and GO_SRC.is_dir():
        rows += precommit_rows(args.runs)
    startup = startup_report(args.runs) if "startup" in wanted else None
    report = render(rows, startup, args.runs, args.quick)
    sys.stdout.write(report)
    Path(args.output).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
