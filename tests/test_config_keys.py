"""The configuration keys ruff users expect (extend-exclude, force-exclude, respect-gitignore), one
glob dialect (gitignore's) for exclude and per-file-ignores, and every key documented."""
from __future__ import annotations

import re
from pathlib import Path

from leaklint_gopy import config
from test_config import findings, tree  # noqa: F401 - tree is a fixture

REPO = Path(__file__).resolve().parent.parent


def test_extend_exclude_adds_to_exclude_from_file_and_command_line(tree, capsys):
    (tree / "other").mkdir()
    (tree / "other" / "x.go").write_text((tree / "svc" / "probe.go").read_text())
    (tree / "leaklint.toml").write_text('exclude = ["gen/"]\nextend-exclude = ["other/"]\n')
    assert [p for p, _, _ in findings(capsys)[1]] == ["svc/probe.go"]
    assert [p for p, _, _ in findings(capsys, "--exclude", "svc/")[1]] == ["gen/probe_gen.go"]  # replaces exclude only
    (tree / "leaklint.toml").write_text('extend-exclude = ["other/"]\n')
    assert [p for p, _, _ in findings(capsys, "--extend-exclude", "gen/")[1]] == ["svc/probe.go"]


def test_force_exclude_and_respect_gitignore_in_the_file(tree, capsys):
    (tree / "leaklint.toml").write_text('exclude = ["gen/"]\nforce-exclude = true\n')
    assert findings(capsys, "gen/probe_gen.go") == (0, [])
    (tree / ".gitignore").write_text("gen/\n")
    (tree / "leaklint.toml").write_text("respect-gitignore = false\n")
    assert [p for p, _, _ in findings(capsys)[1]] == ["gen/probe_gen.go", "svc/probe.go"]
    assert [p for p, _, _ in findings(capsys, "--respect-gitignore")[1]] == ["svc/probe.go"]
    (tree / "leaklint.toml").write_text("")
    assert [p for p, _, _ in findings(capsys, "--no-respect-gitignore")[1]] == ["gen/probe_gen.go", "svc/probe.go"]


def test_per_file_ignores_use_gitignore_globs(tree, capsys):
    (tree / "svc" / "deep").mkdir()
    (tree / "svc" / "deep" / "x.go").write_text((tree / "svc" / "probe.go").read_text())
    (tree / "leaklint.toml").write_text('[per-file-ignores]\n"svc/*.go" = ["LL101"]\n')
    assert [p for p, _, _ in findings(capsys)[1]] == ["gen/probe_gen.go", "svc/deep/x.go"]
    (tree / "leaklint.toml").write_text('[per-file-ignores]\n"svc/**/*.go" = ["LL101"]\n"gen/" = ["LL1"]\n')
    assert findings(capsys)[1] == []
    (tree / "leaklint.toml").write_text('[per-file-ignores]\n"x.go" = ["LL101"]\n"!gen/*" = ["LL101"]\n')
    assert [p for p, _, _ in findings(capsys)[1]] == ["gen/probe_gen.go", "svc/probe.go"]


def test_every_configuration_key_is_documented():
    text = (REPO / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"^### `([a-z-]+)`", text, re.MULTILINE))
    assert documented == set(config._Parser.KEYS)


def test_a_derived_rule_selected_without_its_sources_warns(tree, capsys):
    from leaklint_gopy import cli

    (tree / "a.py").write_text("import socket\n\ndef f():\n    s = socket.socket()\n    s.send(b'x')\n    s.close()\n")
    assert cli.main(["check", "--select", "LL204"]) == 0
    err = capsys.readouterr().err
    assert err == ("leaklint: warning: LL204 reports only what LL201, LL202, LL203, LL205, LL206, LL207, LL208, "
                   "LL209, LL210, LL211 acquire, and none of them is selected: select them too (LL204 alone finds "
                   "nothing)\n")
    assert cli.main(["check", "--select", "LL201,LL204"]) == 1
    assert "warning" not in capsys.readouterr().err
