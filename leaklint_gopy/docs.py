"""Rule documentation: renders a RuleSpec's docs as terminal text and as Markdown.

The same sections (what it does, why is this bad, example, use instead) feed `leaklint explain`,
SARIF `help`, and the pages in docs/rules/. It reads specs and writes nothing but those pages.
`python -m leaklint_gopy.docs [DIR]` regenerates the pages (default docs/rules).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leaklint_gopy.spec import RuleSpec

HELP_BASE = "https://github.com/leaklint/leaklint/blob/main/docs/rules/"
_SECTIONS = (("what", "What it does"), ("why", "Why is this bad?"), ("example", "Example"),
             ("use_instead", "Use instead"))
_CODE_SECTIONS = {"example", "use_instead"}
_SUPPRESS = {"go": "//leaklint:ignore {id} reason", "python": "# leaklint: ignore[{id}] reason"}
_LANGUAGE = {"go": "Go", "python": "Python"}


def help_uri(rule: RuleSpec) -> str:
    """Returns the URL of the rule's documentation page."""
    return f"{HELP_BASE}{rule.name}.md"


def cwe_links(rule: RuleSpec) -> list[str]:
    return [f"[CWE-{n}](https://cwe.mitre.org/data/definitions/{n}.html)" for n in rule.cwe]


def text(rule: RuleSpec) -> str:
    """Returns the rule's documentation as plain text for a terminal."""
    out = [f"{rule.id} {rule.name}: {rule.title}", "",
           f"language: {rule.language}  severity: {rule.severity}  precision: {rule.precision}"
           + (f"  cwe: {', '.join(f'CWE-{n}' for n in rule.cwe)}" if rule.cwe else "")]
    for key, heading in _SECTIONS:
        body = rule.docs[key].strip("\n")
        if key in _CODE_SECTIONS:
            body = "\n".join("    " + line if line else "" for line in body.splitlines())
        out += ["", heading, body]
    out += ["", "Suppress one finding", "    " + _suppression(rule)]
    return "\n".join(out) + "\n"


def help_markdown(rule: RuleSpec, heading: str = "##") -> str:
    """Returns the sections as Markdown, with `heading` as the section level (SARIF help.markdown)."""
    out: list[str] = []
    for key, title in _SECTIONS:
        body = rule.docs[key].strip("\n")
        if key in _CODE_SECTIONS:
            body = f"```{rule.language}\n{body}\n```"
        out += [f"{heading} {title}", "", body, ""]
    out += [f"{heading} Suppressing a finding", "",
            f"Add `{_suppression(rule)}` on the reported line or the line above it.", ""]
    if rule.cwe:
        out += [f"{heading} References", "", *(f"- {link}" for link in cwe_links(rule)), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def page(rule: RuleSpec) -> str:
    """Returns the Markdown page docs/rules/<name>.md for the rule."""
    facts = [("Code", f"`{rule.id}`"), ("Language", _LANGUAGE.get(rule.language, rule.language)),
             ("Severity", rule.severity), ("Precision", rule.precision),
             ("Resource", rule.resource), ("CWE", ", ".join(cwe_links(rule)) or "-")]
    table = ["| | |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in facts)]
    head = [f"# {rule.name} ({rule.id})", "", f"_{rule.title}_", "", *table, ""]
    return "\n".join(head) + "\n" + help_markdown(rule) + _GENERATED


def index(rules: list[RuleSpec]) -> str:
    """Returns the Markdown index page docs/rules/README.md."""
    rows = [f"| `{r.id}` | [{r.name}]({r.name}.md) | {_LANGUAGE.get(r.language, r.language)} "
            f"| {r.severity} | {r.title} |" for r in rules]
    table = ["| Code | Name | Language | Severity | Title |", "| --- | --- | --- | --- | --- |", *rows]
    return "\n".join(["# Rules", "", *table, ""]) + _GENERATED


def pages(rules: list[RuleSpec]) -> dict[str, str]:
    """Returns file name -> content for every generated page."""
    out = {f"{rule.name}.md": page(rule) for rule in rules}
    out["README.md"] = index(rules)
    return out


def _suppression(rule: RuleSpec) -> str:
    return _SUPPRESS.get(rule.language, "leaklint:ignore {id}").format(id=rule.id)


_GENERATED = "\n<!-- generated from the rule spec by `python -m leaklint_gopy.docs`; do not edit -->\n"


def main(argv: list[str] | None = None) -> int:
    """Writes the pages for the bundled rules into DIR (default docs/rules); returns 0."""
    from leaklint_gopy.config import builtin_rule_dirs
    from leaklint_gopy.spec import load_rules

    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0] if args else "docs/rules")
    target.mkdir(parents=True, exist_ok=True)
    generated = pages(load_rules(builtin_rule_dirs()))
    for stale in target.glob("*.md"):
        if stale.name not in generated:
            stale.unlink()
    for name, content in generated.items():
        (target / name).write_text(content, encoding="utf-8")
    print(f"wrote {len(generated)} pages to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
