"""Charts drawn on the server as inline SVG: no script, no chart library, and the
page stays readable with styles off (every chart has a title and a table beside it).

Written here rather than vendored: three small shapes (horizontal bars, grouped
columns, lines) are under 200 lines, render in microseconds, and need no asset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# Colour-blind-safe palette (Okabe-Ito), each at least 3:1 against white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def _nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (axis top)."""
    if value <= 0:
        return 1.0
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _axis(peak: float) -> tuple[float, float]:
    """(top, step) of a value axis: steps of 1, 2 or 5 times a power of ten, whole
    numbers when the values are counts of at least one (no "0.2 items" tick)."""
    top = _nice_max(peak)
    step = _nice_max(top / 4)
    if peak >= 1:
        step = max(step, 1.0)
    ticks = -(-top // step)  # ceiling
    return ticks * step, step


def _open(width: int, height: int, title: str) -> list[str]:
    label = escape(title)
    return [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{label}</title>",
    ]


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.3g}"


def hbars(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 420,
    colour: str = PALETTE[0],
    labels: Sequence[str] | None = None,
) -> Markup:
    """One horizontal bar per row, the value written at its end."""
    line = 24
    label_width = 120
    height = max(line * len(rows) + 8, 32)
    top = _nice_max(max((value for _, value in rows), default=0))
    usable = width - label_width - 60
    parts = _open(width, height, title)
    for index, (name, value) in enumerate(rows):
        y = 4 + index * line
        bar = 0 if top == 0 else usable * max(value, 0) / top
        shown = labels[index] if labels is not None else _number(value)
        parts += [
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{escape(name)}</text>',
            f'<rect x="{label_width}" y="{y + 3}" width="{bar:.1f}" height="{line - 8}" '
            f'fill="{colour}"><title>{escape(name)}: {escape(shown)}</title></rect>',
            f'<text x="{label_width + bar + 4:.1f}" y="{y + 15}">{escape(shown)}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass
class _Plot:
    """The frame shared by columns and lines: the title, the value axis and its grid,
    the plot area's place and size (the legend sits above it, the labels below)."""

    parts: list[str]
    left: int
    top: int
    width: float
    height: float
    peak: float

    @classmethod
    def of(
        cls,
        series: Sequence[tuple[str, Sequence[float]]],
        *,
        title: str,
        width: int,
        height: int,
    ) -> _Plot:
        left, bottom, top = 44, 36, 26
        plot_w, plot_h = width - left - 8, height - bottom - top
        peak, step = _axis(max((v for _, values in series for v in values), default=0))
        parts = _open(width, height, title)
        parts += _y_axis(left, top, plot_w, plot_h, peak, step)
        return cls(parts, left, top, plot_w, plot_h, peak)


def columns(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
) -> Markup:
    """Grouped columns: one group per category, one column per series, with a legend."""
    box = _Plot.of(series, title=title, width=width, height=height)
    parts, left, top_pad, peak = box.parts, box.left, box.top, box.peak
    plot_w, plot_h, bottom = box.width, box.height, height - box.top - box.height
    groups = max(len(categories), 1)
    group_w = plot_w / groups
    column_w = max(group_w * 0.8 / max(len(series), 1), 1)
    every = max(1, groups // 12)
    for c, category in enumerate(categories):
        x0 = left + c * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series):
            value = values[c] if c < len(values) else 0
            h = plot_h * max(value, 0) / peak
            x = x0 + s * column_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{column_w:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(category)} · {escape(name)}: {_number(value)}</title></rect>"
            )
        if c % every == 0:
            parts.append(
                f'<text x="{left + (c + 0.5) * group_w:.1f}" y="{height - bottom + 14}" '
                f'text-anchor="middle">{escape(category)}</text>'
            )
    parts += _legend([name for name, _ in series], left, 14)
    parts.append("</svg>")
    return Markup("".join(parts))


def lines(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
) -> Markup:
    """One polyline per series over the categories, with a legend."""
    box = _Plot.of(series, title=title, width=width, height=height)
    parts, left, top_pad, peak = box.parts, box.left, box.top, box.peak
    plot_w, plot_h, bottom = box.width, box.height, height - box.top - box.height
    count = max(len(categories), 1)
    x_step = plot_w / max(count - 1, 1)
    for s, (name, values) in enumerate(series):
        points = " ".join(
            f"{left + i * x_step:.1f},{top_pad + plot_h - plot_h * max(v, 0) / peak:.1f}"
            for i, v in enumerate(values)
        )
        colour = PALETTE[s % len(PALETTE)]
        dash = ' stroke-dasharray="6 3"' if s % 2 else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}>'
            f"<title>{escape(name)}</title></polyline>"
        )
    every = max(1, count // 10)
    for i, category in enumerate(categories):
        if i % every == 0:
            # The first and last labels hang inwards so the picture does not cut them.
            anchor = "start" if i == 0 else "end" if i == count - 1 else "middle"
            parts.append(
                f'<text x="{left + i * x_step:.1f}" y="{height - bottom + 14}" '
                f'text-anchor="{anchor}">{escape(category)}</text>'
            )
    parts += _legend([name for name, _ in series], left, 14)
    parts.append("</svg>")
    return Markup("".join(parts))


def _y_axis(
    left: int, top: int, width: float, height: float, peak: float, step: float
) -> list[str]:
    parts = []
    for tick in range(round(peak / step) + 1):
        value = tick * step
        y = top + height - height * value / peak
        parts += [
            f'<line x1="{left}" x2="{left + width:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d1d5db" stroke-width="1"/>',
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{_number(value)}</text>',
        ]
    return parts


def _legend(names: Sequence[str], left: int, y: int) -> list[str]:
    parts = []
    x = float(left)
    for s, name in enumerate(names):
        colour = PALETTE[s % len(PALETTE)]
        parts += [
            f'<rect x="{x:.1f}" y="{y - 9}" width="10" height="10" fill="{colour}"/>',
            f'<text x="{x + 14:.1f}" y="{y}">{escape(name)}</text>',
        ]
        x += 24 + 7 * len(name)
    return parts
