"""Configuration: discovery, validation with file-and-key errors, and how flags override it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaklint_gopy import cli
from leaklint_gopy.config import Config, ConfigError, Selection, builtin_rule_dirs, discover, load, select
from leaklint_gopy.spec import load_rules

LEAK = """\
package svc

import "net/http"

func Probe(u string) int {
\tresp, err := http.Get(u)
\tif err != nil {
\t\treturn 0
\t}
\treturn resp.StatusCode
}
"""

# A resource of a third-party package (no built-in rule covers it): only the user's rule reports it.
FILE_LEAK = """\
package svc

import "example.com/blob"

func Size(name string) (int64, error) {
\tf, err := blob.Open(name)
\tif err != nil {
\t\treturn 0, err
\t}
\tinfo, err := f.Stat()
\tif err != nil {
\t\treturn 0, err
\t}
\treturn info.Size(), f.Close()
}
"""

CUSTOM_RULE = """\
id = "LL901"
name = "go-blob-not-closed"
language = "go"
severity = "warning"
precision = "high"
resource = "blob"
title = "blob is not closed on every path"
cwe = [772]
tags = ["resource-leak"]

[[acquire]]
calls = ["example.com/blob.Open"]
results = [0]
error_result = 1

[release]
methods = ["Close"]

[docs]
what = "Reports a blob that may stay open."
why = "Every open blob holds a descriptor."
example = "f, _ := blob.Open(p)"
use_instead = "f, err := blob.Open(p)\\nif err != nil { return err }\\ndefer f.Close()"
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "probe.go").write_text(LEAK)
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "probe_gen.go").write_text(LEAK)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def findings(capsys, *argv: str) -> tuple[int, list[tuple[str, str, str]]]:
    status = cli.main(["check", "--format", "json", *argv])
    document = json.loads(capsys.readouterr().out)
    return status, [(f["path"], f["rule"], f["severity"]) for f in document["findings"] if not f["suppressed"]]


def errors(capsys, *argv: str) -> tuple[int, str]:
    status = cli.main(list(argv))
    return status, capsys.readouterr().err


def test_nearest_leaklint_toml_wins_and_pyproject_needs_the_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.leaklint]\nfail-on = "error"\n')
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.black]\nline-length = 99\n')
    assert discover(tmp_path / "a" / "b").path == tmp_path / "pyproject.toml"
    (tmp_path / "a" / "leaklint.toml").write_text('fail-on = "warning"\n')
    config = discover(tmp_path / "a" / "b")
    assert (config.path, config.root, config.fail_on) == (tmp_path / "a" / "leaklint.toml", tmp_path / "a", "warning")


def test_no_configuration_gives_defaults_rooted_at_the_start(tmp_path):
    (tmp_path / "x").mkdir()
    config = discover(tmp_path / "x")
    assert config == Config(path=None, root=tmp_path / "x")


def test_every_key_is_read(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[tool.leaklint]\nselect = ["LL1"]\nextend-select = ["LL102"]\nignore = ["LL101"]\nexclude = ["gen/"]\n'
        'rules-dirs = ["my-rules"]\nfail-on = "warning"\n'
        '[tool.leaklint.per-file-ignores]\n"*_test.go" = ["LL101"]\n'
        '[tool.leaklint.severity]\ngo-conn-not-closed = "note"\n')
    config = load(path)
    assert config.selection == Selection(("LL1",), ("LL102",), ("LL101",))
    assert config.exclude == ("gen/",)
    assert config.rules_dirs == (tmp_path / "my-rules",)
    assert config.per_file_ignores == (("*_test.go", ("LL101",)),)
    assert config.severity == (("go-conn-not-closed", "note"),)
    assert config.fail_on == "warning"


