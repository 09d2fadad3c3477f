"""Draws the watch series as a line chart: SVG written by hand, PNG through matplotlib if present.

It only draws; which series and verdicts exist is decided by watch.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 860, 440
LEFT, RIGHT, TOP, BOTTOM = 70, 190, 50, 50
COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


class ChartError(Exception):
    """A chart could not be written (for example PNG without matplotlib)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One series to draw: a legend label and its y values, aligned with the chart's xs."""

    label: str
    ys: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """What to draw: title, axis labels, xs, lines and an optional fit (slope, intercept)."""

    title: str
    x_label: str
    y_label: str
    xs: tuple[float, ...]
    lines: tuple[Line, ...]
    fit: tuple[float, float] | None = None


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Returns round tick values covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    return [start + i * step for i in range(int((high - start) / step) + 2) if start + i * step <= high + step / 2]


def _scale(chart: Chart) -> tuple[list[float], list[float]]:
    """Returns the x ticks and y ticks bounding every line."""
    values = [y for line in chart.lines for y in line.ys] or [0.0]
    return nice_ticks(min(chart.xs, default=0.0), max(chart.xs, default=1.0)), nice_ticks(min(0.0, min(values)), max(values))


def _polyline(points: list[tuple[float, float]], colour: str, width: float, dash: str = "") -> str:
    """Returns one SVG polyline."""
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline fill="none" stroke="{colour}" stroke-width="{width}"{extra} points="{coords}"/>'


def _fmt(value: float) -> str:
    """Returns a tick label."""
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"


def svg(chart: Chart) -> str:
    """Returns the chart as a standalone SVG document."""
    xt, yt = _scale(chart)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    px = lambda x: LEFT + (x - xt[0]) / ((xt[-1] - xt[0]) or 1) * plot_w  # noqa: E731
    py = lambda y: TOP + plot_h - (y - yt[0]) / ((yt[-1] - yt[0]) or 1) * plot_h  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="15">{escape(chart.title)}</text>']
    for x in xt:
        out.append(f'<line x1="{px(x):.1f}" y1="{TOP}" x2="{px(x):.1f}" y2="{TOP + plot_h}" stroke="#eee"/>')
        out.append(f'<text x="{px(x):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{_fmt(x)}</text>')
    for y in yt:
        out.append(f'<line x1="{LEFT}" y1="{py(y):.1f}" x2="{LEFT + plot_w}" y2="{py(y):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{LEFT - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{_fmt(y)}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 10}" text-anchor="middle">{escape(chart.x_label)}</text>')
    out.append(f'<text transform="translate(16 {TOP + plot_h / 2}) rotate(-90)" text-anchor="middle">{escape(chart.y_label)}</text>')
    for i, line in enumerate(chart.lines):
        colour = COLOURS[i % len(COLOURS)]
        out.append(_polyline([(px(x), py(y)) for x, y in zip(chart.xs, line.ys)], colour, 1.8))
        ly = TOP + 10 + 20 * i
        out.append(f'<line x1="{LEFT + plot_w + 12}" y1="{ly}" x2="{LEFT + plot_w + 32}" y2="{ly}" stroke="{colour}" stroke-width="3"/>')
        out.append(f'<text x="{LEFT + plot_w + 38}" y="{ly + 4}">{escape(line.label)}</text>')
    if chart.fit and chart.xs:
        slope, intercept = chart.fit
        ends = [(px(x), py(intercept + slope * x)) for x in (chart.xs[0], chart.xs[-1])]
        out.append(_polyline(ends, "#000", 1.0, "6 4"))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _png(chart: Chart, path: str) -> None:
    """Writes the chart as PNG with matplotlib, or raises ChartError when it is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ChartError("PNG charts need matplotlib (pip install matplotlib); use --chart FILE.svg") from None
    figure, axes = plt.subplots(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    for i, line in enumerate(chart.lines):
        axes.plot(chart.xs, line.ys, color=COLOURS[i % len(COLOURS)], label=line.label)
    if chart.fit and chart.xs:
        slope, intercept = chart.fit
        axes.plot([chart.xs[0], chart.xs[-1]], [intercept + slope * x for x in (chart.xs[0], chart.xs[-1])],
                  "k--", linewidth=1, label="Theil–Sen fit")
    axes.set(title=chart.title, xlabel=chart.x_label, ylabel=chart.y_label)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write(chart: Chart, path: str) -> None:
    """Writes the chart to path; the format follows the suffix (.svg or .png)."""
    if path.lower().endswith(".png"):
        _png(chart, path)
    elif path.lower().endswith(".svg"):
        with open(path, "w", encoding="utf-8") as f:
            f.write(svg(chart))
    else:
        raise ChartError(f"unknown chart format for {path!r}: use .svg or .png")
