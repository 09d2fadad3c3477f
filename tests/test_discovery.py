"""File discovery honours .gitignore files as git does: patterns, negations, directory patterns,
nested files, invalid lines skipped; an ignored directory is not walked."""
from __future__ import annotations

from pathlib import Path

import pathspec
import pytest

from leaklint_gopy.discovery import _Patterns, discover

PATTERNS = ["# a comment", "", "*.log", "build", "/gen/", "docs/**/x_*.go", "!keep_gen.go", "*_gen.go",
            "!important_gen.go", "a/b/", "**/deep/*.py", "\\#literal.go", "[z-a]", "!", "trailing\\", "ex?.go"]
PATHS = ["x.go", "a.log", "build", "build/", "sub/build/", "sub/build/x.go", "gen/", "sub/gen/", "gen/x.go",
         "docs/api/v1/x_y.go", "docs/x_y.go", "table_gen.go", "keep_gen.go", "important_gen.go", "sub/t_gen.go",
         "a/b/", "a/b", "c/a/b/", "q/deep/m.py", "deep/m.py", "#literal.go", "exa.go", "exab.go", "x.py"]


@pytest.mark.parametrize("lines", [PATTERNS, PATTERNS[:12], ["!*.go", "*.go"], ["*.go", "!x.go"], []])
def test_gitignore_patterns_match_as_pathspec_matches_their_valid_lines(lines: list[str]) -> None:
    valid = [line for line in lines if line not in ("[z-a]", "!", "trailing\\")]
    spec = pathspec.GitIgnoreSpec.from_lines(valid)
    patterns = _Patterns(tuple(lines))
    assert [path for path in PATHS if patterns.match_file(path)] == [path for path in PATHS if spec.match_file(path)]


def test_nested_gitignore_files_and_negations_decide_what_is_walked(tmp_path: Path, monkeypatch) -> None:
    files = {".gitignore": "*_gen.go\n!keep_gen.go\nout/\n[z-a]\n", "main.go": "", "table_gen.go": "",
             "keep_gen.go": "", "out/x.go": "", "svc/.gitignore": "/local.py\n*.go\n!api.go\n",
             "svc/local.py": "", "svc/sub/local.py": "", "svc/api.go": "", "svc/impl.go": "", "svc/x_gen.go": ""}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    found, errors = discover(["."])
    assert [f.path for f in found] == ["keep_gen.go", "main.go", "svc/api.go", "svc/sub/local.py"]
    assert errors == []
    assert len(discover(["."], respect_gitignore=False)[0]) == 9
