"""Renders plain-text tables and human sizes for the runtime commands' terminal output."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from leaklint_gopy.runtime.procfs import Problem


def size(value: int | float | None) -> str:
    """Returns bytes as a short human size ("20.0 KiB"); "-" when unknown."""
    if value is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Returns rows under headers, columns padded; numbers right-aligned."""
    cells = [[("-" if c is None else str(c)) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [all(_is_number(r[i]) for r in cells) and bool(cells) for i in range(len(headers))]
    lines = ["  ".join(h.rjust(w) if n else h.ljust(w) for h, w, n in zip(headers, widths, numeric)).rstrip()]
    for row in cells:
        lines.append("  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(row, widths, numeric)).rstrip())
    return "\n".join(lines)


def _is_number(text: str) -> bool:
    """Reports whether a cell reads as a number (or the unknown mark)."""
    return text == "-" or text.replace(".", "", 1).replace("-", "", 1).isdigit()


def grouped_problems(problems: Sequence[Problem], limit: int = 12) -> list[str]:
    """Returns one line per kind of unreadable entry, with a count and up to 4 examples."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for problem in problems:
        parts = problem.subject.split("/")
        kind = "/".join("PID" if p.isdigit() else p for p in parts)
        groups[(kind, problem.reason)].append(problem.subject)
    lines = []
    for (kind, reason), subjects in sorted(groups.items(), key=lambda g: -len(g[1]))[:limit]:
        examples = ", ".join(subjects[:4]) + (" ..." if len(subjects) > 4 else "")
        lines.append(f"{kind}: {reason} ({len(subjects)}x; {examples})" if len(subjects) > 1
                     else f"{subjects[0]}: {reason}")
    return lines
