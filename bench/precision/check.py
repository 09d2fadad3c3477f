"""Re-checks leaklint against the hand-read samples of real projects and the real leak fixes.

    python bench/precision/check.py [--language go|python] [--sample] [--fixes] [--stdlib] [--holdout]
                                    [--fixes-holdout] [--show]

Precision: runs leaklint on each project of projects.tsv at its recorded commit and matches the
findings with the hand-read verdicts of <language>-sample.tsv (by path and line). A finding is a
true positive when its verdict holds under its rule's criterion: a held resource for the error
rules, read-to-the-end-but-unclosed for LL105, closed only by a defer in a loop for LL106, an
exception path for LL204. Findings with no verdict yet are counted and listed (`--show`, with the read-false ones), to be
read and added. Recall: for each fix of <language>-fixes.tsv, the parent commit's package (Go)
or module directory (Python) must have a finding on the acquiring line, and the fixed version
none on that line (`--fixes-holdout`: the same on <language>-fixes-holdout.tsv, fixes mined from the
held-out projects without running leaklint, their trees beside the held-out checkouts); each is checked inside the whole tree's Go or Python files (Go: with its
go.mod files and vendor/), whose other packages and modules lend their summaries, as in a
checkout. Mirrors come from the search tool's `fetch` (MIRRORS, default
/work/.mirror); checkouts are cached under CORPUS (default /work/corpus).

Every run passes `--file-time-limit 600` (TIME_LIMIT): the default 60 s of CPU time per package
cut off nats-server's `server` package (53-58 s of CPU on an idle machine, more on a loaded or
slower one), so its 47 findings came and went with the machine's load. 600 s is ten times the
slowest package of the samples and still well inside the 1800 s a run may take, so a package
that loops for ever still ends the run; the results then depend on the code alone.
"""
from __future__ import annotations

import argparse
import csv
import difflib
import hashlib
import json
import math
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from corpus import materialise  # noqa: E402

MIRRORS = Path(os.environ.get("MIRRORS", "/work/.mirror"))
CORPUS = Path(os.environ.get("CORPUS", "/work/corpus"))
ERROR_RULES = {"LL101", "LL102", "LL103", "LL104", "LL107", "LL108", "LL109", "LL110", "LL111", "LL112",
               "LL201", "LL202", "LL203", "LL205", "LL206", "LL207", "LL208", "LL209", "LL210", "LL211"}
# The criterion each rule's findings must meet to be true (see bench/precision/README.md).
CRITERIA = {"LL105": {"contract"}, "LL106": {"defer-in-loop"}, "LL204": {"exception", "held"}}
TIME_LIMIT = "600"  # seconds of CPU time a package may take (see the module's docstring)


def _mirror(repo: str) -> str:
    return str(MIRRORS / repo.replace("/", "+") / "repo")


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _checkout(repo: str, commit: str, only: list[str] | None = None, suffixes: tuple[str, ...] = (),
              corpus: Path = CORPUS, name: str = "") -> Path:
    """Returns a directory holding `commit` of `repo` (or only the `only` paths; with `suffixes`,
    only the files ending so, of the whole tree), materialised once under `corpus` (in a directory
    called `name`, default the repository's name: cli/cli and httpie/cli need their own)."""
    name = name or repo.split("/")[1]
    # Whole trees sit beside the corpus, not in it: a run over the corpus's projects must not read them.
    dest = corpus.parent / f"{corpus.name}-trees" / name / commit if suffixes else corpus / name if only is None \
        else corpus / "commits" / name / commit
    # One marker per set of paths: rows sharing a commit may need different directories of it.
    suffix = "" if only is None else "-" + hashlib.sha1("\0".join(sorted(only)).encode()).hexdigest()[:12]
    marker = dest / f".leaklint-bench-complete{suffix}"
    if not marker.exists():
        materialise(_mirror(repo), commit, dest, only, suffixes)
        marker.write_text(commit)
    return dest


