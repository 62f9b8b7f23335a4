"""Report charts as PNG bytes, drawn with matplotlib's Agg canvas.

Each chart has two functions: `<name>_figure(...)` builds a `Figure` (to inspect
or to draw further) and `<name>_chart(...)` renders it to PNG bytes. They take
plain Python data, never a query or a table.

Invariants:
- pyplot and its global state are never used: every figure is a
  `matplotlib.figure.Figure` with its own `FigureCanvasAgg`, so charts may be
  drawn from several threads at once; rcParams are read, never changed;
- every PNG has the exact pixel `size` asked for (1200 x 700 unless told), at
  100 dpi, and carries no timestamp nor software name, so equal input gives
  equal bytes;
- empty data gives a valid image saying "no data" (a label of its own), never an
  exception; inconsistent data (series of different lengths, negative counts)
  raises `ValueError`;
- every visible word is a label the caller may replace (translation); the
  defaults are English. Periods are shown as ISO dates unless given as strings.
"""

from __future__ import annotations

import io
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TypeVar

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from retaguarda.domain.kpi.pareto import pareto_series

DPI = 100
SIZE = (1200, 700)
MAX_TICKS = 24
MAX_LABEL = 32
BLUE, ORANGE, RED, GREEN, GREY, LIGHT = (
    "#4C72B0",
    "#DD8452",
    "#C44E52",
    "#55A868",
    "#8C8C8C",
    "#A6BDDB",
)

V = TypeVar("V")
Period = date | datetime | str
Pairs = Mapping[str, float] | Sequence[tuple[str, float]]
Shares = Mapping[str, float | None] | Sequence[tuple[str, float | None]]


@dataclass(frozen=True)
class BacklogLabels:
    title: str = "Backlog at period end"
    x: str = "Period end"
    y: str = "Open items (count)"
    current: str = "Current (within SLA)"
    overdue: str = "Overdue"
    no_data: str = "No data"


@dataclass(frozen=True)
class AgingLabels:
    title: str = "Backlog aging"
    x: str = "Age"
    y: str = "Open items (count)"
    no_data: str = "No data"


@dataclass(frozen=True)
class FlowLabels:
    title: str = "Inflow vs outflow"
    x: str = "Period"
    y: str = "Items (count)"
    inflow: str = "Inflow (received)"
    outflow: str = "Outflow (closed)"
    no_data: str = "No data"


@dataclass(frozen=True)
class ParetoLabels:
    title: str = "Pareto of reasons"
    x: str = "Reason"
    y: str = "Items (count)"
    y_share: str = "Cumulative share (%)"
    vital_few: str = "Vital few"
    others: str = "Others"
    cumulative: str = "Cumulative share"
    reference: str = "{threshold:.0%} reference"
    no_data: str = "No data"


@dataclass(frozen=True)
class ComplianceLabels:
    title: str = "SLA compliance by area"
    x: str = "Within SLA (%)"
    y: str = "Area"
    target: str = "Target ({target:.0%})"
    below: str = "Below target"
    met: str = "On or above target"
    no_value: str = "n/a"
    no_data: str = "No data"


