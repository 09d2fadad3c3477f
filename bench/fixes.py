"""Measures leaklint's automatic fixes on real leak fixes mined from public history
(bench/precision/<language>-fixes.tsv): for each fix whose leak leaklint reports at the parent
commit, whether a verified fix is offered (safe or unsafe), whether it equals what the project's
own fix did, and whether the fixed file still builds.

    python bench/fixes.py [--language go|python] [--show] [-o bench/RESULTS-fixes.md]

"Equal" is defined on the text of the two fixed files (ours: the parent commit's file with our
edits; theirs: the file at the fix commit). Go: the project's fix adds a call of the same close
(`resp.Body.Close()`, the holder's release, whitespace ignored) after the acquisition, and the
code statements between the acquisition and that close are the same in both fixed files (so the
close sits in the same place; `defer` or not is part of the statement). Python: the project's fix
has a `with`/`async with` line over the same acquiring call (whitespace ignored, the `as` name may
differ), or for try/finally, a `finally:` followed by the holder's close. Build: Go, `gofmt -l`
(it parses, and gofmt would change no more lines than in the unfixed file: files of
older Go versions are often not clean under Go 1.19's gofmt), and `go vet` on the package when the unfixed
package vets at that commit (modules offline: most do not); Python, `compile()`.

Checkouts come from the search tool's mirrors through bench/precision/check.py (MIRRORS, CORPUS).
Nothing here is run by the tests.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE / "precision"))
sys.path.insert(0, str(REPO))
import check  # noqa: E402

from leaklint_gopy.finding import Edit  # noqa: E402
from leaklint_gopy.fixes.source import apply  # noqa: E402
from leaklint_gopy.ir import Span  # noqa: E402

CACHE = Path(os.environ.get("LEAKLINT_BENCH_CACHE", tempfile.gettempdir() + "/leaklint-bench-fixes-cache"))


def findings_at(directory: Path, package: str) -> list[dict]:
    env = {**os.environ, "LEAKLINT_CACHE_DIR": str(CACHE), "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-m", "leaklint_gopy", "check", "--exit-zero", "--format", "json", package],
                         cwd=directory, capture_output=True, text=True, timeout=1800, env=env)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip()[-300:])
    return json.loads(out.stdout)["findings"]


def fixed_text(text: str, fix: dict) -> str:
    edits = [Edit(Span("", e["line"], e["column"], e["end_line"], e["end_column"]), e["content"]) for e in fix["edits"]]
    return apply(text, edits)


def squash(line: str) -> str:
    return re.sub(r"\s+", "", line)


def _code(lines: list[str], comment: str) -> list[str]:
    return [squash(line) for line in lines if line.strip() and not line.strip().startswith(comment)]


def _close_index(lines: list[str], start: int, close: str) -> int | None:
    return next((i for i in range(start, len(lines)) if close in squash(lines[i])), None)


def _acquisition_index(lines: list[str], acquisition: str, holder: str, near: int) -> int | None:
    """Returns the index of the acquiring line nearest `near`: the same text, else (the project may
    have rewritten the call) a line assigning a call's results to `holder`."""
    same = [i for i, line in enumerate(lines) if squash(line) == acquisition]
    if not same and holder:
        assigns = re.compile(rf"{re.escape(holder)}(,[\w_]+)*:?=[^=].*\(")
        same = [i for i, line in enumerate(lines) if assigns.match(squash(line))]
    return min(same, key=lambda i: abs(i - near)) if same else None


def same_go_fix(ours: str, theirs: str, acquisition: str, holder: str, release: str, near: int) -> bool:
    """Reports whether both fixed files close the holder with the same statement after the same code."""
    close = f"{holder}.{release}("
    results = []
    for text in (ours, theirs):
        lines = text.splitlines()
        start = _acquisition_index(lines, acquisition, holder, near)
        end = _close_index(lines, start + 1, close) if start is not None else None
        if end is None:
            return False
        results.append((_code(lines[start + 1:end], "//"), squash(lines[end])))
    return results[0] == results[1]


def same_python_fix(original: str, ours: str, theirs: str, holder: str, release: str) -> bool:
    """Reports whether the project's fixed file has our new `with` line (the `as` name may differ),
    or, for a try/finally fix, a `finally:` and the holder's close."""
    before = {squash(line) for line in original.splitlines()}
    added = [squash(line) for line in theirs.splitlines()]
    heads = [squash(re.split(r"\s+as\s+", line)[0]) for line in ours.splitlines()
             if re.match(r"\s*(async\s+)?with\s", line) and squash(line) not in before]
    if heads:
        return any(line.startswith(head) for head in heads for line in added if line.startswith(("with", "asyncwith")))
    return "finally:" in added and f"{holder}.{release or 'close'}()" in added


