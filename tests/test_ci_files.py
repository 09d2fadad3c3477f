"""The CI files users copy: the workflow in docs/ci.md, its copy in .github/, action.yml, the hook."""
from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is needed to parse the workflow (add pyyaml to the test extras)")

REPO = Path(__file__).resolve().parent.parent

from leaklint_gopy import __version__  # noqa: E402 - after the skip above


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_docs_workflow_is_the_repository_workflow():
    blocks = re.findall(r"```yaml\n(.*?)```", (REPO / "docs" / "ci.md").read_text(encoding="utf-8"), re.S)
    documented = blocks[0].replace(f"uses: leaklint/leaklint@v{__version__}\n", "uses: ./\n")
    assert documented == (REPO / ".github" / "workflows" / "leaklint.yml").read_text(encoding="utf-8")
    for block in blocks:
        assert isinstance(yaml.safe_load(block), dict)


def test_workflow_uploads_sarif_and_gates_pull_requests():
    workflow = load(REPO / ".github" / "workflows" / "leaklint.yml")
    triggers = workflow.get("on", workflow.get(True))
    assert "pull_request" in triggers
    [job] = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    all_steps = steps(workflow)
    checkout = next(s for s in all_steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    leaklint = [s for s in all_steps if s.get("uses") == "./"]
    sarif, gate = leaklint
    assert sarif["with"]["format"] == "sarif" and "--exit-zero" in sarif["with"]["args"]
    upload = next(s for s in all_steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == sarif["with"]["output"]
    assert upload["with"]["category"] and "cancelled()" in upload["if"]
    assert gate["if"] == "github.event_name == 'pull_request'"
    assert "--new-from-merge-base origin/${{ github.base_ref }}" in gate["with"]["args"]
    assert "--exit-zero" not in gate["with"]["args"]
    inputs = set(load(REPO / "action.yml")["inputs"])
    assert all(set(s["with"]) <= inputs for s in leaklint)


def test_shard_recipe_merges_before_uploading():
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    recipe = next(yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "--shard" in b)
    shard, upload = recipe["jobs"]["shard"], recipe["jobs"]["upload"]
    assert shard["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    assert upload["needs"] == "shard" and upload["permissions"]["security-events"] == "write"
    runs = " ".join(s.get("run", "") for s in upload["steps"])
    assert "leaklint merge shards/*.sarif -o leaklint.sarif" in runs


def test_action_is_composite_and_installs_from_its_own_path():
    action = load(REPO / "action.yml")
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"paths", "format", "baseline", "fail-on", "args", "working-directory",
                                     "only-new-issues", "github-token"}
    assert action["inputs"]["fail-on"]["default"] == "", "the configuration's fail-on must win unless set"
    install, patch, check = action["runs"]["steps"]
    assert all(step["shell"] == "bash" for step in (install, patch, check))
    assert "pip install" in install["run"] and "github.action_path" in install["env"]["LEAKLINT_ACTION_PATH"]
    assert "application/vnd.github.v3.diff" in patch["run"] and "only-new-issues" in patch["if"]
    assert check["working-directory"] == "${{ inputs.working-directory }}"
    for step in (install, patch, check):
        assert "${{" not in step["run"], "inputs reach scripts only through env (no injection)"


def run_action(tmp_path: Path, **inputs: str) -> tuple[int, list[str]]:
    """Runs the action's own leaklint step with a leaklint that records its arguments."""
    script = load(REPO / "action.yml")["runs"]["steps"][2]["run"]
    venv_bin = tmp_path / "leaklint-venv" / "bin"
    venv_bin.mkdir(parents=True, exist_ok=True)
    fake = venv_bin / "leaklint"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {tmp_path}/argv\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    if not (venv_bin / "python").exists():
        (venv_bin / "python").symlink_to(sys.executable)
    values = {"paths": ".", "format": "github", "output": "", "baseline": "", "fail_on": "", "args": "", "patch": "",
              **inputs}
    env = {**os.environ, "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(tmp_path / "github_output"),
           **{f"INPUT_{key.upper()}": value for key, value in values.items() if key != "patch"},
           "LEAKLINT_PATCH": values["patch"]}
    done = subprocess.run(["bash", "-eo", "pipefail", "-c", script], env=env, cwd=tmp_path)
    return done.returncode, (tmp_path / "argv").read_text().split("\n")[:-1]


def test_action_run_step_passes_inputs_to_leaklint(tmp_path):
    status, argv = run_action(tmp_path, paths="svc cmd/x", format="sarif", output="out.sarif", baseline="base.json",
                              fail_on="warning", args="--new-from-merge-base origin/main --select LL101")
    assert status == 1
    assert argv == ["check", "--format", "sarif", "--fail-on", "warning", "--output", "out.sarif", "--baseline",
                    "base.json", "--new-from-merge-base", "origin/main", "--select", "LL101", "--", "svc", "cmd/x"]
    assert (tmp_path / "github_output").read_text() == "exit-code=1\n"


def test_action_leaves_fail_on_to_the_configuration_unless_set(tmp_path):
    assert run_action(tmp_path)[1] == ["check", "--format", "github", "--", "."]


def test_action_quotes_paths_and_args_as_a_shell_would_and_never_evaluates_them(tmp_path):
    argv = run_action(tmp_path, paths="'my dir' \"other dir\" $HOME", args='--select "LL101,LL102" `id`')[1]
    assert argv == ["check", "--format", "github", "--select", "LL101,LL102", "`id`", "--", "my dir", "other dir",
                    "$HOME"]


def test_action_gates_on_the_fetched_patch(tmp_path):
    argv = run_action(tmp_path, patch="/tmp/pr.diff")[1]
    assert argv == ["check", "--format", "github", "--new-from-patch", "/tmp/pr.diff", "--", "."]


def test_action_command_line_is_accepted_by_the_real_cli(tmp_path):
    (tmp_path / "a.go").write_text("package a\n")
    done = subprocess.run([sys.executable, "-m", "leaklint_gopy", "check", "--format", "github", "--fail-on", "note",
                           "--", "."], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert (done.returncode, done.stdout) == (0, "")


def test_pre_commit_hook_definition():
    [hook] = load(REPO / ".pre-commit-hooks.yaml")
    assert hook["id"] == "leaklint" and hook["language"] == "python"
    assert hook["entry"] == "leaklint check --force-exclude"
    assert hook["types_or"] == ["python", "go"] and hook["require_serial"] is True
    assert hook.get("pass_filenames", True) is True
