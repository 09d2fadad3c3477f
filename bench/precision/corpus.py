"""Materialises one commit of a mirrored repository (a bare git directory from the search tool's
`fetch`) as a plain directory, skipping blobs the snapshot lacks (files of 4 MiB and more).

    python bench/precision/corpus.py MIRROR_GIT_DIR COMMIT DEST [--only PATH ...]

Used by bench/precision/check.py; nothing here is run by the tests.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path


def materialise(git_dir: str, commit: str, dest: Path, only: list[str] | None = None,
                suffixes: tuple[str, ...] = ()) -> int:
    """Writes the tree of `commit` (or only the `only` paths, only the files ending in one of
    `suffixes` when given) under `dest`; returns how many blobs were missing."""
    listing = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "-z", commit, "--", *(only or [])],
                             capture_output=True, check=True).stdout.split(b"\0")
    entries = []
    for line in listing:
        if not line:
            continue
        meta, _, path = line.partition(b"\t")
        mode, kind, sha = meta.split()
        if kind == b"blob" and (not suffixes or path.decode("utf-8", "surrogateescape").endswith(suffixes)):
            entries.append((mode, sha, path.decode("utf-8", "surrogateescape")))
    missing = 0
    with subprocess.Popen(["git", "--git-dir", git_dir, "cat-file", "--batch"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE) as proc:
        assert proc.stdin and proc.stdout
        for mode, sha, path in entries:
            proc.stdin.write(sha + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                missing += 1
                continue
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)
            target = dest / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if mode == b"120000":
                continue  # symlinks are skipped: they may point out of the tree
            target.write_bytes(data)
            if mode == b"100755":
                os.chmod(target, 0o755)
        proc.stdin.close()
    return missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir")
    parser.add_argument("commit")
    parser.add_argument("dest", type=Path)
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    missing = materialise(args.git_dir, args.commit, args.dest, args.only)
    print(f"{args.dest}: {missing} blobs missing from the snapshot", file=sys.stderr)


if __name__ == "__main__":
    main()
