"""Prepares `go test` runs that record where HTTP response bodies are created and whether they
were closed or read to the end, and which finding lines ran.

Everything goes through `go test -overlay`, so no source file is written: a hook in net/http's
Transport.RoundTrip (every *http.Transport, the program's own ones too, in the caller's
goroutine), a hook when testing.M.Run returns (also under a package's own TestMain), and one
generated _test.go file per package with tests that installs both. http.DefaultTransport stays
the *http.Transport it was. Line coverage comes from -coverpkg on the findings' packages. It
generates files and reads the coverage profile; running is validate.py's job.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from leaklint_gopy.runtime.procfs import Problem
from leaklint_gopy.runtime.trace import TraceSet

HARNESS_NAME = "zz_leaklint_trace_test.go"
TEMPLATES = Path(__file__).with_name("gosrc")
_VALUE_FLAGS = {"-run", "-count", "-timeout", "-bench", "-benchtime", "-cpu", "-parallel", "-tags",
                "-o", "-coverprofile", "-covermode", "-coverpkg", "-exec", "-p", "-shuffle", "-skip",
                "-vet", "-memprofile", "-cpuprofile", "-blockprofile", "-mutexprofile", "-outputdir",
                "-trace", "-ldflags", "-gcflags", "-mod", "-modfile", "-C", "-overlay", "-pkgdir",
                "-asmflags", "-gccgoflags", "-installsuffix", "-compiler", "-failfast"}
_LIST_FLAGS = ("-tags", "-mod", "-modfile")
_PATCHES = (
    ("net/http/roundtrip.go", "nethttp_hook.go.txt",
     "func (t *Transport) RoundTrip(req *Request) (*Response, error) {\n\treturn t.roundTrip(req)\n}",
     "func (t *Transport) RoundTrip(req *Request) (*Response, error) {\n\treturn leaklintRoundTrip(t, req)\n}"),
    ("testing/testing.go", "testing_hook.go.txt",
     "func (m *M) Run() (code int) {\n", "func (m *M) Run() (code int) {\n\tdefer leaklintAfterRun()\n"),
)
_COVER_LINE = re.compile(r"^(.+\.go):(\d+)\.\d+,(\d+)\.\d+ \d+ (\d+)$")


class GoError(Exception):
    """`go test` cannot be traced here (no go list, an unknown Go version, its own overlay)."""


@dataclass(frozen=True, slots=True)
class GoPackage:
    """A package `go list` found: import path, directory, name, non-test and test files."""

    path: str
    dir: str
    name: str
    files: tuple[str, ...]
    test_files: tuple[str, ...]
    xtest_files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GoPlan:
    """The rewritten command, what could not be traced or was changed, and the environment the
    harness reads (LEAKLINT_GO_SKIP: GOROOT and the module cache, whose frames are libraries)."""

    command: tuple[str, ...]
    problems: tuple[Problem, ...]
    env: dict[str, str]


def is_go_test(command: list[str]) -> bool:
    """Reports whether the command is `go test ...`."""
    return len(command) >= 2 and os.path.basename(command[0]) == "go" and command[1] == "test"


def split_args(args: list[str]) -> tuple[list[str], list[str]]:
    """Returns (flags with their values, package patterns) of `go test` args before -args."""
    flags, patterns, i = [], [], 0
    while i < len(args) and args[i] != "-args":
        arg = args[i]
        if not arg.startswith("-"):
            patterns.append(arg)
        elif "=" not in arg and arg.replace("--", "-") in _VALUE_FLAGS and i + 1 < len(args):
            flags += [arg, args[i + 1]]
            i += 1
        else:
            flags.append(arg)
        i += 1
    return flags, patterns


def flag_value(flags: list[str], name: str) -> str | None:
    """Returns the value of -name (or --name) in split flags, None when absent."""
    for i, flag in enumerate(flags):
        bare = flag.replace("--", "-", 1)
        if bare == name and i + 1 < len(flags):
            return flags[i + 1]
        if bare.startswith(name + "="):
            return bare.split("=", 1)[1]
    return None


def list_packages(go: str, patterns: list[str], flags: list[str], cwd: str) -> list[GoPackage]:
    """Returns the packages `go list` resolves the patterns to, under the command's build flags."""
    build = [f"{name}={value}" for name in _LIST_FLAGS if (value := flag_value(flags, name)) is not None]
    template = '{{.ImportPath}}\t{{.Dir}}\t{{.Name}}\t{{join .GoFiles ","}}\t{{join .TestGoFiles ","}}\t{{join .XTestGoFiles ","}}'
    done = subprocess.run([go, "list", *build, "-e", "-f", template, *patterns], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        raise GoError(f"go list failed: {done.stderr.strip()[-300:]}")
    split = lambda s: tuple(f for f in s.split(",") if f)  # noqa: E731
    return [GoPackage(p, d, n, split(g), split(t), split(x))
            for p, d, n, g, t, x in (line.split("\t") for line in done.stdout.splitlines() if line.count("\t") == 5)]


def harness_package(package: GoPackage) -> str:
    """Returns the package clause the harness needs: the package's own name, or the external test
    package's when the directory has only external tests."""
    if package.files or package.test_files or not package.xtest_files:
        return package.name
    source = Path(package.dir, package.xtest_files[0]).read_text(encoding="utf-8", errors="replace")
    match = re.search(r"^package\s+(\w+)", source, re.M)
    return match.group(1) if match else package.name + "_test"


def goroot_overlay(go: str, workdir: str) -> dict[str, str]:
    """Returns overlay entries hooking net/http and testing of this Go; raises GoError when its
    sources do not have the expected shape (another Go version)."""
    done = subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True, timeout=60)
    root = Path(done.stdout.strip(), "src")
    replace_map = {}
    for relative, hook, anchor, patched in _PATCHES:
        original = root / relative
        text = original.read_text(encoding="utf-8") if original.is_file() else ""
        if anchor not in text:
            raise GoError(f"{original} is not shaped as leaklint expects (Go version?); responses are not traced")
        for target, content in ((original, text.replace(anchor, patched, 1)),
                                (original.with_name("zz_leaklint_hook.go"), (TEMPLATES / hook).read_text())):
            copy = os.path.join(workdir, f"goroot-{len(replace_map)}.go")
            Path(copy).write_text(content, encoding="utf-8")
            replace_map[str(target)] = copy
    return replace_map


