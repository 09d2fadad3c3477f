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


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_docs_workflow_is_the_repository_workflow():
    blocks = re.findall(r"```yaml\n(.*?)```", (REPO / "docs" / "ci.md").read_text(encoding="utf-8"), re.S)
    documented = blocks[0].replace("uses: leaklint/leaklint@v1\n", "uses: ./\n")
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
    assert set(action["inputs"]) >= {"paths", "format", "baseline", "fail-on", "args"}
    install, check = action["runs"]["steps"]
    assert all(step["shell"] == "bash" for step in (install, check))
    assert "pip install" in install["run"] and "github.action_path" in install["env"]["LEAKLINT_ACTION_PATH"]
    assert "${{" not in install["run"] + check["run"], "inputs reach scripts only through env (no injection)"


def test_action_run_step_passes_inputs_to_leaklint(tmp_path):
    """Runs the action's own script with a leaklint that records its arguments."""
    action = load(REPO / "action.yml")
    script = action["runs"]["steps"][1]["run"]
    venv_bin = tmp_path / "leaklint-venv" / "bin"
    venv_bin.mkdir(parents=True)
    fake = venv_bin / "leaklint"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {tmp_path}/argv\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    output = tmp_path / "github_output"
    env = {**os.environ, "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(output), "INPUT_PATHS": "svc cmd/x",
           "INPUT_FORMAT": "sarif", "INPUT_OUTPUT": "out.sarif", "INPUT_BASELINE": "base.json",
           "INPUT_FAIL_ON": "warning", "INPUT_ARGS": "--new-from-merge-base origin/main --select LL101"}
    done = subprocess.run(["bash", "-eo", "pipefail", "-c", script], env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert (tmp_path / "argv").read_text().split("\n")[:-1] == [
        "check", "--format", "sarif", "--fail-on", "warning", "--output", "out.sarif", "--baseline", "base.json",
        "--new-from-merge-base", "origin/main", "--select", "LL101", "--", "svc", "cmd/x"]
    assert output.read_text() == "exit-code=1\n"


def test_action_command_line_is_accepted_by_the_real_cli(tmp_path):
    (tmp_path / "a.go").write_text("package a\n")
    done = subprocess.run([sys.executable, "-m", "leaklint", "check", "--format", "github", "--fail-on", "note",
                           "--", "."], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert (done.returncode, done.stdout) == (0, "")


def test_pre_commit_hook_definition():
    [hook] = load(REPO / ".pre-commit-hooks.yaml")
    assert hook["id"] == "leaklint" and hook["language"] == "python"
    assert hook["entry"] == "leaklint check --force-exclude"
    assert hook["types_or"] == ["python", "go"] and hook["require_serial"] is True
    assert hook.get("pass_filenames", True) is True
