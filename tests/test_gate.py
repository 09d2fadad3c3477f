"""The pull-request gate on real git repositories: --new-from-rev, --new-from-merge-base, baselines."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from leaklint_gopy import cli, gate
from leaklint_gopy.finding import Finding, Location
from leaklint_gopy.gitdiff import Changes, FileChanges, parse_diff
from leaklint_gopy.ir import Span

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

PROBE = """\
package svc

import (
\t"fmt"
\t"net/http"
)

// Probe checks the status.
func Probe(c *http.Client, url string) error {
\tresp, err := c.Get(url)
\tif err != nil {
\t\treturn err
\t}
\tdefer resp.Body.Close()
\tif resp.StatusCode != http.StatusOK {
\t\treturn fmt.Errorf("status %d", resp.StatusCode)
\t}
\treturn nil
}
"""

OLD_LEAK = """
// Legacy leaks since forever.
func Legacy(u string) int {
\tresp, err := http.Get(u)
\tif err != nil {
\t\treturn 0
\t}
\treturn resp.StatusCode
}
"""

NEW_LEAK = """
// Fresh leaks in this change.
func Fresh(u string) int {
\tresp, err := http.Get(u)
\tif err != nil {
\t\treturn 0
\t}
\treturn resp.StatusCode
}
"""

ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env={**os.environ, **ENV}, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose first commit holds svc/probe.go with one old leak; the cwd."""
    root = tmp_path / "repo"
    (root / "svc").mkdir(parents=True)
    (root / "svc" / "probe.go").write_text(PROBE + OLD_LEAK)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")
    monkeypatch.chdir(root)
    return root