def _harness(package: GoPackage, workdir: str, index: int) -> tuple[str, str]:
    """Writes the harness of one package; returns (its place in the package, the written copy)."""
    copy = os.path.join(workdir, f"harness-{index}.go")
    source = (TEMPLATES / "harness_test.go.txt").read_text(encoding="utf-8") % {"package": harness_package(package)}
    Path(copy).write_text(source, encoding="utf-8")
    return os.path.join(package.dir, HARNESS_NAME), copy


def _go_env(go: str, *names: str) -> list[str]:
    """Returns `go env` values."""
    done = subprocess.run([go, "env", *names], capture_output=True, text=True, timeout=60)
    return done.stdout.splitlines()


def _coverage(go: str, flags: list[str], finding_paths: list[str], cwd: str, workdir: str) -> list[str]:
    """Returns the flags that record the coverage of the findings' packages into workdir/cover.out,
    and writes their import paths and directories beside it; none when the command sets its own
    coverage flags (then no line is claimed not to have run)."""
    if any(flag_value(flags, name) is not None or name in flags for name in ("-cover", "-coverprofile", "-coverpkg", "-covermode")):
        return []
    dirs = sorted({os.path.dirname(p) for p in finding_paths})
    found = list_packages(go, dirs, flags, cwd) if dirs else []
    packages = {p.path: p.dir for p in found if p.dir and not p.path.startswith("_")}
    Path(workdir, "go-packages.json").write_text(json.dumps(packages), encoding="utf-8")
    if not packages:
        return [f"-coverprofile={os.path.join(workdir, 'cover.out')}"]
    return [f"-coverpkg={','.join(sorted(packages))}", f"-coverprofile={os.path.join(workdir, 'cover.out')}"]


