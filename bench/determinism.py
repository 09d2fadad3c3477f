"""Runs leaklint twice, cold, with 2 workers on one tree and reports whether the SARIF is the same
byte for byte, and which results differ (their related locations: the `uses` notes) when not.

    python bench/determinism.py /usr/lib/go-1.19/src/net/http [--runs 2] [--jobs 2]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def _sarif(tree: str, jobs: int) -> str:
    done = subprocess.run([sys.executable, "-m", "leaklint_gopy", "check", "--no-cache", "--jobs", str(jobs),
                           "--format", "sarif", tree], capture_output=True, text=True, cwd=tempfile.gettempdir())
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
    parser.add_argument("tree")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    first = _sarif(args.tree, args.jobs)
    differing = 0
    for run in range(1, args.runs):
        other = _sarif(args.tree, args.jobs)
        if other == first:
            continue
        before, after = _results(first), _results(other)
        keys = sorted(set(before) | set(after))
        changed = [key for key in keys if before.get(key) != after.get(key)]
        differing = max(differing, len(changed))
        for key in changed:
            print(f"run {run + 1}: {key[0]}:{key[1]} {key[2]} differs")
    print(f"{args.tree}: {args.runs} runs, --jobs {args.jobs}: "
          + ("byte-identical SARIF" if not differing else f"{differing} results differ"))
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
