"""Automatic fixes: every case under fixtures/fixes is fixed on a copy and compared byte for byte
with its `.fixed` (safe fixes, `--fix`) and `.unsafe-fixed` (`--fix --unsafe-fixes`) twin; a case
without one must stay untouched. Fixed Go passes gofmt and go vet, fixed Python compiles."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from leaklint_gopy import cli
from leaklint_gopy.finding import Edit, Finding, Fix, RunResult
from leaklint_gopy.fixes.apply import Outcome, fix_pass
from leaklint_gopy.ir import Span

FIXES = Path(__file__).resolve().parent.parent / "fixtures" / "fixes"
CASES = sorted([*FIXES.glob("go/*.go"), *FIXES.glob("python/*.py")])
HAS_GO = shutil.which("go") is not None and shutil.which("gofmt") is not None


def expected(case: Path, unsafe: bool) -> str:
    """Returns what fixing `case` must give: the unsafe twin, else the safe one, else the source."""
    candidates = [Path(f"{case}.unsafe-fixed")] if unsafe else []
    candidates.append(Path(f"{case}.fixed"))
    return next((p.read_text(encoding="utf-8") for p in candidates if p.exists()), case.read_text(encoding="utf-8"))


def fix_copy(case: Path, tmp_path: Path, monkeypatch, capsys, *flags: str) -> tuple[int, str, str]:
    shutil.copy(case, tmp_path / case.name)
    monkeypatch.chdir(tmp_path)
    status = cli.main(["check", "--no-cache", *flags, case.name])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_safe_fix_gives_the_fixed_twin(case, tmp_path, monkeypatch, capsys):
    fix_copy(case, tmp_path, monkeypatch, capsys, "--fix")
    assert (tmp_path / case.name).read_text(encoding="utf-8") == expected(case, unsafe=False)


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_unsafe_fix_gives_the_unsafe_twin_and_is_idempotent(case, tmp_path, monkeypatch, capsys):
    fix_copy(case, tmp_path, monkeypatch, capsys, "--fix", "--unsafe-fixes")
    fixed = (tmp_path / case.name).read_text(encoding="utf-8")
    assert fixed == expected(case, unsafe=True)
    status = cli.main(["check", "--no-cache", "--fix", "--unsafe-fixes", "--diff", case.name])
    assert (status, capsys.readouterr().out) == (0, "")


def test_every_fixable_case_has_a_twin_and_every_twin_a_case():
    twins = {*FIXES.glob("*/*.fixed"), *FIXES.glob("*/*.unsafe-fixed")}
    assert {Path(str(t).rsplit(".", 1)[0]) for t in twins} <= set(CASES)
    assert sum(not p.name.startswith("no_fix_") for p in CASES) == len({Path(str(t).rsplit(".", 1)[0]) for t in twins})


GO_FIXED = sorted([*FIXES.glob("go/*.fixed"), *FIXES.glob("go/*.unsafe-fixed")])


@pytest.mark.skipif(not HAS_GO, reason="Go is not installed (apt-get install -y golang-go)")
@pytest.mark.parametrize("fixed", GO_FIXED, ids=lambda p: p.name)
def test_fixed_go_is_gofmt_clean_and_vets(fixed, tmp_path):
    source = tmp_path / "fixed.go"
    source.write_text(fixed.read_text(encoding="utf-8"), encoding="utf-8")
    assert subprocess.run(["gofmt", "-l", str(source)], capture_output=True, text=True, timeout=60).stdout == ""
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOCACHE": str(tmp_path / ".cache")}
    subprocess.run(["go", "mod", "init", "fixes"], cwd=tmp_path, capture_output=True, env=env, timeout=60)
    if "github.com/stretchr/testify" in source.read_text(encoding="utf-8"):
        stub_testify(tmp_path)
    vetted = subprocess.run(["go", "vet", "./..."], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert vetted.returncode == 0, vetted.stderr


TESTIFY = """package {name}

import "testing"

func NoError(t testing.TB, err error, args ...interface{{}}) {{}}
func Nil(t testing.TB, value interface{{}}, args ...interface{{}}) {{}}
func Equal(t testing.TB, expected, actual interface{{}}, args ...interface{{}}) {{}}
"""


def stub_testify(module: Path) -> None:
    """Gives the module offline stand-ins for testify's assert and require (the calls the fixtures use)."""
    for name in ("assert", "require"):
        (module / "testify" / name).mkdir(parents=True)
        (module / "testify" / name / f"{name}.go").write_text(TESTIFY.format(name=name), encoding="utf-8")
    (module / "testify" / "go.mod").write_text("module github.com/stretchr/testify\n\ngo 1.19\n", encoding="utf-8")
    with open(module / "go.mod", "a", encoding="utf-8") as handle:
        handle.write("\nrequire github.com/stretchr/testify v1.8.0\n\nreplace github.com/stretchr/testify => ./testify\n")


@pytest.mark.parametrize("fixed", sorted([*FIXES.glob("python/*.fixed"), *FIXES.glob("python/*.unsafe-fixed")]),
                         ids=lambda p: p.name)
def test_fixed_python_compiles(fixed):
    compile(fixed.read_text(encoding="utf-8"), str(fixed), "exec")


def test_diff_prints_the_change_writes_nothing_and_exits_one(tmp_path, monkeypatch, capsys):
    case = FIXES / "go" / "defer_after_check.go"
    status, out, err = fix_copy(case, tmp_path, monkeypatch, capsys, "--diff")
    assert status == 1
    assert (tmp_path / case.name).read_text() == case.read_text()
    assert out.startswith("--- a/defer_after_check.go\n+++ b/defer_after_check.go\n")
    assert "+\tdefer resp.Body.Close()\n" in out
    assert err == "leaklint: would fix 1 leak in 1 file\n"