@pytest.mark.parametrize(("text", "message"), [
    ('selct = ["LL101"]\n', "leaklint.toml: unknown key selct (did you mean 'select'?)"),
    ('extend_select = ["LL101"]\n', "leaklint.toml: unknown key extend_select (did you mean 'extend-select'?)"),
    ('select = "LL101"\n', "leaklint.toml: key select must be a list of non-empty strings"),
    ('fail-on = "fatal"\n', "leaklint.toml: key fail-on must be one of error, warning, note"),
    ('[severity]\nLL101 = "high"\n', "leaklint.toml: key severity.LL101 must be one of error, warning, note"),
    ('[per-file-ignores]\n"a/*.go" = "LL101"\n', 'leaklint.toml: key per-file-ignores."a/*.go" must be a non-empty list'),
    ('select = [\n', "leaklint.toml: invalid TOML"),
])
def test_bad_configuration_names_file_and_key(tree, capsys, text, message):
    (tree / "leaklint.toml").write_text(text)
    status, err = errors(capsys, "check")
    assert status == 2 and err.count("\n") == 1
    assert err.startswith(f"leaklint: error: {tree / message.split(':')[0]}:")
    assert message.split(": ", 1)[1] in err


def test_unknown_rule_in_configuration_names_the_file(tree, capsys):
    (tree / "pyproject.toml").write_text('[tool.leaklint]\nignore = ["LL777"]\n')
    assert errors(capsys, "check") == (2, f"leaklint: error: {tree / 'pyproject.toml'}: unknown rule selector 'LL777'\n")
    (tree / "pyproject.toml").write_text('[tool.leaklint.severity]\nLL777 = "note"\n')
    assert errors(capsys, "check") == (2, f"leaklint: error: {tree / 'pyproject.toml'}: key severity.LL777 names no rule\n")
    (tree / "pyproject.toml").write_text('[tool.leaklint.per-file-ignores]\n"x.go" = ["LL777"]\n')
    status, err = errors(capsys, "check")
    assert status == 2 and "per-file-ignores.\"x.go\": unknown rule selector 'LL777'" in err


def test_missing_explicit_config_is_an_error(tree, capsys):
    assert errors(capsys, "check", "--config", "nope.toml") == (
        2, f"leaklint: error: {tree / 'nope.toml'}: no such configuration file\n")


def test_select_layers_apply_in_order():
    rules = [r for r in load_rules(builtin_rule_dirs()) if r.language == "go"]

    def ids(chosen):
        return [r.id for r in chosen]

    assert ids(select(rules, [])) == ids(rules)
    assert ids(select(rules, [("f", Selection(ignore=("LL101",)))])) == [i for i in ids(rules) if i != "LL101"]
    file_layer = ("f", Selection(select=("LL102",)))
    assert ids(select(rules, [file_layer, ("cli", Selection(extend_select=("LL101",)))])) == ["LL101", "LL102"]
    assert ids(select(rules, [("f", Selection(ignore=("ALL",))), ("cli", Selection(select=("LL101",)))])) == ["LL101"]
    with pytest.raises(ConfigError, match="^cli: unknown rule selector 'XX1'$"):
        select(rules, [("cli", Selection(ignore=("XX1",)))])


def test_exclude_from_config_and_command_line(tree, capsys):
    assert findings(capsys)[1] == [("gen/probe_gen.go", "LL101", "error"), ("svc/probe.go", "LL101", "error")]
    (tree / "leaklint.toml").write_text('exclude = ["gen/"]\n')
    assert findings(capsys)[1] == [("svc/probe.go", "LL101", "error")]
    assert findings(capsys, "--exclude", "svc/")[1] == [("gen/probe_gen.go", "LL101", "error")]


def test_force_exclude_applies_to_named_files(tree, capsys):
    (tree / "leaklint.toml").write_text('exclude = ["gen/"]\n')
    assert findings(capsys, "gen/probe_gen.go")[1] == [("gen/probe_gen.go", "LL101", "error")]
    assert findings(capsys, "--force-exclude", "gen/probe_gen.go") == (0, [])


