"""The pre-commit hook for real: `pre-commit try-repo` installs this checkout from a git copy (with
pip, from PyPI) and runs the hook in a temporary repository, as a user's commit would."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pre_commit", reason="pre-commit is not installed (it belongs in the test extras)")
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

REPO = Path(__file__).resolve().parent.parent
SHIPPED = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "leaklint_gopy", "rules")
ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

CLIENT = 'package svc\n\nimport "net/http"\n\nfunc fetch(u string) (*http.Response, error) {\n\treturn http.Get(u)\n}\n'
USE_LEAKS = ("package svc\n\nfunc Use(u string) int {\n\tresp, err := fetch(u)\n\tif err != nil {\n\t\treturn 0\n\t}\n"
             "\treturn resp.StatusCode\n}\n")
USE_CLOSES = ("package svc\n\nfunc Use(u string) int {\n\tresp, err := fetch(u)\n\tif err != nil {\n\t\treturn 0\n\t}\n"
              "\tdefer resp.Body.Close()\n\treturn resp.StatusCode\n}\n")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **ENV}, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """A git repository holding what this checkout ships (its working files, committed or not)."""
    if not (REPO / "pyproject.toml").is_file():
        pytest.skip("pyproject.toml is missing: the hook repository cannot be installed")
    copy = tmp_path_factory.mktemp("hook-repo")
    for name in SHIPPED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.is_file():
            shutil.copy2(source, copy / name)
    git(copy, "init", "-q")
    git(copy, "add", ".")
    git(copy, "commit", "-q", "-m", "hook")
    return copy, git(copy, "rev-parse", "HEAD"), tmp_path_factory.mktemp("pre-commit-home")


def try_repo(hook_repo: tuple[Path, str, Path], project: Path) -> subprocess.CompletedProcess[str]:
    repo, ref, home = hook_repo
    env = {**os.environ, **ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(repo), "leaklint", "--ref", ref],
                          cwd=project, env=env, capture_output=True, text=True, timeout=900)


def make_project(root: Path, files: dict[str, str], committed: dict[str, str] | None = None) -> Path:
    git(root, "init", "-q")
    for name, text in (committed or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    if committed:
        git(root, "add", ".")
        git(root, "commit", "-q", "-m", "base")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "add", *files)
    return root


def test_hook_fails_on_a_leak_seen_through_a_helper_in_a_committed_sibling(hook_repo, tmp_path):
    project = make_project(tmp_path, {"svc/use.go": USE_LEAKS}, committed={"svc/client.go": CLIENT})
    done = try_repo(hook_repo, project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "svc/use.go:4:15: LL101 " in done.stdout
    output = done.stdout.split("hook id: leaklint")[-1]
    assert not any(line.startswith("svc/client.go:") for line in output.splitlines())
    assert "= note: summary of fetch() used at svc/client.go:5:1" in output


def test_hook_passes_on_a_clean_file(hook_repo, tmp_path):
    project = make_project(tmp_path, {"svc/use.go": USE_CLOSES}, committed={"svc/client.go": CLIENT})
    done = try_repo(hook_repo, project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout


def test_hook_honours_configured_excludes_for_passed_files(hook_repo, tmp_path):
    project = make_project(tmp_path, {"gen/use.go": USE_LEAKS.replace("fetch(u)", "http.Get(u)").replace(
        "package svc\n", 'package svc\n\nimport "net/http"\n'), "leaklint.toml": 'exclude = ["gen/"]\n'})
    done = try_repo(hook_repo, project)
    assert done.returncode == 0, done.stdout + done.stderr
