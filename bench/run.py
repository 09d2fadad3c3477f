"""Times `leaklint check` on real corpora, cold and warm, beside peer linters; writes bench/RESULTS.md.

Every command runs under a small wrapper process so that CPU time and peak RSS (the largest single
process, workers included) come from that command alone. Peers run from bench/.peers
(`python -m venv bench/.peers && bench/.peers/bin/pip install ruff pylint semgrep`); missing ones are skipped.
semgrep runs offline (`--metrics=off`, no version check, only the local rules in bench/semgrep/) on the
files leaklint discovers, named one by one, and its findings are counted beside leaklint's.

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
SEMGREP_RULES = HERE / "semgrep"
# leaklint's rules that the local semgrep rules imitate, per corpus language.
COMPARABLE = {"go": ("LL101", "LL102"), "python": ("LL201", "LL202", "LL203")}
GO_SRC = Path("/usr/lib/go-1.19/src")
PY_SRC = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
HEAVY_IMPORTS = ("libcst", "astroid", "tree_sitter")
QUICK_PYLINT_DIRS = ("email", "http", "urllib", "json", "logging", "xml")
WRAPPER = r"""
import json, os, resource, signal, subprocess, sys, time
start = time.perf_counter()
limit = float(sys.argv[2]) or None
child = subprocess.Popen(sys.argv[3:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=sys.argv[1],
                         start_new_session=True)
try:
    stderr = child.communicate(timeout=limit)[1]
    status = child.returncode
except subprocess.TimeoutExpired:
    os.killpg(child.pid, signal.SIGKILL)  # the whole group: semgrep's engine runs in its own processes
    stderr, status = child.communicate()[1], "timeout"
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_kb": usage.ru_maxrss,
                  "status": status, "stderr": stderr.decode(errors="replace")[-400:]}))
