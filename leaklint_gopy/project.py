"""One analysed project as the command line asks for it: configuration, rules, driver settings,
and the gate steps that follow a run (per-file ignores, baseline, changed lines).

It joins config, spec, driver, gate, baseline and gitdiff for `check` and `baseline`; it prints
nothing and decides no exit status.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from leaklint_gopy import config as cfg

if TYPE_CHECKING:
    from leaklint_gopy.driver import Settings
    from leaklint_gopy.finding import Finding, RunResult
    from leaklint_gopy.gitdiff import Changes
    from leaklint_gopy.spec import RuleSpec


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


def package_context(paths: list[str], piped: str | None = None) -> list[str]:
    """Returns the sibling Go files of every Go file named in `paths` that are not named themselves.

    A Go package spans its directory: a file alone hides the helpers, wrappers and struct types
    its siblings declare. Pre-commit passes single files, so these siblings are analysed as
    context and their own findings are dropped. `piped` names the file read from stdin, which
    need not exist on disk.
    """
    named = {os.path.normpath(os.path.abspath(p)) for p in paths}
    context: dict[str, str] = {}
    for path in paths:
        if not (path.endswith(".go") and (os.path.isfile(path) or path == piped)):
            continue
        folder = os.path.dirname(path) or "."
        for name in sorted(os.listdir(folder)):
            sibling = os.path.normpath(os.path.join(folder, name))
            full = os.path.abspath(sibling)
            if name.endswith(".go") and name[0] not in "._" and full not in named and os.path.isfile(full):
                context.setdefault(full, sibling)
    return list(context.values())


def _given(flag: bool | None, configured: bool) -> bool:
    """Returns the command line's choice when it made one, else the configuration's."""
    return configured if flag is None else flag


def load_catalog(config_path: str | None, extra_dirs: list[str], start: str = ".") -> list[RuleSpec]:
    """Returns every known rule (bundled, config rules-dirs, `extra_dirs`) with severity overrides."""
    config = cfg.load(Path(config_path)) if config_path else cfg.discover(Path(start))
    return _rules(config, extra_dirs)


def _rules(config: cfg.Config, extra_dirs: list[str], cached: bool = False) -> list[RuleSpec]:
    """Returns the rules of `config` and `extra_dirs`; `cached`: their TOML parsed through the cache
    (see spec_cache)."""
    from leaklint_gopy.spec import load_rules

    dirs = [*cfg.builtin_rule_dirs(), *config.rules_dirs, *(Path(d).resolve() for d in extra_dirs)]
    for directory in dirs:
        if not directory.is_dir():
            raise cfg.ConfigError(f"rules directory {directory} does not exist")
    return cfg.with_severities(load_rules(dirs, _parsed_specs(cached)), config)


def _parsed_specs(cached: bool):
    """Returns the parsed rule specs of the package's bundle and, when `cached`, of the cache
    directory (see spec_cache)."""
    from leaklint_gopy.spec_cache import ParsedSpecs

    bundled = next(iter(cfg.builtin_rule_dirs()), None)
    if not cached:
        return ParsedSpecs(None, bundled)
    from leaklint_gopy.cache import default_directory

    return ParsedSpecs(default_directory(), bundled)


def _check_patterns(given: list[str] | None, config: cfg.Config) -> None:
    """Raises UsageError (--exclude) or ConfigError (the config's exclude) for an invalid pattern."""
    from leaklint_gopy.discovery import ignore_spec

    # (no pattern, no check: pathspec's import is a tenth of a one-file run's start-up)
    if given and (invalid := ignore_spec(given)[1]):
        raise cfg.UsageError(f"--exclude: invalid pattern {invalid[0][0]!r} ({invalid[0][1]})")
    if given is None and config.exclude and (invalid := ignore_spec(config.exclude)[1]):
        raise cfg.ConfigError(f"{config.path}: key exclude: invalid pattern {invalid[0][0]!r} ({invalid[0][1]})")


@dataclass(slots=True)
class Project:
    """What one `check` or `baseline` analyses. `rules` are all known rules, `enabled` the selected.

    `context` files lend their helpers and report nothing; `dependents` (Go files that may call a
    function of a named file) are analysed and report only findings whose `uses` reach a named file.
    """

    paths: list[str]
    context: list[str]
    config: cfg.Config
    rules: list[RuleSpec]
    enabled: list[RuleSpec]
    settings: Settings
    source_root: str
    dependents: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """Returns what is wrong with the selection without stopping the run: a rule that reports
        only what other rules acquire (LL204 from LL201-LL203) selected without any of them."""
        enabled = {rule.id for rule in self.enabled}
        out = []
        for rule in self.enabled:
            if rule.derived_from and not enabled & set(rule.derived_from):
                sources = ", ".join(rule.derived_from)
                out.append(f"{rule.id} reports only what {sources} acquire, and none of them is selected: "
                           f"select them too ({rule.id} alone finds nothing)")
        return out

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Project:
        """Returns the project for parsed `check`/`baseline` arguments; raises ConfigError, SpecError."""
        from leaklint_gopy.config import UsageError
        from leaklint_gopy.driver import Settings

        paths = list(args.paths) or ["."]
        stdin = getattr(args, "stdin", None)
        missing = [p for p in paths if not os.path.exists(p) and not (stdin and p == stdin[0])]
        if missing:
            raise UsageError(f"{missing[0]}: no such file or directory")
        config = cfg.load(Path(args.config)) if args.config else cfg.discover(Path(paths[0]))
        rules = _rules(config, args.rules_dir, cached=not args.no_cache)
        cfg.check_codes(rules, config)
        layers = [(str(config.path or "configuration"), config.selection),
                  ("command line", cfg.Selection(args.select, args.extend_select, args.ignore))]
        enabled = cfg.select(rules, layers)
        _check_patterns(args.exclude, config)
        repo = git_root(paths[0])
        root = str(config.root) if config.path else (repo or _default_root(paths[0], config.root))
        named_files = [p for p in paths if os.path.isfile(p)]
        callers, selected = _callers(named_files, args) if named_files and not stdin else ([], {})
        settings = Settings(
            rules=tuple(enabled), root=root,
            exclude=(*(args.exclude if args.exclude is not None else config.exclude), *config.extend_exclude,
                     *args.extend_exclude),
            force_exclude=_given(args.force_exclude, config.force_exclude),
            respect_gitignore=_given(args.respect_gitignore, config.respect_gitignore),
            jobs=args.jobs, use_cache=not args.no_cache, shard=args.shard,
            tests=config.tests if args.tests is None else args.tests, stdin=stdin, max_file_bytes=args.max_file_size,
            time_limit=args.file_time_limit, generated=_given(args.generated, config.generated),
            fixes=_wants_fixes(args, config),
            selected=tuple(sorted((os.path.abspath(p), tuple(sorted(names))) for p, names in selected.items())))
        checked = {os.path.abspath(p) for p in callers}  # (callers are shown relative, context paths may be absolute)
        context = [p for p in package_context(paths, stdin[0] if stdin else None) if os.path.abspath(p) not in checked]
        return cls(paths, context, config, rules, enabled, settings, repo or root, callers)

    def plan(self):
        """Returns the driver's plan of the run (see driver.Plan; run(plan) finishes it)."""
        from leaklint_gopy import driver

        return driver.plan([*self.paths, *self.dependents], replace(self.settings, context=tuple(self.context)))

    def run(self, plan=None) -> RunResult:
        """Returns the driver's result for the named paths (of `plan` when given), its `rules`
        replaced by every known rule (SARIF lists all). Package context files are analysed but
        report nothing; dependents report only what a named file's function decided."""
        from leaklint_gopy import driver

        result = plan.finish() if plan is not None else driver.run([*self.paths, *self.dependents],
                                                                   replace(self.settings, context=tuple(self.context)))
        result.rules = list(self.rules)
        hidden = {os.path.abspath(p) for p in (*self.context, *self.dependents)}
        if hidden:
            named = {os.path.abspath(p) for p in self.paths}

            def keep(path: str) -> bool:
                return os.path.abspath(path) not in hidden

            result.findings = [f for f in result.findings
                               if keep(f.span.path) or any(os.path.abspath(s.path) in named for s in f.uses)]
            result.errors = [e for e in result.errors if keep(e.path)]
            result.unused_directives = [d for d in result.unused_directives if keep(d.span.path)]
            result.files_checked = max(0, result.files_checked - len(hidden))
        return result

    def accepted(self, findings: list[Finding], baseline: str | None) -> list[Finding]:
        """Returns `findings` with per-file-ignores and the baseline (when given) applied."""
        from leaklint_gopy import gate

        findings = gate.per_file_ignores(findings, self.config, self.rules)
        if baseline:
            from leaklint_gopy.baseline import load

            findings = gate.baseline(findings, load(Path(baseline)), self.source_root)
        return findings

    def changes(self, rev: str | None, merge_base: str | None, patch: str | None) -> Changes | None:
        """Returns what changed: since `rev`, since the merge base with the branch `merge_base`, or
        in the unified diff file `patch`; None when no gate was asked for."""
        if not (rev or merge_base or patch):
            return None
        from leaklint_gopy import gitdiff  # (and subprocess: imported only for a gate)

        if patch:
            return gitdiff.changes_in_patch(patch, self._git_cwd())
        if merge_base:
            rev = gitdiff.merge_base(merge_base, self._git_cwd())
        return gitdiff.changed_since(rev, self._git_cwd()) if rev else None

    def _git_cwd(self) -> str:
        first = Path(os.path.abspath(self.paths[0]))
        return str(first if first.is_dir() else first.parent)


# The options that make a run a gate on changes (Project.changes takes them in this order): a gate
# checks a named file's dependents whole, where a pre-commit run selects their functions
GATE_OPTIONS = ("new_from_rev", "new_from_merge_base", "new_from_patch")


def _callers(named_files: list[str], args: argparse.Namespace) -> tuple[list[str], dict[str, frozenset[str]]]:
    """Returns the dependents of `named_files` and the functions selected in them: a pre-commit
    run (`check` of named files, no gate on changes) checks only the functions naming what a named
    file declares (dependents.named_callers); a gate, or `baseline`, every function of each
    dependent file (dependents.dependents). Imported only when files are named."""
    if not any(path.endswith(".go") for path in named_files):
        return [], {}  # (only Go files have dependents: a Python-only run imports nothing of Go)
    from leaklint_gopy import dependents

    gate = any(getattr(args, name, None) for name in GATE_OPTIONS)
    if gate or getattr(args, "command", "") != "check":
        return dependents.dependents(named_files), {}
    selected = dependents.named_callers(named_files)
    return sorted(selected), selected


def _wants_fixes(args, config) -> bool:
    """Reports whether `check` proposes fixes: each is verified by analysing the fixed file again,
    which costs more than the analysis itself (Go stdlib cold: 10 s -> 30 s), so only when asked."""
    if getattr(args, "command", "") != "check":
        return False
    output = getattr(args, "format", None) or getattr(config, "output_format", None)
    return bool(getattr(args, "fix", False) or getattr(args, "diff", False) or getattr(args, "unsafe_fixes", False)
                or getattr(args, "show_fixes", False) or output == "rdjson")
