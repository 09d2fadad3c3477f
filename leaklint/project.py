"""One analysed project as the command line asks for it: configuration, rules, driver settings,
and the gate steps that follow a run (per-file ignores, baseline, changed lines).

It joins config, spec, driver, gate, baseline and gitdiff for `check` and `baseline`; it prints
nothing and decides no exit status.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from leaklint import config as cfg

if TYPE_CHECKING:
    from leaklint.driver import Settings
    from leaklint.finding import Finding, RunResult
    from leaklint.spec import RuleSpec


def git_root(path: str) -> str | None:
    """Returns the nearest directory at or above `path` holding `.git`, without running git."""
    start = Path(os.path.abspath(path))
    for folder in (start if start.is_dir() else start.parent, *start.parents):
        if (folder / ".git").exists():
            return str(folder)
    return None


def _default_root(first: str, start: Path) -> str:
    """Returns the root of a tree with neither git nor configuration: the working directory when
    the first path lies below it, else the directory of the first path."""
    cwd = os.getcwd()
    inside = os.path.commonpath([cwd, os.path.abspath(first)]) == cwd
    return cwd if inside else str(start)


def package_context(paths: list[str]) -> list[str]:
    """Returns the sibling Go files of every Go file named in `paths` that are not named themselves.

    A Go package spans its directory: a file alone hides the helpers, wrappers and struct types
    its siblings declare. Pre-commit passes single files, so these siblings are analysed as
    context and their own findings are dropped.
    """
    named = {os.path.normpath(os.path.abspath(p)) for p in paths}
    context: dict[str, str] = {}
    for path in paths:
        if not (path.endswith(".go") and os.path.isfile(path)):
            continue
        folder = os.path.dirname(path) or "."
        for name in sorted(os.listdir(folder)):
            sibling = os.path.normpath(os.path.join(folder, name))
            full = os.path.abspath(sibling)
            if name.endswith(".go") and name[0] not in "._" and full not in named and os.path.isfile(full):
                context.setdefault(full, sibling)
    return list(context.values())


def load_catalog(config_path: str | None, extra_dirs: list[str], start: str = ".") -> list[RuleSpec]:
    """Returns every known rule (bundled, config rules-dirs, `extra_dirs`) with severity overrides."""
    config = cfg.load(Path(config_path)) if config_path else cfg.discover(Path(start))
    return _rules(config, extra_dirs)


def _rules(config: cfg.Config, extra_dirs: list[str]) -> list[RuleSpec]:
    from leaklint.spec import load_rules

    dirs = [*cfg.builtin_rule_dirs(), *config.rules_dirs, *(Path(d).resolve() for d in extra_dirs)]
    for directory in dirs:
        if not directory.is_dir():
            raise cfg.ConfigError(f"rules directory {directory} does not exist")
    return cfg.with_severities(load_rules(dirs), config)


def _check_patterns(given: list[str] | None, config: cfg.Config) -> None:
    """Raises UsageError (--exclude) or ConfigError (the config's exclude) for an invalid pattern."""
    from leaklint.discovery import ignore_spec

    if given is not None and (invalid := ignore_spec(given)[1]):
        raise cfg.UsageError(f"--exclude: invalid pattern {invalid[0][0]!r} ({invalid[0][1]})")
    if given is None and (invalid := ignore_spec(config.exclude)[1]):
        raise cfg.ConfigError(f"{config.path}: key exclude: invalid pattern {invalid[0][0]!r} ({invalid[0][1]})")


@dataclass(slots=True)
class Project:
    """What one `check` or `baseline` analyses. `rules` are all known rules, `enabled` the selected."""

    paths: list[str]
    context: list[str]
    config: cfg.Config
    rules: list[RuleSpec]
    enabled: list[RuleSpec]
    settings: Settings
    source_root: str

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Project:
        """Returns the project for parsed `check`/`baseline` arguments; raises ConfigError, SpecError."""
        from leaklint.config import UsageError
        from leaklint.driver import Settings

        paths = list(args.paths) or ["."]
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            raise UsageError(f"{missing[0]}: no such file or directory")
        config = cfg.load(Path(args.config)) if args.config else cfg.discover(Path(paths[0]))
        rules = _rules(config, args.rules_dir)
        cfg.check_codes(rules, config)
        layers = [(str(config.path or "configuration"), config.selection),
                  ("command line", cfg.Selection(args.select, args.extend_select, args.ignore))]
        enabled = cfg.select(rules, layers)
        _check_patterns(args.exclude, config)
        repo = git_root(paths[0])
        root = str(config.root) if config.path else (repo or _default_root(paths[0], config.root))
        settings = Settings(
            rules=tuple(enabled), root=root,
            exclude=tuple(args.exclude if args.exclude is not None else config.exclude),
            force_exclude=args.force_exclude, respect_gitignore=not args.no_gitignore,
            jobs=args.jobs, use_cache=not args.no_cache, shard=args.shard,
            tests=config.tests if args.tests is None else args.tests, max_file_bytes=args.max_file_size,
            time_limit=args.file_time_limit, generated=config.generated if args.generated is None else args.generated)
        return cls(paths, package_context(paths), config, rules, enabled, settings, repo or root)

    def run(self) -> RunResult:
        """Returns the driver's result for the named paths, its `rules` replaced by every known
        rule (SARIF lists all). Package context files are analysed but report nothing."""
        from leaklint.driver import run

        result = run(list(self.paths), replace(self.settings, context=tuple(self.context)))
        result.rules = list(self.rules)
        if self.context:
            hidden = {os.path.abspath(p) for p in self.context}

            def keep(path: str) -> bool:
                return os.path.abspath(path) not in hidden

            result.findings = [f for f in result.findings if keep(f.span.path)]
            result.errors = [e for e in result.errors if keep(e.path)]
            result.unused_directives = [d for d in result.unused_directives if keep(d.span.path)]
            result.files_checked = max(0, result.files_checked - len(hidden))
        return result

    def accepted(self, findings: list[Finding], baseline: str | None) -> list[Finding]:
        """Returns `findings` with per-file-ignores and the baseline (when given) applied."""
        from leaklint import gate

        findings = gate.per_file_ignores(findings, self.config, self.rules)
        if baseline:
            from leaklint.baseline import load

            findings = gate.baseline(findings, load(Path(baseline)), self.source_root)
        return findings

    def revision(self, rev: str | None, merge_base: str | None) -> str | None:
        """Returns the revision to compare with: `rev`, or the merge base with the branch, or None."""
        if merge_base:
            from leaklint.gitdiff import merge_base as find

            return find(merge_base, self._git_cwd())
        return rev

    def changed_only(self, findings: list[Finding], rev: str) -> list[Finding]:
        """Returns the findings that changes since `rev` can have caused."""
        from leaklint import gate
        from leaklint.gitdiff import changed_since

        return gate.only_changed(findings, changed_since(rev, self._git_cwd()))

    def _git_cwd(self) -> str:
        first = Path(os.path.abspath(self.paths[0]))
        return str(first if first.is_dir() else first.parent)