"""
PEER_TIMEOUT = 900.0  # seconds; a peer still running then is killed and reported as "timeout"


@dataclass(frozen=True, slots=True)
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    status: int | str  # the exit status, or "timeout"


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
        wall = f"> {s.wall:.0f}" if s.status == "timeout" else f"{s.wall:.2f}"
        return [self.corpus, self.tool, self.mode, wall, f"{s.cpu:.2f}", f"{s.rss_mb:.0f}", *rate, str(s.status)]


def measure(command: list[str], runs: int, env: dict[str, str] | None = None, before=None,
            timeout: float = 0.0) -> Sample:
    """Returns the median wall, CPU and peak RSS of `runs` runs of `command` (`before()` runs first each
    time); a run longer than `timeout` seconds (0: no limit) is killed and its status is "timeout"."""
    samples = []
    for _ in range(runs):
        if before is not None:
            before()
        out = subprocess.run([sys.executable, "-c", WRAPPER, os.getcwd(), str(timeout), *command], capture_output=True,
                             text=True, env={**os.environ, **(env or {})}, check=True)
        data = json.loads(out.stdout)
        if data["status"] not in (0, 1):
            print(f"  warning: {command[0]} exited {data['status']}: {data['stderr'].strip()[-200:]}", file=sys.stderr)
        samples.append(Sample(data["wall"], data["cpu"], data["rss_kb"] / 1024, data["status"]))
    return Sample(statistics.median(s.wall for s in samples), statistics.median(s.cpu for s in samples),
                  statistics.median(s.rss_mb for s in samples), samples[-1].status)


def corpus_size(paths: list[Path]) -> tuple[int, int]:
    """Returns the number of files leaklint analyses under `paths` and their lines."""
    from leaklint_gopy.discovery import discover

    files, _ = discover([str(p) for p in paths])
    lines = 0
    for f in files:
        with open(f.path, "rb") as handle:
            lines += handle.read().count(b"\n")
    return len(files), lines


def discovered(paths: list[Path]) -> list[str]:
    """Returns the real paths of the files leaklint analyses under `paths` (semgrep skips symbolic links)."""
    from leaklint_gopy.discovery import discover

    files, _ = discover([str(p) for p in paths])
    return [os.path.realpath(f.path) for f in files]


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


def semgrep_rows(corpus: str, paths: list[Path], language: str, runs: int, counts: list[str],
                 notes: list[str]) -> list[Row]:
    """Returns semgrep's run with the local rules on the files leaklint analyses under `paths`, and appends
    both tools' finding counts to `counts` (or why semgrep was skipped to `notes`)."""
    semgrep = PEERS / "semgrep"
    if not semgrep.exists():
        notes.append(f"- {corpus}: semgrep skipped (not installed in bench/.peers)")
        return []
    files, lines = corpus_size(paths)
    env = {"SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}
    with tempfile.TemporaryDirectory(prefix="leaklint-bench-") as scratch:
        out = Path(scratch) / "semgrep.json"
        command = [str(semgrep), "--metrics=off", "--disable-version-check", "--config", str(SEMGREP_RULES),
                   "--no-git-ignore", "--json", "-o", str(out), *discovered(paths)]
        # Once, like pylint: with the files named one by one a run takes minutes (about 8 min on the Go stdlib).
        sample = measure(command, 1, env, timeout=PEER_TIMEOUT)
        if sample.status == "timeout":
            notes.append(f"- {corpus}: semgrep did not finish within {PEER_TIMEOUT:.0f} s and was killed "
                         "(offline, with metrics off and local rules only)")
            return [Row(corpus, "semgrep (local rules)", "cold", files, lines, sample)]
        try:
            report = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = None
        if report is None or (sample.status not in (0, 1) and not report.get("results")):
            notes.append(f"- {corpus}: semgrep skipped: exited {sample.status} without a report "
                         "(offline, with metrics off and local rules only)")
            return []
        mine = subprocess.run(leaklint(paths, "--no-cache", "--format", "json", "-o", str(Path(scratch) / "ll.json")),
                              capture_output=True, check=False)
        ours = json.loads((Path(scratch) / "ll.json").read_text(encoding="utf-8")) if mine.returncode == 0 else None
    theirs = {}
    for result in report.get("results", []):
        rule = result["check_id"].rsplit(".", 1)[-1]
        theirs[rule] = theirs.get(rule, 0) + 1
    errors = {}
    for error in report.get("errors", []):
        errors[error.get("type", "error")] = errors.get(error.get("type", "error"), 0) + 1
    by_rule = ", ".join(f"{rule} {n}" for rule, n in sorted(theirs.items())) or "none"
    line = (f"- {corpus}: semgrep {sum(theirs.values())} findings ({by_rule}; "
            f"{len(report.get('paths', {}).get('scanned', []))} files scanned"
            f"{', errors: ' + ', '.join(f'{k} {v}' for k, v in sorted(errors.items())) if errors else ''})")
    if ours is not None:
        found = [f for f in ours["findings"] if not f.get("suppressed")]
        rules = COMPARABLE[language]
        same = {rule: sum(1 for f in found if f["rule"] == rule) for rule in rules}
        line += (f"; leaklint {len(found)} findings, {sum(same.values())} of them from the rules semgrep imitates ("
                 + ", ".join(f"{rule} {n}" for rule, n in same.items()) + ")")
    counts.append(line)
    return [Row(corpus, "semgrep (local rules)", "cold", files, lines, sample)]


def go_rows(runs: int, counts: list[str], notes: list[str]) -> list[Row]:
    rows = leaklint_rows("Go stdlib", [GO_SRC], runs)
    files, lines = corpus_size([GO_SRC])
    rows.append(Row("Go stdlib", "leaklint --jobs 1", "cold", files, lines,
                    measure(leaklint([GO_SRC], "--jobs", "1", "--no-cache"), runs)))
    rows += semgrep_rows("Go stdlib", [GO_SRC], "go", runs, counts, notes)
    return rows


def python_rows(runs: int, quick: bool, counts: list[str], notes: list[str]) -> list[Row]:
    rows = leaklint_rows("CPython stdlib", [PY_SRC], runs)
    files, lines = corpus_size([PY_SRC])
    ruff = PEERS / "ruff"
    if ruff.exists():
        command = [str(ruff), "check", "--no-cache", "--select", "SIM115", "--exit-zero", "--quiet", str(PY_SRC)]
        rows.append(Row("CPython stdlib", "ruff SIM115", "cold", files, lines, measure(command, runs)))
    rows += semgrep_rows("CPython stdlib", [PY_SRC], "python", runs, counts, notes)
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
                        measure(command, 1 if not quick else runs, timeout=PEER_TIMEOUT)))
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
    out = subprocess.run([str(REPO / ".venv" / "bin" / "python"), "-X", "importtime", "-m", "leaklint_gopy", "--version"],
                         capture_output=True, text=True, check=False)
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if "|" in line}
    heavy = sorted(m for m in imported if m.split(".")[0] in HEAVY_IMPORTS)
    sample = measure([str(REPO / ".venv" / "bin" / "leaklint"), "--version"], max(runs, 5))
    return (", ".join(heavy) or "none"), sample