def _fixed_flags(flags: list[str]) -> tuple[list[str], list[Problem]]:
    """Returns the flags with -vet off (vet cannot read overlay files in Go 1.19) and -count=1
    (a cached result runs nothing) unless given, and what was changed."""
    vet = flag_value(flags, "-vet")
    kept, skip = [], False
    for flag in flags:
        if skip:
            skip = False
        elif flag.replace("--", "-", 1).startswith("-vet"):
            skip = "=" not in flag
        else:
            kept.append(flag)
    problems = [Problem("go test -vet", "go vet cannot read -overlay files; ran with -vet=off")] if vet not in (None, "off") else []
    count = [] if flag_value(flags, "-count") is not None else ["-count=1"]
    return [*count, "-vet=off", *kept], problems


def plan(command: list[str], workdir: str, cwd: str, finding_paths: list[str]) -> GoPlan:
    """Returns `go test` rewritten to run with the hooks, the harnesses and line coverage.

    Raises GoError when it cannot be traced (then it runs as given).
    """
    go, args = command[0], command[2:]
    tail = args[args.index("-args"):] if "-args" in args else []
    flags, patterns = split_args(args)
    if flag_value(flags, "-overlay") is not None:
        raise GoError("the command has its own -overlay; responses are not traced")
    overlay = goroot_overlay(go, workdir)
    tested = [p for p in list_packages(go, patterns or ["."], flags, cwd) if p.test_files or p.xtest_files]
    overlay.update(_harness(package, workdir, i) for i, package in enumerate(tested))
    Path(workdir, "overlay.json").write_text(json.dumps({"Replace": overlay}), encoding="utf-8")
    fixed, problems = _fixed_flags(flags)
    cover = _coverage(go, flags, finding_paths, cwd, workdir)
    new = (go, "test", f"-overlay={os.path.join(workdir, 'overlay.json')}", *fixed, *cover, *patterns, *tail)
    skip = os.pathsep.join(os.path.join(p, "") for p in _go_env(go, "GOROOT", "GOMODCACHE") if p)
    return GoPlan(new, tuple(problems), {"LEAKLINT_GO_SKIP": skip})


def covered_lines(profile: str, packages: dict[str, str]) -> set[tuple[str, int]]:
    """Returns (real path, line) of every line inside a block that ran, from a coverage profile."""
    lines: set[tuple[str, int]] = set()
    for entry in Path(profile).read_text(encoding="utf-8").splitlines()[1:]:
        match = _COVER_LINE.match(entry)
        if not match or match.group(4) == "0":
            continue
        package, _, name = match.group(1).rpartition("/")
        if package in packages:
            path = os.path.realpath(os.path.join(packages[package], name))
            lines.update((path, n) for n in range(int(match.group(2)), int(match.group(3)) + 1))
    return lines


def with_coverage(traces: TraceSet, workdir: str, succeeded: bool) -> TraceSet:
    """Returns the traces with the lines that ran; "go" lines are complete only when every test
    binary built and passed (a failed build has no profile for its package)."""
    profile, listing = os.path.join(workdir, "cover.out"), os.path.join(workdir, "go-packages.json")
    if not (os.path.exists(profile) and os.path.exists(listing)):
        return traces
    packages = json.loads(Path(listing).read_text(encoding="utf-8"))
    complete = traces.lines_complete | ({"go"} if succeeded else set())
    return replace(traces, lines_run=traces.lines_run | covered_lines(profile, packages), lines_complete=complete)