def test_per_file_ignores_and_severity_overrides(tree, capsys):
    (tree / "leaklint.toml").write_text(
        '[per-file-ignores]\n"gen/*" = ["LL1"]\n[severity]\ngo-http-body-not-closed = "warning"\n')
    status, found = findings(capsys)
    assert (status, found) == (1, [("svc/probe.go", "LL101", "warning")])
    cli.main(["check", "--format", "sarif"])
    log = json.loads(capsys.readouterr().out)
    run = log["runs"][0]
    assert [r["level"] for r in run["results"]] == ["warning"]
    assert run["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] == "warning"
    assert cli.main(["check", "--format", "sarif", "--sarif-include-suppressed"]) == 1
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert [r.get("suppressions") for r in results] == [
        [{"justification": "per-file-ignores 'gen/*' in leaklint.toml", "kind": "external", "status": "accepted"}], None]


def test_file_name_glob_matches_in_any_directory(tree, capsys):
    (tree / "leaklint.toml").write_text('[per-file-ignores]\n"*_gen.go" = ["LL101"]\n')
    assert findings(capsys)[1] == [("svc/probe.go", "LL101", "error")]


def test_command_line_overrides_configuration(tree, capsys):
    (tree / "leaklint.toml").write_text('ignore = ["LL101"]\nfail-on = "error"\n')
    assert findings(capsys) == (0, [])
    assert findings(capsys, "--select", "LL101")[0] == 1
    (tree / "leaklint.toml").write_text('fail-on = "error"\n[severity]\nLL101 = "warning"\n')
    assert findings(capsys)[0] == 0
    assert findings(capsys, "--fail-on", "warning")[0] == 1


def test_rules_dirs_add_user_rules(tree, capsys):
    (tree / "svc" / "size.go").write_text(FILE_LEAK)
    (tree / "my-rules").mkdir()
    (tree / "my-rules" / "go-blob-not-closed.toml").write_text(CUSTOM_RULE)
    assert ("svc/size.go", "LL901", "warning") not in findings(capsys)[1]
    (tree / "leaklint.toml").write_text('rules-dirs = ["my-rules"]\n')
    assert ("svc/size.go", "LL901", "warning") in findings(capsys)[1]
    cli.main(["rules"])
    assert "LL901  go-blob-not-closed" in capsys.readouterr().out
    (tree / "leaklint.toml").unlink()
    assert ("svc/size.go", "LL901", "warning") in findings(capsys, "--rules-dir", "my-rules")[1]


def test_bad_rule_spec_and_missing_rules_dir_are_errors(tree, capsys):
    (tree / "leaklint.toml").write_text('rules-dirs = ["nowhere"]\n')
    assert errors(capsys, "check") == (2, f"leaklint: error: rules directory {tree / 'nowhere'} does not exist\n")
    (tree / "my-rules").mkdir()
    (tree / "my-rules" / "go-blob-not-closed.toml").write_text(CUSTOM_RULE.replace('severity = "warning"', 'severity = 3'))
    (tree / "leaklint.toml").write_text('rules-dirs = ["my-rules"]\n')
    status, err = errors(capsys, "check")
    assert status == 2 and err.count("\n") == 1 and "key severity must be a string" in err


def test_tests_setting_leaves_test_files_out_and_findings_in_tests_are_tagged(tmp_path, monkeypatch, capsys):
    from leaklint_gopy import cli

    leak = "package svc\n\nimport \"os\"\n\nfunc f(p string) {\n\tf, _ := os.Open(p)\n\t_ = f.Name()\n}\n"
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "a.go").write_text(leak)
    (tmp_path / "svc" / "a_test.go").write_text(leak.replace("func f(", "func g("))
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "helpers.py").write_text("import socket\ns = socket.socket()\n")
    monkeypatch.chdir(tmp_path)

    def findings(*argv: str) -> list[tuple[str, list[str]]]:
        cli.main(["check", "--format", "json", "--exit-zero", *argv])
        return [(f["path"], f["tags"]) for f in json.loads(capsys.readouterr().out)["findings"]]

    assert findings() == [("svc/a.go", []), ("svc/a_test.go", ["test"]), ("tests/helpers.py", ["test"])]
    assert findings("--no-tests") == [("svc/a.go", [])]
    (tmp_path / "leaklint.toml").write_text("tests = false\n")
    assert findings() == [("svc/a.go", [])]
    assert findings("--tests") == [("svc/a.go", []), ("svc/a_test.go", ["test"]), ("tests/helpers.py", ["test"])]
    (tmp_path / "leaklint.toml").write_text("tests = \"no\"\n")
    assert cli.main(["check", "."]) == 2
    assert "key tests must be true or false" in capsys.readouterr().err
