"""Project configuration: finds, reads and validates `[tool.leaklint]` or `leaklint.toml`, and
turns selectors into the rules a run uses.

It owns the file format and its errors (each names the file and the key). It never runs the
analysis; the CLI lays its own flags over a Config (the command line wins).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leaklint_gopy.spec import RuleSpec


class UsageError(Exception):
    """A command line or setting that cannot be run; printed as one line."""


LEVELS = ("error", "warning", "note")
OUTPUT_FORMATS = ("text", "full", "concise", "grouped", "json", "json-lines", "sarif", "github", "gitlab", "codeclimate",
                  "junit", "pylint", "azure", "rdjson")
_CONFIG_BYTES = 4 * 1024 * 1024
_PACKAGE = Path(__file__).resolve().parent


class ConfigError(Exception):
    """A configuration that cannot be used; the message is one line naming the file and key."""


@dataclass(frozen=True, slots=True)
class Selection:
    """One layer of rule selectors (from a file or the command line); None: not given."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    """A validated configuration. Paths in it are absolute; globs are relative to `root`."""

    path: Path | None
    root: Path
    selection: Selection = Selection()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False
    respect_gitignore: bool = True
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    rules_dirs: tuple[Path, ...] = ()
    fail_on: str | None = None
    tests: bool = True
    fail_on_unanalysed: bool = True
    output_format: str | None = None
    generated: bool = False


def builtin_rule_dirs() -> list[Path]:
    """Returns the directories holding the bundled rule specs (package data, else the checkout)."""
    for candidate in (_PACKAGE / "rules", _PACKAGE.parent / "rules"):
        if candidate.is_dir():
            return [candidate]
    return []


def discover(start: Path) -> Config:
    """Returns the configuration governing `start`: the nearest leaklint.toml, or pyproject.toml
    with a [tool.leaklint] table, in `start` or a parent; defaults rooted at `start` otherwise."""
    start = Path(os.path.abspath(start))  # not resolve(): finding paths keep their symlinks
    directory = start if start.is_dir() else start.parent
    for folder in (directory, *directory.parents):
        if (folder / "leaklint.toml").is_file():
            return load(folder / "leaklint.toml")
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "leaklint" in _read(pyproject).get("tool", {}):
            return load(pyproject)
    return Config(path=None, root=directory)


def load(path: Path) -> Config:
    """Returns the configuration in `path`; raises ConfigError on a bad file, key or value."""
    path = Path(os.path.abspath(path))
    data = _read(path)
    prefix = ""
    if path.name == "pyproject.toml":
        data, prefix = data.get("tool", {}).get("leaklint", {}), "tool.leaklint."
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {prefix.rstrip('.')} must be a table")
    return _Parser(path, prefix).parse(data)


def _read(path: Path) -> dict:
    import tomllib  # (only when a configuration file is read: a warm run may need no TOML parser)

    from leaklint_gopy.filesystem import Missing, Unreadable, read_text

    try:
        return tomllib.loads(read_text(path, _CONFIG_BYTES, named=True))
    except Missing:
        raise ConfigError(f"{path}: no such configuration file") from None
    except Unreadable as exc:
        raise ConfigError(f"{path}: cannot read: {str(exc).removeprefix('cannot read file: ')}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


class _Parser:
    """Validates each known key of one table; anything else is an error naming the key."""

    KEYS = ("select", "ignore", "extend-select", "exclude", "per-file-ignores", "severity",
            "rules-dirs", "fail-on", "tests", "fail-on-unanalysed", "output-format", "extend-exclude", "force-exclude",
            "respect-gitignore", "generated")

    def __init__(self, path: Path, prefix: str) -> None:
        self.path, self.prefix = path, prefix

    def fail(self, key: str, what: str) -> ConfigError:
        return ConfigError(f"{self.path}: key {self.prefix}{key} must be {what}")

    def parse(self, data: dict[str, Any]) -> Config:
        for key in data:
            if key not in self.KEYS:
                import difflib

                close = difflib.get_close_matches(key.replace("_", "-"), self.KEYS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ConfigError(f"{self.path}: unknown key {self.prefix}{key}{hint}")
        root = self.path.parent
        select = self.strings(data, "select") if "select" in data else None
        return Config(
            path=self.path,
            root=root,
            selection=Selection(select, self.strings(data, "extend-select"), self.strings(data, "ignore")),
            exclude=self.strings(data, "exclude"),
            extend_exclude=self.strings(data, "extend-exclude"),
            force_exclude=self.flag(data, "force-exclude", False),
            respect_gitignore=self.flag(data, "respect-gitignore", True),
            per_file_ignores=self.per_file_ignores(data.get("per-file-ignores", {})),
            severity=self.severity(data.get("severity", {})),
            rules_dirs=tuple(root / d for d in self.strings(data, "rules-dirs")),
            fail_on=self.level(data, "fail-on"),
            tests=self.flag(data, "tests", True),
            fail_on_unanalysed=self.flag(data, "fail-on-unanalysed", True),
            output_format=self.choice(data, "output-format", OUTPUT_FORMATS),
            generated=self.flag(data, "generated", False),
        )

    def strings(self, data: dict[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "a list of non-empty strings")
        return tuple(value)

    def flag(self, data: dict[str, Any], key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false")
        return value

    def level(self, data: dict[str, Any], key: str) -> str | None:
        return self.choice(data, key, LEVELS)

    def choice(self, data: dict[str, Any], key: str, choices: tuple[str, ...]) -> str | None:
        value = data.get(key)
        if value is not None and value not in choices:
            raise self.fail(key, f"one of {', '.join(choices)}")
        return value

    def per_file_ignores(self, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if not isinstance(value, dict):
            raise self.fail("per-file-ignores", "a table of glob = [codes]")
        out = []
        for glob, codes in value.items():
            if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
                raise self.fail(f"per-file-ignores.{_quote(glob)}", "a non-empty list of rule codes")
            out.append((glob, tuple(codes)))
        return tuple(out)

    def severity(self, value: Any) -> tuple[tuple[str, str], ...]:
        if not isinstance(value, dict):
            raise self.fail("severity", "a table of rule = level")
        for rule, level in value.items():
            if level not in LEVELS:
                raise self.fail(f"severity.{_quote(rule)}", f"one of {', '.join(LEVELS)}")
        return tuple(value.items())


def _quote(key: str) -> str:
    return key if key.replace("-", "").replace("_", "").isalnum() else f'"{key}"'


def resolve(rules: list[RuleSpec], selector: str) -> list[RuleSpec]:
    """Returns the rules `selector` names: ALL, a code (LL101), a code prefix (LL1) or a rule name.

    Raises ConfigError (without a file; the caller adds where it came from) when it names none.
    """
    chosen = [r for r in rules if selector == "ALL" or r.id.startswith(selector) or r.name == selector]
    if not chosen:
        raise ConfigError(f"unknown rule selector {selector!r}")
    return chosen


def select(rules: list[RuleSpec], layers: list[tuple[str, Selection]]) -> list[RuleSpec]:
    """Returns the enabled rules after applying each (origin, Selection) layer in order.

    Per layer, as in ruff: `select` replaces the set, `extend-select` adds, `ignore` removes; a
    later layer (the command line) therefore overrides an earlier one (the file).
    """
    enabled = {r.id for r in rules}
    for origin, layer in layers:
        try:
            if layer.select is not None:
                enabled = {r.id for s in layer.select for r in resolve(rules, s)}
            enabled |= {r.id for s in layer.extend_select for r in resolve(rules, s)}
            enabled -= {r.id for s in layer.ignore for r in resolve(rules, s)}
        except ConfigError as exc:
            raise ConfigError(f"{origin}: {exc}") from None
    return [r for r in rules if r.id in enabled]


def with_severities(rules: list[RuleSpec], config: Config) -> list[RuleSpec]:
    """Returns `rules` with the configured severity overrides applied (keys: code or name)."""
    overrides: dict[str, str] = {}
    for key, level in config.severity:
        try:
            overrides.update({r.id: level for r in resolve(rules, key)})
        except ConfigError:
            raise ConfigError(f"{config.path}: key severity.{_quote(key)} names no rule") from None
    return [replace(r, severity=overrides[r.id]) if r.id in overrides else r for r in rules]


def check_codes(rules: list[RuleSpec], config: Config) -> None:
    """Raises ConfigError when a per-file-ignores entry names an unknown rule."""
    for glob, codes in config.per_file_ignores:
        for code in codes:
            try:
                resolve(rules, code)
            except ConfigError:
                raise ConfigError(f"{config.path}: key per-file-ignores.{_quote(glob)}: "
                                  f"unknown rule selector {code!r}") from None
