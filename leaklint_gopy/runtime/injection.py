"""Injects tracer.py (with tracer_lines.py) into the Python processes of a command.

Two injection modes: a wrapper (`python [opts] tracer.py script|-m mod|-c code ...`) for commands
that start a Python interpreter or script, and a temporary `.pth` file in an interpreter's
site-packages for anything else (traces that interpreter's child processes too). The .pth line
acts only for processes of the run that wrote it, and it is removed when the run ends. Reading
what the tracers wrote is trace.py's job.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from leaklint_gopy.runtime.command import stale

PTH_PREFIX = "zz_leaklint_runtime_trace"
PTH_LINE = ("import os, runpy; os.environ.get('LEAKLINT_PTH') == {token!r} and "
            "os.path.isfile(os.environ.get('LEAKLINT_TRACER', '')) and "
            "runpy.run_path(os.environ['LEAKLINT_TRACER'], run_name='_leaklint_tracer_pth')\n")
_PYTHON = re.compile(r"(python|pypy)(\d+(\.\d+)*)?$")
_OPTIONS_WITH_VALUE = {"-W", "-X", "-Q"}


class InjectionError(Exception):
    """The tracer cannot be injected into this command."""


@dataclass(frozen=True, slots=True)
class Injection:
    """The command to run, the environment to add, and files to remove afterwards."""

    command: tuple[str, ...]
    env: dict[str, str]
    mode: str
    cleanup: tuple[str, ...] = ()


def interpreter_of(program: str) -> str | None:
    """Returns the Python interpreter a program is, or runs via its shebang; None otherwise."""
    path = shutil.which(program) or program
    if _PYTHON.search(os.path.basename(path)):
        return path
    try:
        with open(path, "rb") as f:
            first = f.readline(256).decode("utf-8", "replace").strip()
    except OSError:
        return None
    if not first.startswith("#!") or "python" not in first and "pypy" not in first:
        return None
    words = first[2:].split()
    if os.path.basename(words[0]) == "env":
        words = [w for w in words[1:] if not w.startswith("-")]
        return shutil.which(words[0]) if words else None
    return words[0]


def _split_python(args: list[str]) -> tuple[list[str], list[str]]:
    """Returns (interpreter options, rest starting at the script, -m or -c)."""
    options, i = [], 0
    while i < len(args):
        arg = args[i]
        if arg in ("-m", "-c") or not arg.startswith("-") or arg == "-":
            return options, args[i:]
        options.append(arg)
        if arg in _OPTIONS_WITH_VALUE:
            options.append(args[i + 1])
            i += 1
        i += 1
    raise InjectionError("the Python command runs no script, -m module or -c code")


def tracer_copy(workdir: str) -> str:
    """Returns the path of a copy of tracer.py placed in workdir (its siblings beside it)."""
    here = os.path.dirname(__file__)
    for name in ("tracer_model.py", "tracer_lines.py", "tracer.py"):
        shutil.copyfile(os.path.join(here, name), os.path.join(workdir, "_leaklint_" + name))
    return os.path.join(workdir, "_leaklint_tracer.py")


def wrapper(command: list[str], workdir: str) -> Injection:
    """Returns the command run through tracer.py by its own interpreter."""
    interpreter = interpreter_of(command[0])
    if interpreter is None:
        raise InjectionError(f"{command[0]} is not a Python interpreter or script")
    tracer = tracer_copy(workdir)
    if _PYTHON.search(os.path.basename(shutil.which(command[0]) or command[0])):
        options, rest = _split_python(command[1:])
        new = [command[0], *options, tracer, *rest]
    else:
        new = [interpreter, tracer, shutil.which(command[0]) or command[0], *command[1:]]
    return Injection(tuple(new), {"LEAKLINT_TRACE_DIR": workdir}, "wrapper")


def site_packages(interpreter: str) -> str:
    """Returns the purelib directory of an interpreter."""
    done = subprocess.run([interpreter, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise InjectionError(f"cannot ask {interpreter} for its site-packages: {done.stderr.strip()}")
    return done.stdout.strip()


def remove(paths: list[str]) -> None:
    """Removes files, ignoring the ones already gone."""
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass


def pth(command: list[str], workdir: str, interpreter: str) -> Injection:
    """Returns the command unchanged plus a .pth hook of this run in the interpreter's site-packages.

    The hook is named after this process and acts only for processes whose LEAKLINT_PTH names it,
    so overlapping runs neither trace each other's children nor remove each other's hooks; hooks
    of runs that were killed (SIGKILL leaves no chance to clean up) are removed first.
    """
    directory = site_packages(interpreter)
    remove(stale(glob.glob(os.path.join(directory, PTH_PREFIX + "*.pth"))))
    name = f"{PTH_PREFIX}_{os.getpid()}.pth"
    target = os.path.join(directory, name)
    try:
        with open(target, "w", encoding="utf-8") as f:
            f.write(PTH_LINE.format(token=name))
    except OSError as error:
        raise InjectionError(f"cannot write {target}: {error.strerror}; use --inject wrapper") from None
    except BaseException:
        remove([target])
        raise
    env = {"LEAKLINT_TRACE_DIR": workdir, "LEAKLINT_TRACER": tracer_copy(workdir), "LEAKLINT_PTH": name}
    return Injection(tuple(command), env, "pth", (target,))


def inject(command: list[str], workdir: str, mode: str = "auto", python: str | None = None) -> Injection:
    """Returns how to run command traced; mode is auto, wrapper or pth.

    auto wraps a Python command, uses the .pth hook when --python names an interpreter, and
    otherwise raises InjectionError (nothing is written into an interpreter nobody named).
    """
    if mode == "wrapper" or (mode == "auto" and interpreter_of(command[0]) and python is None):
        return wrapper(command, workdir)
    if mode == "auto" and python is None:
        raise InjectionError(f"{command[0]} is not a Python program; tracing only the process series "
                             "(use --inject pth --python PY to hook Python children)")
    interpreter = python or interpreter_of(command[0]) or shutil.which("python3")
    if interpreter is None:
        raise InjectionError("no Python interpreter to hook: pass --python")
    return pth(command, workdir, interpreter)
