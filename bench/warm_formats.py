"""Times a warm `leaklint check` per output format on one tree: what each format costs over text.

Each format runs once to warm the cache, then `--runs` times; the best and median wall times are
printed with the difference to text. A benchmark, never a test: numbers depend on the machine.

    python bench/warm_formats.py /usr/lib/go-1.19/src [--runs 7] [--formats text,sarif,json]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def wall(command: list[str], env: dict[str, str]) -> float:
    """Returns the wall time of one run of `command` (its output discarded)."""
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def measure(paths: list[str], output_format: str, runs: int, env: dict[str, str], out: str) -> list[float]:
    """Returns `runs` warm wall times of `leaklint check` writing `output_format` to `out`."""
    command = [sys.executable, "-m", "leaklint_gopy", "check", "-q", "--exit-zero", "--format", output_format,
               "-o", out, *paths]
    wall(command, env)
    return [wall(command, env) for _ in range(runs)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--formats", default="text,sarif")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leaklint-bench-") as scratch:
        env = {**os.environ, "LEAKLINT_CACHE_DIR": os.path.join(scratch, "cache")}
        times = {name: measure(args.paths, name, args.runs, env, os.path.join(scratch, "out"))
                 for name in args.formats.split(",")}
    base = min(times.get("text", [0.0]))
    print(f"{'format':<10} {'best s':>8} {'median s':>9} {'over text':>10}")
    for name, samples in times.items():
        best = min(samples)
        print(f"{name:<10} {best:8.3f} {statistics.median(samples):9.3f} {best - base:+10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