def python_rules() -> int:
    """Returns how many bundled rules are for Python."""
    from leaklint_gopy.driver import default_rule_dirs
    from leaklint_gopy.spec import load_rules

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
            more = "more than " if peer.sample.status == "timeout" else ""
            lines.append(f"- {peer.corpus}: {peer.tool} takes {more}{peer.sample.wall / ours.sample.wall:.2f}x leaklint's "
                         f"cold wall time and {peer.sample.rss_mb / ours.sample.rss_mb:.2f}x its peak RSS")
    return lines


def targets(rows: list[Row]) -> list[str]:
    """Returns issue 6's targets beside the measured leaklint numbers, each met or not met."""
    def find(corpus: str, mode: str) -> Sample | None:
        row = next((r for r in rows if r.corpus == corpus and r.tool == "leaklint" and r.mode == mode), None)
        return row.sample if row else None

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    lines = []
    go, go_warm = find("Go stdlib", "cold"), find("Go stdlib", "warm")
    py, py_warm = find("CPython stdlib", "cold"), find("CPython stdlib", "warm")
    one, one_warm = find("pre-commit, one file", "cold"), find("pre-commit, one file", "warm")
    if go:
        lines.append(f"| Go stdlib, cold | ≤ 3 s, ≤ 300 MB peak | {go.wall:.2f} s, {go.rss_mb:.0f} MB | "
                     f"{verdict(go.wall <= 3)} (time), {verdict(go.rss_mb <= 300)} (memory) |")
    if py:
        lines.append(f"| CPython stdlib, cold | ≤ 15 s | {py.wall:.2f} s | {verdict(py.wall <= 15)} |")
    for label, sample in (("Go stdlib, warm", go_warm), ("CPython stdlib, warm", py_warm)):
        if sample:
            lines.append(f"| {label} | ≤ 0.5 s | {sample.wall:.2f} s | {verdict(sample.wall <= 0.5)} |")
    if one:
        warm = f"; warm {one_warm.wall:.2f} s" if one_warm else ""
        lines.append(f"| one file (pre-commit), cold cache, including start-up | ≤ 0.3 s | {one.wall:.2f} s{warm} | "
                     f"{verdict(one.wall <= 0.3)} |")
    if not lines:
        return []
    return ["", "Targets (issue 6, leaklint's own rows above):", "", "| | target | measured | |",
            "| --- | --- | --- | --- |", *lines]


def render(rows: list[Row], startup: tuple[str, Sample] | None, runs: int, quick: bool,
           counts: list[str] = (), notes: list[str] = (), load: tuple[tuple[float, ...], ...] = ()) -> str:
    header = ["corpus", "tool", "mode", "wall s", "CPU s", "peak RSS MB", "files/s", "lines/s", "exit"]
    table = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    table += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    sizes = sorted({(r.corpus, r.files, r.lines) for r in rows})
    loads = " -> ".join("/".join(f"{x:.2f}" for x in avg) for avg in load)
    text = ["# leaklint benchmarks", "", f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}", f"- machine: {machine()}",
            *([f"- load average (1/5/15 min) at start -> end: {loads}"] if loads else []),
            (f"- median of {runs} runs{' (--quick: pylint on a subset)' if quick else ''}; CPU is user+system of "
             "the command and its workers; peak RSS is the largest single process; leaklint's bytecode is "
             "compiled first, as `pip install` does"), "",
            *[f"- {corpus}: {files:,} files, {lines:,} lines" for corpus, files, lines in sizes], "", *table, ""]
    text += ratios(rows)
    if counts or notes:
        text += ["", "Findings (counts only; semgrep's rules are syntactic imitations of leaklint's, see bench/semgrep/):",
                 "", *counts, *notes]
    text += targets(rows)
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
    counts: list[str] = []
    notes: list[str] = []
    # As `pip install` does: without it an environment with PYTHONDONTWRITEBYTECODE set (CI images
    # often have it) would recompile every edited module on each run and time that instead.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "leaklint_gopy")], check=True)
    load = [os.getloadavg()]
    if "go" in wanted and GO_SRC.is_dir():
        rows += go_rows(args.runs, counts, notes)
    if "python" in wanted and PY_SRC.is_dir():
        rows += python_rows(args.runs, args.quick, counts, notes)
    if "precommit" in wanted and GO_SRC.is_dir():
        rows += precommit_rows(args.runs)
    startup = startup_report(args.runs) if "startup" in wanted else None
    load.append(os.getloadavg())
    report = render(rows, startup, args.runs, args.quick, counts, notes, tuple(load))
    sys.stdout.write(report)
    Path(args.output).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
