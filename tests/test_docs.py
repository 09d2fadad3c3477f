"""Rule documentation: docs/rules/ is generated from the specs and kept up to date."""
from __future__ import annotations

from pathlib import Path

from leaklint_gopy import docs
from leaklint_gopy.config import builtin_rule_dirs
from leaklint_gopy.spec import load_rules

REPO = Path(__file__).resolve().parent.parent
RULES = load_rules(builtin_rule_dirs())


def test_generated_pages_are_committed_and_current():
    expected = docs.pages(RULES)
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "docs" / "rules").glob("*.md")}
    stale = sorted(name for name in expected.keys() | on_disk.keys() if expected.get(name) != on_disk.get(name))
    assert stale == [], f"docs/rules is out of date ({', '.join(stale)}): run `python -m leaklint_gopy.docs`"


def test_every_page_has_the_four_sections_and_the_help_uri_matches():
    for rule in RULES:
        page = docs.page(rule)
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
            assert heading in page, (rule.name, heading)
        assert page.startswith(f"# {rule.name} ({rule.id})\n")
        assert docs.help_uri(rule).endswith(f"/docs/rules/{rule.name}.md")


def test_explain_text_indents_code_and_names_the_suppression():
    rule = next(r for r in RULES if r.id == "LL101")
    text = docs.text(rule)
    assert text.startswith("LL101 go-http-body-not-closed: HTTP response body is not closed on every path\n")
    assert "\n    defer resp.Body.Close()\n" in text
    assert text.endswith("Suppress one finding\n    //leaklint:ignore LL101 reason\n")


def test_generator_writes_pages_and_removes_stale_ones(tmp_path):
    (tmp_path / "old-rule.md").write_text("gone")
    assert docs.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.md")) == sorted(docs.pages(RULES))