def run_leaklint(directory: Path, *paths: str) -> list[dict]:
    """Returns the JSON findings of a cold leaklint run in `directory` (on `paths`, default .)."""
    # (a materialised tree has no git index: every file in it is tracked, and git never ignores a tracked
    # file, so .gitignore must not hide any: minio's docs/debugging/inspect/ matches its `inspect` pattern)
    out = subprocess.run([sys.executable, "-m", "leaklint_gopy", "check", "--no-cache", "--exit-zero", "--format", "json",
                          "--no-respect-gitignore", "--file-time-limit", TIME_LIMIT, *(paths or (".",))], cwd=directory, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"leaklint failed in {directory}: {out.stderr.strip()[-400:]}")
    return json.loads(out.stdout)["findings"]


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """Returns the Wilson score interval of a proportion."""
    if total == 0:
        return 0.0, 1.0
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    spread = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - spread), min(1.0, centre + spread)


def true_for(rule: str, row: dict[str, str], message: str = "") -> bool:
    """Reports whether a hand-read verdict makes a finding of `rule` on that line true; an error
    rule's finding that a resource stays open where a call fails in ordinary operation (`... if
    bind() fails at line N`) claims an exception path."""
    if row["verdict"] != "tp":
        return False
    criteria = {"exception", "held"} if " fails at line " in message else CRITERIA.get(rule, {"held"})
    return row["criterion"] in criteria


def precision(language: str, show: bool, holdout: bool = False) -> None:
    """Precision on the sample projects, or on the held-out ones (read once, never tuned on)."""
    listing, sample = ("holdout-projects.tsv", "holdout") if holdout else ("projects.tsv", "sample")
    projects = [p for p in _read(HERE / listing) if p["language"] == language]
    # Held-out checkouts sit beside the corpus: runs and benchmarks over the corpus must not read them.
    corpus = CORPUS.parent / f"{CORPUS.name}-holdout" if holdout else CORPUS
    targets = [(p["repo"], p["name"], _checkout(p["repo"], p["commit"], corpus=corpus, name=p["name"]))
               for p in projects]
    title = "precision on the held-out projects" if holdout else "precision on the hand-read sample"
    _score(targets, HERE / f"{language}-{sample}.tsv", f"{language}: {title}", show)


# The standard libraries the brief names as real code to judge: Debian's Go 1.19 and the running Python's.
STDLIB = {"go": ("golang/go", Path(os.environ.get("GO_STDLIB", "/usr/lib/go-1.19/src"))),
          "python": ("python/cpython", Path(os.path.dirname(os.__file__)))}


def stdlib_precision(language: str, show: bool) -> None:
    repo, directory = STDLIB[language]
    sample = HERE / f"{language}-stdlib-sample.tsv"
    if not sample.exists():
        print(f"## {language}: no stdlib sample ({sample.name})")
        return
    _score([(repo, f"{language}-stdlib", directory)], sample, f"{language} standard library: precision on the hand-read sample", show)