def new_figure(size: tuple[int, int] = SIZE) -> Figure:
    """An empty figure of `size` pixels on its own Agg canvas (no pyplot)."""
    width, height = size
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def render_png(figure: Figure) -> bytes:
    """The PNG bytes of `figure`, at its own pixel size and without metadata."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def period_label(period: Period) -> str:
    """`2026-03-31` for a date or a midnight datetime, `2026-03-31 18:00` otherwise."""
    if isinstance(period, datetime):
        if period.time() == time(0):
            return period.date().isoformat()
        return period.strftime("%Y-%m-%d %H:%M")
    if isinstance(period, date):
        return period.isoformat()
    return period


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _pairs(data: Mapping[str, V] | Sequence[tuple[str, V]]) -> tuple[list[str], list[V]]:
    """Labels and values of a mapping or of a sequence of pairs, in their order."""
    items = list(data.items()) if isinstance(data, Mapping) else list(data)
    return [str(label) for label, _ in items], [value for _, value in items]


def _same_length(**series: Sequence[object]) -> None:
    lengths = {name: len(values) for name, values in series.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"series must have the same length: {lengths}")


def _no_data(figure: Figure, title: str, message: str) -> Figure:
    axes = figure.add_subplot()
    axes.set_axis_off()
    axes.set_title(title, fontsize="x-large")
    axes.text(0.5, 0.5, message, ha="center", va="center", fontsize=24, color=GREY)
    return figure


def _category_axis(axes: Axes, labels: Sequence[str]) -> None:
    """Label at most MAX_TICKS categories, slanted when they would crowd."""
    step = max(1, math.ceil(len(labels) / MAX_TICKS))
    ticks = list(range(0, len(labels), step))
    texts = [_short(labels[i]) for i in ticks]
    slanted = len(ticks) > 8 or max(len(t) for t in texts) > 10
    axes.set_xticks(
        ticks,
        texts,
        rotation=40 if slanted else 0,
        ha="right" if slanted else "center",
        rotation_mode="anchor",
    )


def _decorate(axes: Axes, title: str, x: str, y: str) -> None:
    axes.set_title(title, fontsize="x-large")
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)


def _legend(figure: Figure, handles: Sequence[Artist]) -> None:
    """One row of legend entries under the plot, where it can hide no data."""
    figure.legend(handles=handles, loc="outside lower center", ncols=len(handles))


def _integer_axis(axes: Axes, values: Sequence[float]) -> None:
    if all(float(v).is_integer() for v in values):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))


def backlog_figure(
    period_ends: Sequence[Period],
    current: Sequence[float],
    overdue: Sequence[float],
    *,
    labels: BacklogLabels = BacklogLabels(),
    size: tuple[int, int] = SIZE,
) -> Figure:
    """Stacked bars per period end: items still within SLA, and overdue on top."""
    _same_length(period_ends=period_ends, current=current, overdue=overdue)
    figure = new_figure(size)
    if not period_ends:
        return _no_data(figure, labels.title, labels.no_data)
    axes = figure.add_subplot()
    x = range(len(period_ends))
    axes.bar(x, current, color=BLUE, label=labels.current)
    axes.bar(x, overdue, bottom=current, color=RED, label=labels.overdue)
    _category_axis(axes, [period_label(p) for p in period_ends])
    _decorate(axes, labels.title, labels.x, labels.y)
    _integer_axis(axes, [*current, *overdue])
    _legend(figure, axes.get_legend_handles_labels()[0])
    return figure


def backlog_chart(
    period_ends: Sequence[Period],
    current: Sequence[float],
    overdue: Sequence[float],
    *,
    labels: BacklogLabels = BacklogLabels(),
    size: tuple[int, int] = SIZE,
) -> bytes:
    """PNG of `backlog_figure`."""
    return render_png(backlog_figure(period_ends, current, overdue, labels=labels, size=size))


def aging_figure(
    buckets: Pairs,
    *,
    highlight: Collection[str] = (),
    labels: AgingLabels = AgingLabels(),
    size: tuple[int, int] = SIZE,
) -> Figure:
    """One bar per bucket, in the order given, its count written on top.

    Buckets named in `highlight` (e.g. the oldest, or "breached" among SLA-share
    buckets) are drawn in red.
    """
    names, counts = _pairs(buckets)
    figure = new_figure(size)
    if not names:
        return _no_data(figure, labels.title, labels.no_data)
    axes = figure.add_subplot()
    colors = [RED if name in highlight else BLUE for name in names]
    bars = axes.bar(range(len(names)), counts, color=colors)
    axes.bar_label(bars, labels=[f"{c:,.10g}" for c in counts], padding=3)
    axes.margins(y=0.1)
    _category_axis(axes, names)
    _decorate(axes, labels.title, labels.x, labels.y)
    _integer_axis(axes, counts)
    return figure


def aging_chart(
    buckets: Pairs,
    *,
    highlight: Collection[str] = (),
    labels: AgingLabels = AgingLabels(),
    size: tuple[int, int] = SIZE,
) -> bytes:
    """PNG of `aging_figure`."""
    return render_png(aging_figure(buckets, highlight=highlight, labels=labels, size=size))


def flow_figure(
    periods: Sequence[Period],
    inflow: Sequence[float],
    outflow: Sequence[float],
    *,
    labels: FlowLabels = FlowLabels(),
    size: tuple[int, int] = SIZE,
) -> Figure:
    """Side-by-side bars per period: items received and items closed."""
    _same_length(periods=periods, inflow=inflow, outflow=outflow)
    figure = new_figure(size)
    if not periods:
        return _no_data(figure, labels.title, labels.no_data)
    axes = figure.add_subplot()
    x = range(len(periods))
    axes.bar([i - 0.2 for i in x], inflow, width=0.4, color=BLUE, label=labels.inflow)
    axes.bar([i + 0.2 for i in x], outflow, width=0.4, color=ORANGE, label=labels.outflow)
    _category_axis(axes, [period_label(p) for p in periods])
    _decorate(axes, labels.title, labels.x, labels.y)
    _integer_axis(axes, [*inflow, *outflow])
    _legend(figure, axes.get_legend_handles_labels()[0])
    return figure


def flow_chart(
    periods: Sequence[Period],
    inflow: Sequence[float],
    outflow: Sequence[float],
    *,
    labels: FlowLabels = FlowLabels(),
    size: tuple[int, int] = SIZE,
) -> bytes:
    """PNG of `flow_figure`."""
    return render_png(flow_figure(periods, inflow, outflow, labels=labels, size=size))


def pareto_figure(
    counts: Pairs,
    *,
    threshold: float = 0.8,
    labels: ParetoLabels = ParetoLabels(),
    size: tuple[int, int] = SIZE,
) -> Figure:
    """Bars of count per reason, descending, the vital few in a darker colour; the
    cumulative share as a line on a secondary 0-100 % axis with a reference line
    at `threshold`. No item at all (every count zero) counts as no data.
    """
    series = pareto_series(counts, threshold)
    figure = new_figure(size)
    if not sum(series.counts):
        return _no_data(figure, labels.title, labels.no_data)
    axes = figure.add_subplot()
    x = range(len(series.labels))
    colors = [BLUE if i < series.vital_few else LIGHT for i in x]
    axes.bar(x, series.counts, color=colors)
    _category_axis(axes, series.labels)
    _decorate(axes, labels.title, labels.x, labels.y)
    _integer_axis(axes, series.counts)
    share = axes.twinx()
    share.plot(x, [100 * c for c in series.cumulative], color=ORANGE, marker="o")
    share.axhline(100 * threshold, color=GREY, linestyle="--")
    share.set_ylim(0, 105)
    share.yaxis.set_major_formatter(PercentFormatter(100))
    share.set_ylabel(labels.y_share)
    _legend(figure, _pareto_legend(labels, threshold))
    return figure


def _pareto_legend(labels: ParetoLabels, threshold: float) -> list[Artist]:
    return [
        Patch(color=BLUE, label=labels.vital_few),
        Patch(color=LIGHT, label=labels.others),
        Line2D([], [], color=ORANGE, marker="o", label=labels.cumulative),
        Line2D(
            [], [], color=GREY, linestyle="--", label=labels.reference.format(threshold=threshold)
        ),
    ]


def pareto_chart(
    counts: Pairs,
    *,
    threshold: float = 0.8,
    labels: ParetoLabels = ParetoLabels(),
    size: tuple[int, int] = SIZE,
) -> bytes:
    """PNG of `pareto_figure`."""
    return render_png(pareto_figure(counts, threshold=threshold, labels=labels, size=size))


def compliance_figure(
    shares: Shares,
    *,
    target: float | None = None,
    labels: ComplianceLabels = ComplianceLabels(),
    size: tuple[int, int] = SIZE,
) -> Figure:
    """Horizontal bars of the share within SLA per area, top to bottom as given.

    Shares and `target` are ratios (0.95 is 95 %); the axis runs 0-100 %. A share
    of `None` (nothing was due) gets no bar and the `no_value` text. With a target,
    bars below it are red, the others green, and a dashed line marks it.
    """
    names, values = _pairs(shares)
    figure = new_figure(size)
    if not names:
        return _no_data(figure, labels.title, labels.no_data)
    axes = figure.add_subplot()
    percents = [0.0 if v is None else 100 * v for v in values]
    axes.barh(range(len(names)), percents, color=[_compliance_color(v, target) for v in values])
    for y, value in enumerate(values):
        _compliance_text(axes, y, value, labels.no_value)
    axes.set_yticks(range(len(names)), [_short(n) for n in names])
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.xaxis.set_major_formatter(PercentFormatter(100))
    _decorate(axes, labels.title, labels.x, labels.y)
    axes.grid(axis="x", alpha=0.3)
    if target is not None:
        axes.axvline(100 * target, color=GREY, linestyle="--")
        _legend(figure, _compliance_legend(labels, target))
    return figure


def _compliance_color(value: float | None, target: float | None) -> str:
    if target is None or value is None:
        return BLUE
    return RED if value < target else GREEN


def _compliance_text(axes: Axes, y: int, value: float | None, no_value: str) -> None:
    """The share written inside the bar's end, or just after a short bar."""
    if value is None:
        axes.text(1, y, no_value, va="center", ha="left", color=GREY)
    elif value >= 0.2:
        axes.text(100 * value - 1, y, f"{value:.1%}", va="center", ha="right", color="white")
    else:
        axes.text(100 * value + 1, y, f"{value:.1%}", va="center", ha="left")


def _compliance_legend(labels: ComplianceLabels, target: float) -> list[Artist]:
    return [
        Patch(color=GREEN, label=labels.met),
        Patch(color=RED, label=labels.below),
        Line2D([], [], color=GREY, linestyle="--", label=labels.target.format(target=target)),
    ]


def compliance_chart(
    shares: Shares,
    *,
    target: float | None = None,
    labels: ComplianceLabels = ComplianceLabels(),
    size: tuple[int, int] = SIZE,
) -> bytes:
    """PNG of `compliance_figure`."""
    return render_png(compliance_figure(shares, target=target, labels=labels, size=size))
