"""Checks a release before its tag is pushed: the version in leaklint_gopy/__init__.py, the top entry of
CHANGELOG.md (dated, not "unreleased"), the tag `v<version>` on HEAD, and every `@v...` and `rev:`
the docs tell users to write.

    python tools/release_check.py        # exit 0 when all agree, else one line per problem
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCS = ("README.md", "docs/ci.md", "docs/configuration.md", ".pre-commit-hooks.yaml")


def version() -> str:
    """Returns the version leaklint_gopy/__init__.py declares."""
    return re.search(r'__version__ = "([^"]+)"', (REPO / "leaklint_gopy" / "__init__.py").read_text()).group(1)


def referenced_tags() -> set[str]:
    """Returns the tags the docs name: `leaklint/leaklint@TAG`, `leaklint@TAG"` and `rev: TAG`."""
    found: set[str] = set()
    for name in DOCS:
        text = (REPO / name).read_text(encoding="utf-8")
        found |= set(re.findall(r"leaklint/leaklint@([\w.\-]+)", text)) | set(re.findall(r"rev: ([\w.\-]+)", text))
    return found


def problems(require_tag: bool = True) -> list[str]:
    """Returns what disagrees; with `require_tag`, also a missing tag on HEAD."""
    wanted = f"v{version()}"
    out = [f"the docs name {tag}, not {wanted}" for tag in sorted(referenced_tags() - {wanted})]
    top = re.search(r"^## (\S+) \(([^)]*)\)", (REPO / "CHANGELOG.md").read_text(encoding="utf-8"), re.MULTILINE)
    if top is None or top.group(1) != version():
        out.append(f"the top entry of CHANGELOG.md is not {version()}")
    elif require_tag and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", top.group(2)):
        out.append(f"CHANGELOG.md's {version()} is dated {top.group(2)!r}, not a release date")
    if require_tag:
        tags = subprocess.run(["git", "tag", "--points-at", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.split()
        if wanted not in tags:
            out.append(f"HEAD has no tag {wanted} (git tag -a {wanted} -m {wanted})")
    return out


def main() -> int:
    found = problems()
    for problem in found:
        print(f"release_check: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