def _unformatted(text: str) -> int | None:
    """Returns how many lines `gofmt -d` would change (files of old Go versions often have some),
    or None when gofmt cannot parse the text."""
    with tempfile.NamedTemporaryFile("w", suffix=".go", delete=False) as handle:
        handle.write(text)
    try:
        diff = subprocess.run(["gofmt", "-d", handle.name], capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(handle.name)
    if diff.returncode != 0:
        return None
    return sum(1 for line in diff.stdout.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---")))


def go_builds(directory: Path, path: str, text: str) -> tuple[bool, str]:
    """Returns (builds, how it was checked) for a fixed Go file in its checkout."""
    target = directory / path
    original = target.read_text(encoding="utf-8", errors="replace")
    if _unformatted(text) is None or _unformatted(text) > (_unformatted(original) or 0):
        return False, "gofmt"  # it no longer parses, or gofmt would change more than before
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOCACHE": str(CACHE / "go"), "GO111MODULE": "auto"}
    root = next((p for p in [directory / os.path.dirname(path), *(directory / os.path.dirname(path)).parents]
                 if (p / "go.mod").exists()), directory)
    rel = os.path.relpath(directory / os.path.dirname(path), root)
    package = "./" + rel
    before = subprocess.run(["go", "vet", package], cwd=root, capture_output=True, text=True, env=env, timeout=600)
    if before.returncode != 0:
        return True, "gofmt"
    try:
        target.write_text(text, encoding="utf-8")
        after = subprocess.run(["go", "vet", package], cwd=root, capture_output=True, text=True, env=env, timeout=600)
    finally:
        target.write_text(original, encoding="utf-8")
    return after.returncode == 0, "gofmt+vet"


def evaluate(language: str, show: bool) -> tuple[list[str], list[str]]:
    rows = check._read(HERE / "precision" / f"{language}-fixes.tsv")
    by_rule: dict[str, Counter] = {}
    notes: list[str] = []
    for row in rows:
        directory = check._package_dir(language, row["path"])
        try:
            before = check._checkout(row["repo"], row["parent_commit"], [directory])
            after = check._checkout(row["repo"], row["fix_commit"], [directory])
            found = [f for f in findings_at(before, directory) if f["path"] == row["path"] and f["line"] == int(row["line"])]
        except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
            notes.append(f"  could not check {row['repo']} {row['fix_commit'][:8]}: {exc}")
            continue
        if not found:
            continue
        finding = found[0]
        counts = by_rule.setdefault(finding["rule"], Counter())
        counts["findings"] += 1
        fix = finding["fix"]
        where = f"{row['repo']} {row['fix_commit'][:10]} {row['path']}:{row['line']} {finding['rule']}"
        if fix is None:
            notes.append(f"  no fix\t{where}\t{finding['message'][:100]}")
            continue
        counts[fix["applicability"]] += 1
        text = (before / row["path"]).read_text(encoding="utf-8", errors="replace")
        ours = fixed_text(text, fix)
        theirs_path = after / row["path"]
        theirs = theirs_path.read_text(encoding="utf-8", errors="replace") if theirs_path.exists() else ""
        acquisition = squash(text.splitlines()[int(row["line"]) - 1])
        holder, release = _holder(fix, finding), _release(finding["rule"])
        if language == "go":
            equal = same_go_fix(ours, theirs, acquisition, holder, release, int(row["line"]) - 1)
            builds, how = go_builds(before, row["path"], ours)
        else:
            equal = same_python_fix(text, ours, theirs, holder, release)
            try:
                compile(ours, row["path"], "exec", dont_inherit=True)
                builds, how = True, "compile"
            except SyntaxError:
                builds, how = False, "compile"
        counts[f"{fix['applicability']}-equal"] += equal
        counts["breaks"] += not builds
        counts[f"checked-{how}"] += 1
        notes.append(f"  {fix['applicability']}\t{where}\t{'equal' if equal else 'differs'}\t"
                     f"{'builds' if builds else 'BREAKS'} ({how})\t{fix['message']}")
    return _table(language, rows, by_rule), notes


def _holder(fix: dict, finding: dict) -> str:
    match = re.search(r"`(?:defer )?([A-Za-z_]\w*)\.", fix["message"]) or re.search(r"`([A-Za-z_]\w*)`", finding["message"])
    return match.group(1) if match else ""


def _release(rule: str) -> str:
    return {"LL101": "Body.Close", "LL108": "Stop", "LL110": "Rollback"}.get(rule, "Close" if rule < "LL200" else "close")


def _table(language: str, rows: list, by_rule: dict[str, Counter]) -> list[str]:
    lines = [f"## {language}: {len(rows)} mined leak fixes", "",
             "| rule | reported at the parent | safe fix | unsafe fix | no fix | safe fix equal to the project's | build breaks |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    total = Counter()
    for rule in sorted(by_rule):
        c = by_rule[rule]
        total.update(c)
        lines.append(_row(rule, c))
    lines.append(_row("all", total))
    checks = ", ".join(f"{k.removeprefix('checked-')}: {v}" for k, v in sorted(total.items()) if k.startswith("checked-"))
    lines += ["", f"Build checked by {checks}.", ""]
    return lines


def _row(rule: str, c: Counter) -> str:
    n = c["findings"]
    none = n - c["safe"] - c["unsafe"]

    def share(k: int, of: int) -> str:
        return f"{k} ({k / of:.0%})" if of else "0"

    return (f"| {rule} | {n} | {share(c['safe'], n)} | {share(c['unsafe'], n)} | {share(none, n)} | "
            f"{share(c['safe-equal'], c['safe'])} | {c['breaks']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=("go", "python"))
    parser.add_argument("--show", action="store_true", help="list every finding with its fix and verdict")
    parser.add_argument("-o", "--output", help="also write the tables (and, with --show, the list) here")
    args = parser.parse_args()
    report: list[str] = []
    for language in [args.language] if args.language else ["go", "python"]:
        table, notes = evaluate(language, args.show)
        report += table + (["```", *notes, "```", ""] if args.show else [])
    print("\n".join(report))
    if args.output:
        Path(args.output).write_text("\n".join(report) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