def _score(targets: list[tuple[str, str, Path]], sample_path: Path, title: str, show: bool) -> None:
    sample = defaultdict(list)
    for row in _read(sample_path):
        sample[(row["repo"], row["path"], int(row["line"]))].append(row)
    counts: dict[str, Counter] = defaultdict(Counter)
    unread: list[str] = []
    false: list[str] = []
    found_keys = set()
    for repo, name, directory in targets:
        for finding in run_leaklint(directory):
            if finding["suppressed"]:
                continue
            key = (repo, finding["path"], finding["line"])
            rule = finding["rule"]
            counts[rule]["findings"] += 1
            rows = sample.get(key)
            if not rows:
                unread.append(f"{name}\t{finding['path']}:{finding['line']}\t{rule}\t{finding['message']}")
                continue
            found_keys.add(key)
            counts[rule]["read"] += 1
            # A line read for this rule decides; one read for another rule only when there is none.
            rows = [r for r in rows if r["rule"] == rule] or rows
            verdict = "tp" if any(true_for(rule, r, finding["message"]) for r in rows) else "fp"
            counts[rule][verdict] += 1
            if verdict == "fp":
                false.append(f"{name}\t{finding['path']}:{finding['line']}\t{rule}\t{rows[0]['shape']}\t{finding['message']}")
    print(f"## {title} ({len(sample)} lines read)")
    print("| rule | findings | read | tp | fp | precision | 95% Wilson |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for rule in sorted(counts):
        c = counts[rule]
        read = c["tp"] + c["fp"]
        low, high = wilson(c["tp"], read)
        shown = f"{c['tp'] / read:.2f}" if read else "-"
        print(f"| {rule} | {c['findings']} | {read} | {c['tp']} | {c['fp']} | {shown} | [{low:.2f}, {high:.2f}] |")
    lost = [rows for key, rows in sample.items() if key not in found_keys and any(r["verdict"] == "tp" for r in rows)]
    gone = [rows for key, rows in sample.items() if key not in found_keys and all(r["verdict"] == "fp" for r in rows)]
    print(f"\nread true findings no longer reported: {len(lost)}; false ones gone: {len(gone)}; unread findings: {len(unread)}")
    if show:
        for rows in lost:
            r = rows[0]
            print(f"  lost\t{r['repo']}\t{r['path']}:{r['line']}\t{r['rule']}\t{r['criterion']}\t{r['shape']}")
        for line in unread:
            print(f"  unread\t{line}")
        for line in false:
            print(f"  false\t{line}")


KINDS = {  # the resource kinds of the fix sets that a rule covers
    "go": {"http-body": {"LL101", "LL105", "LL106"}, "conn": {"LL102", "LL106"}, "listener": {"LL102", "LL106"},
           "file": {"LL103", "LL106"}, "sql-rows": {"LL104", "LL106"}, "sql-stmt": {"LL104", "LL106"},
           "grpc-conn": {"LL107"}, "sql-db": {"LL111"}, "ticker": {"LL108"}, "timer": {"LL108"}, "process": {"LL109"},
           "sql-tx": {"LL110"}, "pgx": {"LL111", "LL104"}},  # (no Go rule covers archives)
    "python": {"socket": {"LL201", "LL204"}, "http-response": {"LL202", "LL204"},
               "http-connection": {"LL202", "LL204"}, "http-client": {"LL203", "LL204"},
               # LL204 is every Python rule's exception path (their exception_rule), as for sockets above
               "file": {"LL205", "LL204"}, "tempfile": {"LL205", "LL204"}, "os-fd": {"LL205", "LL204"},
               "sqlite": {"LL206", "LL204"}, "db-other": {"LL206", "LL204"}, "process": {"LL207", "LL204"},
               "pipe": {"LL207", "LL204"},
               "zip": {"LL208", "LL204"}, "tar": {"LL208", "LL204"}, "executor": {"LL209", "LL204"},
               "mp-pool": {"LL209", "LL204"}, "socketserver": {"LL210", "LL204"},
               # A tree poller or IOLoop object holds its wake-up socket pair besides any epoll/kqueue (pika's
               # SelectPoller holds only the pair): the object's finding is LL201 when a socket is what it holds first
               "selector": {"LL211", "LL201", "LL204"}},
}


def _package_dir(language: str, path: str) -> str:
    return os.path.dirname(path) or "."


def _line_after(before: list[str], after: list[str], line: int) -> int | None:
    """Returns the 1-based line of `after` (the fixed file) that line `line` of `before` became:
    the same line where the fix left it (compared stripped: re-indenting it into a `try` keeps
    it), else the nearest equal line the fix added (moved it); None when the fix removed or
    rewrote it. An equal line the fix did not touch is another statement, not this one (a second
    `f = tempfile.NamedTemporaryFile()` in a test the fix left as it was)."""
    old, new = [text.strip() for text in before], [text.strip() for text in after]
    added: list[int] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal" and i1 <= line - 1 < i2:
            return j1 + line - i1
        if tag in ("replace", "insert"):
            added.extend(j + 1 for j in range(j1, j2) if new[j] == old[line - 1])
    return min(added, key=lambda j: abs(j - line)) if added else None


def recall(language: str, show: bool, holdout: bool = False) -> None:
    """Recall on the real leak fixes, or on those mined from the held-out projects (never tuned on)."""
    rows = _read(HERE / f"{language}-fixes{'-holdout' if holdout else ''}.tsv")
    # Held-out trees sit beside the held-out checkouts, named as there (cli/cli and httpie/cli apart).
    corpus = CORPUS.parent / f"{CORPUS.name}-holdout" if holdout else CORPUS
    names = {p["repo"]: p["name"] for p in _read(HERE / "holdout-projects.tsv")} if holdout else {}
    covered = KINDS[language]
    hits, quiet, total, uncovered, broken = Counter(), Counter(), Counter(), Counter(), 0
    misses: list[str] = []
    for row in rows:
        kind = row["kind"]
        rules = covered.get(kind)
        if rules is None:
            uncovered[kind] += 1
            continue
        directory = _package_dir(language, row["path"])
        try:
            # Every module or package of the tree is there, as in a checkout, for summaries across them
            # (Go: with go.mod files and vendor/, whose sources summarise dependencies); leaklint is
            # asked about the fix's package or module directory only.
            whole = (None, (".py",)) if language == "python" else (None, (".go", "go.mod", "vendor/modules.txt"))
            where = {"corpus": corpus, "name": names.get(row["repo"], "")}
            before = _checkout(row["repo"], row["parent_commit"], *whole, **where)
            after = _checkout(row["repo"], row["fix_commit"], *whole, **where)
            found = {(f["path"], f["line"]) for f in run_leaklint(before, directory) if f["rule"] in rules}
            fixed = {(f["path"], f["line"]) for f in run_leaklint(after, directory) if f["rule"] in rules} \
                if (after / directory).is_dir() else set()
        except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
            broken += 1
            print(f"  skipped {row['repo']} {row['fix_commit'][:8]}: {exc}", file=sys.stderr)
            continue
        total[kind] += 1
        line = int(row["line"])
        hit = (row["path"], line) in found
        hits[kind] += hit
        after_file = after / row["path"]
        moved = _line_after((before / row["path"]).read_text(errors="replace").splitlines(),
                            after_file.read_text(errors="replace").splitlines(), line) if after_file.exists() else None
        silent = moved is None or (row["path"], moved) not in fixed
        quiet[kind] += silent
        if not hit:
            misses.append(f"  miss\t{row['repo']}\t{row['fix_commit'][:10]}\t{row['path']}:{line}\t{kind}\t{row['note'][:90]}")
        if not silent:
            misses.append(f"  loud\t{row['repo']}\t{row['fix_commit'][:10]}\t{row['path']}:{line}->{moved}\t{kind}")
    n, h, q = sum(total.values()), sum(hits.values()), sum(quiet.values())
    print(f"## {language}: recall on {len(rows)} real leak fixes{' of the held-out projects' if holdout else ''}")
    print("| kind | fixes | found before the fix | quiet after |")
    print("| --- | --- | --- | --- |")
    for kind in sorted(total):
        print(f"| {kind} | {total[kind]} | {hits[kind]} | {quiet[kind]} |")
    low, high = wilson(h, n)
    print(f"\nrecall on covered kinds: {h}/{n} = {h / n if n else 0:.2f} [{low:.2f}, {high:.2f}]; "
          f"quiet after the fix: {q}/{n}; kinds no rule covers: {dict(uncovered)}; could not check: {broken}")
    if show:
        print("\n".join(misses))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=("go", "python"), action="append")
    parser.add_argument("--sample", action="store_true", help="precision on the hand-read samples")
    parser.add_argument("--fixes", action="store_true", help="recall on the real leak fixes")
    parser.add_argument("--stdlib", action="store_true", help="precision on the standard library's hand-read sample")
    parser.add_argument("--holdout", action="store_true",
                        help="precision on the held-out projects (holdout-projects.tsv), read once and never tuned on")
    parser.add_argument("--fixes-holdout", action="store_true",
                        help="recall on the leak fixes mined from the held-out projects (<language>-fixes-holdout.tsv)")
    parser.add_argument("--show", action="store_true", help="list lost, unread, read-false and missed findings")
    args = parser.parse_args()
    both = not (args.sample or args.fixes or args.stdlib or args.holdout or args.fixes_holdout)
    for language in args.language or ["go", "python"]:
        if args.stdlib or both:
            stdlib_precision(language, args.show)
        if args.sample or both:
            precision(language, args.show)
        if args.fixes or both:
            recall(language, args.show)
        if args.holdout:
            precision(language, args.show, holdout=True)
        if args.fixes_holdout:
            recall(language, args.show, holdout=True)


if __name__ == "__main__":
    main()
