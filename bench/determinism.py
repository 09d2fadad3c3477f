"""Runs leaklint twice, cold, with 2 workers on one tree and reports whether the SARIF is the same
byte for byte, and which results differ (their related locations: the `uses` notes) when not.

    python bench/determinism.py /usr/lib/go-1.19/src/net/http [--runs 2] [--jobs 2]
    python bench/determinism.py TREE... --shuffle [--runs 3]

With `--shuffle`, each run is one process (`--jobs 1`) that checks the packages in an order shuffled
by the run's number: what 2 workers do by chance, reproducibly (run k is the same order every time),
so a difference can be traced (os, net, syscall, runtime and cmd/go of the Go stdlib show one).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def _sarif(trees: list[str], jobs: int, shuffle: int | None = None) -> str:
    command = [sys.executable, "-m", "leaklint_gopy"] if shuffle is None else [sys.executable, __file__, "--run", str(shuffle)]
    done = subprocess.run([*command, "check", "--no-cache", "--jobs", str(jobs), "--format", "sarif", *trees],
                          capture_output=True, text=True, cwd=tempfile.gettempdir())
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    return done.stdout


def _results(sarif: str) -> dict[tuple, list]:
    found = {}
    for result in json.loads(sarif)["runs"][0]["results"]:
        where = result["locations"][0]["physicalLocation"]
        key = (where["artifactLocation"]["uri"], where["region"]["startLine"], result["ruleId"])
        found[key] = [(r["message"]["text"], r["physicalLocation"]["artifactLocation"]["uri"],
                       r["physicalLocation"]["region"]["startLine"]) for r in result.get("relatedLocations", [])]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="+")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--shuffle", action="store_true", help="one process, the packages in a shuffled order")
    args = parser.parse_args()
    jobs = 1 if args.shuffle else args.jobs
    first = _sarif(args.tree, jobs, 0 if args.shuffle else None)
    differing = 0
    for run in range(1, args.runs):
        other = _sarif(args.tree, jobs, run if args.shuffle else None)
        if other == first:
            continue
        before, after = _results(first), _results(other)
        keys = sorted(set(before) | set(after))
        changed = [key for key in keys if before.get(key) != after.get(key)]
        differing = max(differing, len(changed))
        for key in changed:
            print(f"run {run + 1}: {key[0]}:{key[1]} {key[2]} differs")
    print(f"{' '.join(args.tree)}: {args.runs} runs, " + ("shuffled" if args.shuffle else f"--jobs {jobs}") + ": "
          + ("byte-identical SARIF" if not differing else f"{differing} results differ"))
    return 1 if differing else 0


def _shuffled_run(seed: int, argv: list[str]) -> int:
    """Runs leaklint in this process with parallel.run checking the units in an order shuffled by `seed`."""
    import random

    from leaklint_gopy import cli, parallel

    def run(work, units, sizes, jobs):
        results = [None] * len(units)
        for index in random.Random(seed).sample(range(len(units)), len(units)):
            results[index] = work(units[index])
        return results

    parallel.run = run
    return cli.main(argv)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        sys.exit(_shuffled_run(int(sys.argv[2]), sys.argv[3:]))
    sys.exit(main())
