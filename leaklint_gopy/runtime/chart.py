"""Draws the watch series as stacked line charts (one panel per unit: counts, socket memory): SVG
written by hand, PNG through matplotlib if present.

It only draws; which series, panels and trend lines exist is decided by watch.py.
"""
from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH, PANEL_HEIGHT = 860, 320
LEFT, RIGHT, TOP, BOTTOM = 80, 190, 50, 50
COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
_MISSING_MATPLOTLIB = "PNG charts need matplotlib (pip install matplotlib); use --chart FILE.svg"


class ChartError(Exception):
    """A chart could not be written (for example PNG without matplotlib)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One series to draw: a legend label and its y values, aligned with the chart's xs."""

    label: str
    ys: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Panel:
    """One plot with its own y axis; `fit` (slope, intercept) is drawn dashed when given."""

    y_label: str
    lines: tuple[Line, ...]
    fit: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class Chart:
    """What to draw: a title, the x axis shared by every panel, and the panels top to bottom."""

    title: str
    x_label: str
    xs: tuple[float, ...]
    panels: tuple[Panel, ...]


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Returns round tick values from at or below `low` to at or above `high`."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    steps = math.ceil(round((high - start) / step, 9))
    return [start + i * step for i in range(steps + 1)]


def check(path: str) -> None:
    """Raises ChartError unless a chart can be written to path's format (asked before sampling)."""
    lower = path.lower()
    if lower.endswith(".png"):
        if importlib.util.find_spec("matplotlib") is None:
            raise ChartError(_MISSING_MATPLOTLIB)
    elif not lower.endswith(".svg"):
        raise ChartError(f"unknown chart format for {path!r}: use .svg or .png")


def _polyline(points: list[tuple[float, float]], colour: str, width: float, dash: str = "") -> str:
    """Returns one SVG polyline."""
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline fill="none" stroke="{colour}" stroke-width="{width}"{extra} points="{coords}"/>'


def _fmt(value: float) -> str:
    """Returns a tick label."""
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"


class _Frame:
    """Maps data to pixels inside one panel whose plot area starts at pixel row `top`."""

    def __init__(self, xt: list[float], yt: list[float], top: float) -> None:
        self.xt, self.yt, self.top = xt, yt, top
        self.width = WIDTH - LEFT - RIGHT
        self.height = PANEL_HEIGHT - TOP - BOTTOM

    def px(self, x: float) -> float:
        """Returns the pixel column of x."""
        return LEFT + (x - self.xt[0]) / ((self.xt[-1] - self.xt[0]) or 1) * self.width

    def py(self, y: float) -> float:
        """Returns the pixel row of y."""
        return self.top + self.height - (y - self.yt[0]) / ((self.yt[-1] - self.yt[0]) or 1) * self.height


def _axes(frame: _Frame, panel: Panel, x_label: str) -> list[str]:
    """Returns the grid, tick labels, frame and axis labels of one panel."""
    out, bottom = [], frame.top + frame.height
    for x in frame.xt:
        out.append(f'<line x1="{frame.px(x):.1f}" y1="{frame.top}" x2="{frame.px(x):.1f}" y2="{bottom}" stroke="#eee"/>')
        out.append(f'<text x="{frame.px(x):.1f}" y="{bottom + 16}" text-anchor="middle">{_fmt(x)}</text>')
    for y in frame.yt:
        out.append(f'<line x1="{LEFT}" y1="{frame.py(y):.1f}" x2="{LEFT + frame.width}" y2="{frame.py(y):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{LEFT - 6}" y="{frame.py(y) + 4:.1f}" text-anchor="end">{_fmt(y)}</text>')
    out.append(f'<rect x="{LEFT}" y="{frame.top}" width="{frame.width}" height="{frame.height}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{LEFT + frame.width / 2}" y="{bottom + 34}" text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text transform="translate(18 {frame.top + frame.height / 2}) rotate(-90)" '
               f'text-anchor="middle">{escape(panel.y_label)}</text>')
    return out


def _series(frame: _Frame, panel: Panel, xs: tuple[float, ...], clip: str) -> list[str]:
    """Returns the clipped lines and fit of one panel, and its legend."""
    out = [f'<clipPath id="{clip}"><rect x="{LEFT}" y="{frame.top}" width="{frame.width}" height="{frame.height}"/></clipPath>',
           f'<g clip-path="url(#{clip})">']
    for i, line in enumerate(panel.lines):
        out.append(_polyline([(frame.px(x), frame.py(y)) for x, y in zip(xs, line.ys)], COLOURS[i % len(COLOURS)], 1.8))
    if panel.fit and xs:
        slope, intercept = panel.fit
        out.append(_polyline([(frame.px(x), frame.py(intercept + slope * x)) for x in (xs[0], xs[-1])], "#000", 1.0, "6 4"))
    out.append("</g>")
    for i, line in enumerate(panel.lines):
        ly, lx = frame.top + 10 + 20 * i, LEFT + frame.width + 12
        out.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 20}" y2="{ly}" stroke="{COLOURS[i % len(COLOURS)]}" stroke-width="3"/>')
        out.append(f'<text x="{lx + 26}" y="{ly + 4}">{escape(line.label)}</text>')
    return out


def svg(chart: Chart) -> str:
    """Returns the chart as a standalone SVG document, one panel below the other."""
    height = PANEL_HEIGHT * len(chart.panels)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
           f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="15">{escape(chart.title)}</text>']
    xt = nice_ticks(min(chart.xs, default=0.0), max(chart.xs, default=1.0))
    for i, panel in enumerate(chart.panels):
        values = [y for line in panel.lines for y in line.ys] or [0.0]
        frame = _Frame(xt, nice_ticks(min(0.0, min(values)), max(values)), TOP + i * PANEL_HEIGHT)
        out += _axes(frame, panel, chart.x_label) + _series(frame, panel, chart.xs, f"plot{i}")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _png(chart: Chart, path: str) -> None:
    """Writes the chart as PNG with matplotlib, or raises ChartError when it is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ChartError(_MISSING_MATPLOTLIB) from None
    figure, axes = plt.subplots(len(chart.panels), 1, sharex=True, squeeze=False,
                                figsize=(WIDTH / 100, PANEL_HEIGHT * len(chart.panels) / 100), dpi=100)
    for ax, panel in zip(axes[:, 0], chart.panels):
        for i, line in enumerate(panel.lines):
            ax.plot(chart.xs, line.ys, color=COLOURS[i % len(COLOURS)], label=line.label)
        if panel.fit and chart.xs:
            slope, intercept = panel.fit
            ends = (chart.xs[0], chart.xs[-1])
            ax.plot(ends, [intercept + slope * x for x in ends], "k--", linewidth=1, label="Theil–Sen fit")
        ax.set(ylabel=panel.y_label)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    axes[0, 0].set_title(chart.title)
    axes[-1, 0].set_xlabel(chart.x_label)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write(chart: Chart, path: str) -> None:
    """Writes the chart to path; the format follows the suffix (.svg or .png). Raises ChartError."""
    check(path)
    try:
        if path.lower().endswith(".png"):
            _png(chart, path)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(svg(chart))
    except OSError as error:
        raise ChartError(f"cannot write {path}: {error.strerror}") from None