def committed(root: Path, files: dict[str, str]) -> Path:
    """Writes `files` (path -> text) under `root` and commits them in a new repository."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")
    return root


def lines(capsys, *argv: str) -> tuple[int, list[tuple[str, int]]]:
    """Runs `check --format json` and returns the status and (path, line) of active findings."""
    status = cli.main(["check", "--format", "json", *argv])
    document = json.loads(capsys.readouterr().out)
    return status, [(f["path"], f["line"]) for f in document["findings"] if not f["suppressed"]]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_new_from_rev_reports_only_the_new_leak(repo, capsys):
    (repo / "svc" / "probe.go").write_text(PROBE + OLD_LEAK + NEW_LEAK)
    assert lines(capsys) == (1, [("svc/probe.go", 23), ("svc/probe.go", 32)])
    assert lines(capsys, "--new-from-rev", "HEAD") == (1, [("svc/probe.go", 32)])


def test_unrelated_edit_does_not_resurface_an_old_leak(repo, capsys):
    edit(repo / "svc" / "probe.go", "// Probe checks the status.", "// Probe checks the status of url.")
    edit(repo / "svc" / "probe.go", "// Legacy leaks since forever.", "// Legacy leaks since 2019.")
    assert lines(capsys, "--new-from-rev", "HEAD") == (0, [])


def test_removed_close_is_a_new_leak_at_the_unchanged_call(repo, capsys):
    edit(repo / "svc" / "probe.go", "\tdefer resp.Body.Close()\n", "")
    assert lines(capsys, "--new-from-rev", "HEAD") == (1, [("svc/probe.go", 10)])


def test_added_early_return_is_a_new_leak(repo, capsys):
    edit(repo / "svc" / "probe.go", "\tdefer resp.Body.Close()\n",
         "\tif resp.StatusCode == 202 {\n\t\treturn nil\n\t}\n\tdefer resp.Body.Close()\n")
    assert lines(capsys, "--new-from-rev", "HEAD") == (1, [("svc/probe.go", 10)])


def test_staged_and_untracked_files_count_as_changed(repo, capsys):
    (repo / "svc" / "fresh.go").write_text("package svc\n\nimport \"net/http\"\n" + NEW_LEAK)
    assert lines(capsys, "--new-from-rev", "HEAD") == (1, [("svc/fresh.go", 7)])
    git(repo, "add", "svc/fresh.go")
    assert lines(capsys, "--new-from-rev", "HEAD") == (1, [("svc/fresh.go", 7)])


def test_new_from_merge_base_compares_with_the_fork_point(repo, capsys):
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "svc" / "probe.go").write_text(PROBE + OLD_LEAK + NEW_LEAK)
    git(repo, "commit", "-q", "-am", "add Fresh")
    git(repo, "checkout", "-q", "main")
    (repo / "svc" / "other.go").write_text("package svc\n\nimport \"net/http\"\n" + NEW_LEAK.replace("Fresh", "Other"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "main moves on")
    git(repo, "checkout", "-q", "feature")
    assert lines(capsys, "--new-from-merge-base", "main") == (1, [("svc/probe.go", 32)])
    assert lines(capsys, "--new-from-rev", "HEAD") == (0, [])


def test_unknown_revision_and_no_repository_are_usage_errors(repo, capsys, tmp_path, monkeypatch):
    assert cli.main(["check", "--new-from-rev", "no-such-rev"]) == 2
    assert capsys.readouterr().err == "leaklint: error: unknown git revision 'no-such-rev'\n"
    assert cli.main(["check", "--new-from-rev", "HEAD", "--new-from-merge-base", "main"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "a.go").write_text(PROBE)
    monkeypatch.chdir(outside)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert cli.main(["check", "--new-from-rev", "HEAD"]) == 2
    assert capsys.readouterr().err.startswith("leaklint: error: unknown git revision 'HEAD'")


def test_baseline_accepts_recorded_leaks_after_lines_move(repo, capsys):
    assert cli.main(["baseline", "-o", ".leaklint-baseline.json"]) == 0
    assert capsys.readouterr().err == "leaklint: recorded 1 finding in .leaklint-baseline.json\n"
    recorded = json.loads((repo / ".leaklint-baseline.json").read_text())
    assert [(e["rule"], e["path"], e["line"]) for e in recorded["findings"]] == [("LL101", "svc/probe.go", 23)]
    edit(repo / "svc" / "probe.go", "// Probe checks the status.\n", "// Probe\n//\n// checks\n// the status.\n")
    assert lines(capsys, "--baseline", ".leaklint-baseline.json") == (0, [])
    assert cli.main(["check", "--baseline", ".leaklint-baseline.json"]) == 0
    assert capsys.readouterr().out == "no leaks found in 1 file (1 in the baseline)\n"
    (repo / "svc" / "probe.go").write_text(PROBE + OLD_LEAK + NEW_LEAK)
    assert lines(capsys, "--baseline", ".leaklint-baseline.json") == (1, [("svc/probe.go", 32)])


def test_baseline_matches_however_leaklint_is_invoked(repo, capsys, monkeypatch):
    assert cli.main(["baseline", "-o", str(repo / "base.json"), "svc"]) == 0
    assert lines(capsys, "--baseline", "base.json", str(repo)) == (0, [])
    monkeypatch.chdir(repo / "svc")
    assert lines(capsys, "--baseline", "../base.json", ".") == (0, [])
    assert lines(capsys, "--baseline", "../base.json", "probe.go") == (0, [])


def test_bad_baseline_files_are_errors(repo, capsys):
    assert cli.main(["check", "--baseline", "missing.json"]) == 2
    assert capsys.readouterr().err == ("leaklint: error: missing.json: baseline file not found "
                                       "(create it with `leaklint baseline -o missing.json`)\n")
    (repo / "bad.json").write_text('{"findings": []}')
    assert cli.main(["check", "--baseline", "bad.json"]) == 2
    assert "not a leaklint baseline" in capsys.readouterr().err


def test_parse_diff_marks_added_lines_and_removal_points(tmp_path):
    diff = (
        "diff --git a/x.go b/x.go\n--- a/x.go\n+++ b/x.go\n"
        "@@ -3,0 +4,2 @@ func f() {\n+a\n+b\n"
        "@@ -10,2 +11,0 @@\n-c\n-d\n"
        "@@ -20 +19 @@\n-e\n+f\n"
        "diff --git a/gone.go b/gone.go\n--- a/gone.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
        'diff --git "a/sp\\303\\251c.go" "b/sp\\303\\251c.go"\n--- "a/sp\\303\\251c.go"\n+++ "b/sp\\303\\251c.go"\n'
        "@@ -1 +1 @@\n-x\n+y\n"
    )
    files = parse_diff(diff, str(tmp_path))
    x = files[str(tmp_path / "x.go")]
    assert (x.added, x.removals) == ({4, 5, 19}, {11, 12, 19})
    assert set(files) == {str(tmp_path / "x.go"), str(tmp_path / "spéc.go")}


def test_is_new_looks_at_own_lines_and_removals_in_between(tmp_path):
    path = str(tmp_path / "x.go")
    finding = Finding("LL101", "m", Span(path, 10, 2, 10, 9), "error",
                      related=(Location(Span(path, 20, 2, 20, 8), "returns here"),))

    def new(**changes) -> bool:
        return gate.is_new(finding, Changes({path: FileChanges(**changes)}))

    assert new(added={20}) and new(added={10}) and new(removals={15}) and new(whole=True)
    assert not new(added={15}) and not new(removals={21}) and not new(added={9, 21})
    assert not gate.is_new(finding, Changes({}))


def test_exit_status_follows_fail_on_and_exit_zero():
    span = Span("x.go", 1, 1, 1, 2)
    warning = Finding("LL101", "m", span, "warning")
    quiet = Finding("LL101", "m", span, "error", suppressed=True)
    assert gate.exit_status([warning], "note") == 1
    assert gate.exit_status([warning], "warning") == 1
    assert gate.exit_status([warning], "error") == 0
    assert gate.exit_status([quiet], "note") == 0
    assert gate.exit_status([], "note", unused=1) == 1
    assert gate.exit_status([warning], "note", unused=1, exit_zero=True) == 0


def test_gitignore_never_hides_a_file_git_tracks(repo, capsys):
    (repo / ".gitignore").write_text("gen/\n*_gen.go\n")
    (repo / "gen").mkdir()
    leak = "package gen\n\nimport \"net/http\"\n" + NEW_LEAK
    (repo / "gen" / "client.go").write_text(leak)
    (repo / "gen" / "scratch.go").write_text(leak)
    (repo / "svc" / "table_gen.go").write_text(leak.replace("package gen", "package svc").replace("Fresh", "Table"))
    git(repo, "add", "-f", "gen/client.go", "svc/table_gen.go")
    status, found = lines(capsys)
    assert status == 1
    assert [path for path, _ in found] == ["gen/client.go", "svc/probe.go", "svc/table_gen.go"]
    assert lines(capsys, "--no-gitignore")[1] == [*found[:1], ("gen/scratch.go", 7), *found[1:]]


def test_a_shallow_clone_says_how_to_get_a_merge_base(repo, capsys, tmp_path, monkeypatch):
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "svc" / "probe.go").write_text(PROBE + OLD_LEAK + NEW_LEAK)
    git(repo, "commit", "-q", "-am", "add Fresh")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", "--branch", "feature", repo.as_uri(), str(clone))
    monkeypatch.chdir(clone)
    assert cli.main(["check", "--new-from-merge-base", "origin/main"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("leaklint: error: no merge base of 'origin/main' and HEAD: this is a shallow clone")
    assert "fetch-depth: 0" in err and "--new-from-patch" in err and err.count("\n") == 1


def test_new_from_patch_reads_the_changed_lines_from_a_unified_diff(repo, capsys):
    (repo / "svc" / "probe.go").write_text(PROBE + OLD_LEAK + NEW_LEAK)
    (repo / "pr.diff").write_text(git(repo, "diff", "--no-color") + "\n")
    git(repo, "commit", "-q", "-am", "add Fresh")
    assert lines(capsys, "--new-from-patch", "pr.diff") == (1, [("svc/probe.go", 32)])
    os.chdir(repo / "svc")
    assert lines(capsys, "--new-from-patch", "../pr.diff", ".") == (1, [("svc/probe.go", 32)])


def test_a_bad_patch_is_a_one_line_error(repo, capsys):
    assert cli.main(["check", "--new-from-patch", "missing.diff"]) == 2
    assert capsys.readouterr().err == "leaklint: error: missing.diff: cannot read the patch: No such file or directory\n"
    (repo / "empty.diff").write_text("not a diff\n")
    assert cli.main(["check", "--new-from-patch", "empty.diff"]) == 2
    assert capsys.readouterr().err == "leaklint: error: empty.diff: not a unified diff (no +++ file header)\n"


def test_parse_diff_reads_context_lines_and_counts_hunk_bodies(tmp_path):
    diff = (
        "diff --git a/x.go b/x.go\nindex 1..2 100644\n--- a/x.go\n+++ b/x.go\n"
        "@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n-d\n e\n+f\n"
        "@@ -10,3 +10,3 @@\n--- not a header\n+++ nor this\n x\n y\n"
        "diff --git a/new.go b/new.go\nnew file mode 100644\n--- /dev/null\n+++ b/new.go\n@@ -0,0 +1 @@\n+n\n"
    )
    files = parse_diff(diff, str(tmp_path))
    x = files[str(tmp_path / "x.go")]
    assert (x.added, x.removals) == ({2, 5, 10}, {2, 3, 4, 10})
    assert files[str(tmp_path / "new.go")].whole


def test_summaries_say_what_the_gate_left_out(repo, capsys):
    (repo / "svc" / "probe.go").write_text(PROBE + OLD_LEAK + NEW_LEAK)
    git(repo, "commit", "-q", "-am", "add Fresh")
    assert cli.main(["check", "--new-from-rev", "HEAD"]) == 0
    assert capsys.readouterr().out == "no leaks found in 1 file; 2 existing findings not shown (no change touches them)\n"
    edit(repo / "svc" / "probe.go", "// Fresh leaks in this change.", "// Fresh leaks.")
    edit(repo / "svc" / "probe.go", "\treturn resp.StatusCode\n}\n", "\treturn resp.StatusCode + 0\n}\n")
    assert cli.main(["check", "-q", "--format", "json", "--new-from-rev", "HEAD"]) == 1
    assert json.loads(capsys.readouterr().out)["summary"]["unchanged"] == 1


def test_baselined_findings_are_counted_apart_from_suppressed_ones(repo, capsys):
    assert cli.main(["baseline", "-o", "base.json"]) == 0
    edit(repo / "svc" / "probe.go", "\tresp, err := c.Get(url)\n", "\tresp, err := c.Get(url) //leaklint:ignore LL101 x\n")
    edit(repo / "svc" / "probe.go", "\tdefer resp.Body.Close()\n", "")
    capsys.readouterr()
    assert cli.main(["check", "--baseline", "base.json"]) == 0
    assert capsys.readouterr().out == "no leaks found in 1 file (1 suppressed, 1 in the baseline)\n"
    assert cli.main(["check", "--format", "json", "--baseline", "base.json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert (summary["suppressed"], summary["baselined"]) == (2, 1)