def test_diff_without_fixes_is_empty_and_exits_zero(tmp_path, monkeypatch, capsys):
    status, out, _ = fix_copy(FIXES / "go" / "no_fix_returned.go", tmp_path, monkeypatch, capsys, "--diff")
    assert (status, out) == (0, "")


def test_text_marks_fixable_findings_and_counts_them(tmp_path, monkeypatch, capsys):
    status, out, _ = fix_copy(FIXES / "python" / "try_finally.py", tmp_path, monkeypatch, capsys, "--show-fixes")
    assert status == 1
    assert "[*] response" not in out and "LL202 [error] HTTP connection" in out  # unsafe: no mark by default
    assert out.endswith("1 leak in 1 file\n1 fixable with --fix --unsafe-fixes\n")
    cli.main(["check", "--no-cache", "--unsafe-fixes", "try_finally.py"])
    out = capsys.readouterr().out
    assert "try_finally.py:7:5: LL202 [error] [*] HTTP connection `conn`" in out
    assert out.endswith("1 leak in 1 file\n[*] 1 fixable with --fix\n")


def test_fix_reports_what_is_left_and_exits_on_it(tmp_path, monkeypatch, capsys):
    status, out, err = fix_copy(FIXES / "go" / "move_defer.go", tmp_path, monkeypatch, capsys, "--fix")
    assert (status, out, err) == (0, "fixed 1 leak; no leaks left in 1 file\n", "leaklint: fixed 1 leak in 1 file\n")
    status, out, _ = fix_copy(FIXES / "go" / "no_fix_returned.go", tmp_path, monkeypatch, capsys, "--fix")
    assert status == 1 and "LL101 [error] response body" in out and "fixed" not in out


def test_json_and_rdjson_carry_the_fix(tmp_path, monkeypatch, capsys):
    fix_copy(FIXES / "go" / "defer_after_check.go", tmp_path, monkeypatch, capsys, "--format", "json")
    cli.main(["check", "--no-cache", "--show-fixes", "--format", "json", "defer_after_check.go"])
    finding = json.loads(capsys.readouterr().out)["findings"][0]
    assert finding["fix"] == {
        "applicability": "safe", "message": "add `defer resp.Body.Close()` after the error check",
        "edits": [{"path": "defer_after_check.go", "line": 10, "column": 25, "end_line": 10, "end_column": 25,
                   "content": "\n\tdefer resp.Body.Close()"}]}
    cli.main(["check", "--no-cache", "--format", "rdjson", "defer_after_check.go"])
    document = json.loads(capsys.readouterr().out)
    assert document["source"]["name"] == "leaklint"
    diagnostic = document["diagnostics"][0]
    assert diagnostic["code"]["value"] == "LL101" and diagnostic["severity"] == "ERROR"
    assert diagnostic["location"] == {"path": "defer_after_check.go",
                                      "range": {"start": {"line": 7, "column": 15}, "end": {"line": 7, "column": 24}}}
    assert diagnostic["suggestions"] == [{"range": {"start": {"line": 10, "column": 25}, "end": {"line": 10, "column": 25}},
                                          "text": "\n\tdefer resp.Body.Close()"}]


def test_sarif_result_carries_its_fix(tmp_path, monkeypatch, capsys):
    fix_copy(FIXES / "python" / "with_urlopen.py", tmp_path, monkeypatch, capsys)
    cli.main(["check", "--no-cache", "--show-fixes", "--format", "sarif", "with_urlopen.py"])
    result = json.loads(capsys.readouterr().out)["runs"][0]["results"][0]
    (change,) = result["fixes"][0]["artifactChanges"]
    assert result["fixes"][0]["description"]["text"] == "use `with` for `resp`"
    assert change["artifactLocation"] == {"uri": "with_urlopen.py", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"][0]["deletedRegion"] == {"startLine": 7, "startColumn": 1, "endLine": 9, "endColumn": 1}
    assert change["replacements"][0]["insertedContent"]["text"].startswith("    with urlopen(url, timeout=5) as resp:")


def test_a_file_that_does_not_parse_is_never_fixed_nor_crashes(tmp_path, monkeypatch, capsys):
    (tmp_path / "broken.py").write_text("import socket\ndef f(:\n    s = socket.socket()\n")
    monkeypatch.chdir(tmp_path)
    status = cli.main(["check", "--no-cache", "--fix", "--unsafe-fixes", "broken.py"])
    assert status in (0, 1)
    assert (tmp_path / "broken.py").read_text() == "import socket\ndef f(:\n    s = socket.socket()\n"


def test_a_fix_that_would_not_parse_is_not_written(tmp_path):
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    bad = Fix("break it", "safe", (Edit(Span(str(path), 1, 1, 1, 1), "def ("),))
    finding = Finding("LL205", "m", Span(str(path), 1, 1, 1, 2), "warning", fix=bad)
    outcome = Outcome()
    assert fix_pass(RunResult([finding], [], [], 1, str(tmp_path)), False, outcome, write=True) == 0
    assert path.read_text() == "x = 1\n"


def test_fixes_are_proposed_only_when_asked(tmp_path, monkeypatch, capsys):
    # Verifying a fix analyses the fixed file again: a plain check does not pay for it.
    status, out, _ = fix_copy(FIXES / "python" / "try_finally.py", tmp_path, monkeypatch, capsys, "--unsafe-fixes")
    assert "[*]" in out
    status, out, _ = fix_copy(FIXES / "python" / "try_finally.py", tmp_path, monkeypatch, capsys)
    assert "[*]" not in out and "fixable" not in out
