"""Report charts: real PNGs of the asked size, drawn from the data given, never pyplot."""

from __future__ import annotations

import ast
import io
import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.image import imread

from retaguarda.interop import charts
from retaguarda.interop.charts import (
    AgingLabels,
    BacklogLabels,
    ComplianceLabels,
    FlowLabels,
    ParetoLabels,
    aging_chart,
    aging_figure,
    backlog_chart,
    backlog_figure,
    compliance_chart,
    compliance_figure,
    flow_chart,
    flow_figure,
    pareto_chart,
    pareto_figure,
    pareto_series,
    period_label,
)

ENDS = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
REASONS = {"late delivery": 30, "damaged": 10, "billing": 50, "other": 10}

CHARTS: dict[str, Callable[[], bytes]] = {
    "backlog": lambda: backlog_chart(ENDS, [40, 42, 50], [3, 5, 8]),
    "aging": lambda: aging_chart({"0-1 d": 30, "1-3 d": 20, "> 3 d": 2}, highlight={"> 3 d"}),
    "flow": lambda: flow_chart(ENDS, [100, 120, 90], [95, 118, 100]),
    "pareto": lambda: pareto_chart(REASONS),
    "compliance": lambda: compliance_chart({"billing": 0.97, "logistics": 0.5}, target=0.9),
}
EMPTY_CHARTS: dict[str, Callable[[], bytes]] = {
    "backlog": lambda: backlog_chart([], [], []),
    "aging": lambda: aging_chart({}),
    "flow": lambda: flow_chart([], [], []),
    "pareto": lambda: pareto_chart({}),
    "pareto all zero": lambda: pareto_chart({"billing": 0}),
    "compliance": lambda: compliance_chart([]),
}


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a PNG must start with."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def colours(png: bytes) -> int:
    """How many distinct RGBA colours the image has (each pixel packed in one uint32)."""
    pixels = (imread(io.BytesIO(png), format="png") * 255).round().astype(np.uint8)
    assert pixels.shape[-1] == 4
    return len(np.unique(pixels.view(np.uint32)))


def texts(figure: Figure) -> list[str]:
    return [t.get_text() for axes in figure.axes for t in axes.texts]


class TestPng:
    @pytest.mark.parametrize("draw", CHARTS.values(), ids=CHARTS.keys())
    def test_is_a_1200_by_700_png_with_content(self, draw: Callable[[], bytes]) -> None:
        png = draw()

        assert png_size(png) == (1200, 700)
        assert colours(png) > 10  # bars, text, antialiasing: not a blank canvas

    @pytest.mark.parametrize("draw", EMPTY_CHARTS.values(), ids=EMPTY_CHARTS.keys())
    def test_empty_data_still_gives_an_image(self, draw: Callable[[], bytes]) -> None:
        png = draw()

        assert png_size(png) == (1200, 700)
        assert colours(png) > 1

    def test_takes_another_size(self) -> None:
        png = flow_chart(ENDS, [1, 2, 3], [3, 2, 1], size=(800, 450))

        assert png_size(png) == (800, 450)

    def test_same_data_gives_the_same_bytes(self) -> None:
        png = pareto_chart(REASONS)

        assert png == pareto_chart(REASONS)
        assert b"Software" not in png

    def test_threads_draw_the_same_charts_as_one_thread(self) -> None:
        serial = [draw() for draw in CHARTS.values()]

        with ThreadPoolExecutor(max_workers=5) as pool:
            parallel = list(pool.map(lambda draw: draw(), list(CHARTS.values()) * 2))

        assert parallel == serial * 2

    def test_never_imports_pyplot(self) -> None:
        tree = ast.parse(Path(charts.__file__).read_text())
        imported = {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }

        assert not any("pyplot" in (name or "") for name in imported), imported


class TestNoData:
    def test_says_so_in_the_callers_words(self) -> None:
        figure = pareto_figure({}, labels=ParetoLabels(title="Pareto", no_data="Sem dados"))

        assert texts(figure) == ["Sem dados"]
        assert figure.axes[0].get_title() == "Pareto"

    def test_mismatched_series_are_an_error_not_an_empty_chart(self) -> None:
        with pytest.raises(ValueError, match="same length"):
            backlog_figure(ENDS, [1, 2], [0, 0, 0])


class TestBacklog:
    def test_stacks_overdue_on_current_per_period_end(self) -> None:
        figure = backlog_figure(ENDS, [40, 42, 50], [3, 5, 8])

        bars = figure.axes[0].patches
        assert [b.get_height() for b in bars] == [40, 42, 50, 3, 5, 8]
        assert [b.get_y() for b in bars[3:]] == [40, 42, 50]
        ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
        assert ticks == ["2026-01-31", "2026-02-28", "2026-03-31"]

    def test_uses_the_callers_labels(self) -> None:
        labels = BacklogLabels(title="Estoque", x="Fim", y="Itens", current="No prazo")

        figure = backlog_figure(ENDS, [1, 2, 3], [0, 0, 1], labels=labels)

        axes = figure.axes[0]
        assert (axes.get_title(), axes.get_xlabel(), axes.get_ylabel()) == (
            "Estoque",
            "Fim",
            "Itens",
        )
        legend = [t.get_text() for t in figure.legends[0].get_texts()]
        assert legend == ["No prazo", "Overdue"]


class TestFlow:
    def test_draws_inflow_and_outflow_side_by_side(self) -> None:
        figure = flow_figure(ENDS, [100, 120, 90], [95, 118, 100], labels=FlowLabels(y="Itens"))

        bars = figure.axes[0].patches
        assert [b.get_height() for b in bars] == [100, 120, 90, 95, 118, 100]
        assert bars[0].get_x() < bars[3].get_x()  # inflow left of outflow in period 1
        assert figure.axes[0].get_ylabel() == "Itens"
        assert len(figure.legends[0].get_texts()) == 2

    def test_thins_out_date_labels_when_there_are_many(self) -> None:
        periods = [datetime(2026, 1, 1, tzinfo=UTC)] * 100

        figure = flow_figure(periods, [1] * 100, [1] * 100)

        assert len(figure.axes[0].get_xticklabels()) <= charts.MAX_TICKS


class TestAging:
    def test_bars_keep_the_bucket_order_and_highlight_the_named(self) -> None:
        figure = aging_figure(
            [("0-1 d", 30), ("1-3 d", 20), ("> 3 d", 2)],
            highlight={"> 3 d"},
            labels=AgingLabels(x="Idade"),
        )

        axes = figure.axes[0]
        assert [b.get_height() for b in axes.patches] == [30, 20, 2]
        assert [to_hex(b.get_facecolor()) for b in axes.patches] == [
            charts.BLUE.lower(),
            charts.BLUE.lower(),
            charts.RED.lower(),
        ]
        assert [t.get_text() for t in axes.get_xticklabels()] == ["0-1 d", "1-3 d", "> 3 d"]
        assert texts(figure) == ["30", "20", "2"]


class TestParetoSeries:
    def test_sorts_descending_and_accumulates(self) -> None:
        # 50 + 30 + 10 + 10 = 100: shares 0.5, 0.8, 0.9, 1.0; 0.8 is reached at the 2nd.
        series = pareto_series(REASONS)

        assert series.labels == ("billing", "late delivery", "damaged", "other")
        assert series.counts == (50, 30, 10, 10)
        assert series.cumulative == pytest.approx((0.5, 0.8, 0.9, 1.0))
        assert series.vital_few == 2

    def test_a_higher_threshold_takes_more_reasons(self) -> None:
        assert pareto_series(REASONS, threshold=0.81).vital_few == 3

    def test_ties_keep_the_given_order(self) -> None:
        assert pareto_series([("b", 1), ("a", 1), ("c", 2)]).labels == ("c", "b", "a")

    def test_no_item_has_no_vital_few(self) -> None:
        series = pareto_series({"billing": 0})

        assert (series.cumulative, series.vital_few) == ((0.0,), 0)

    def test_rejects_negative_counts(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            pareto_series({"billing": -1})

    @pytest.mark.parametrize("threshold", [0, 1.01, -0.5])
    def test_rejects_a_threshold_outside_0_1(self, threshold: float) -> None:
        with pytest.raises(ValueError, match="threshold"):
            pareto_series(REASONS, threshold=threshold)


class TestParetoFigure:
    def test_draws_the_series_with_a_cumulative_line_in_percent(self) -> None:
        figure = pareto_figure(REASONS)

        bars, share = figure.axes
        assert [b.get_height() for b in bars.patches] == [50, 30, 10, 10]
        cumulative, reference = share.lines
        assert list(cumulative.get_ydata()) == pytest.approx([50, 80, 90, 100])
        assert list(reference.get_ydata()) == [80, 80]
        assert share.get_ylim() == (0, 105)

    def test_highlights_the_vital_few(self) -> None:
        figure = pareto_figure(REASONS)

        colours = [to_hex(b.get_facecolor()) for b in figure.axes[0].patches]
        assert colours[:2] == [charts.BLUE.lower()] * 2
        assert colours[2:] == [charts.LIGHT.lower()] * 2

    def test_names_the_reference_after_the_threshold(self) -> None:
        figure = pareto_figure(
            REASONS, threshold=0.7, labels=ParetoLabels(reference="{threshold:.0%} ref")
        )

        legend = [t.get_text() for t in figure.legends[0].get_texts()]
        assert legend == ["Vital few", "Others", "Cumulative share", "70% ref"]
        assert list(figure.axes[1].lines[1].get_ydata()) == pytest.approx([70, 70])


class TestCompliance:
    def test_bars_in_percent_red_below_target(self) -> None:
        figure = compliance_figure(
            [("billing", 0.97), ("logistics", 0.5), ("ombudsman", None)],
            target=0.9,
            labels=ComplianceLabels(no_value="s/d"),
        )

        axes = figure.axes[0]
        assert [b.get_width() for b in axes.patches] == pytest.approx([97, 50, 0])
        assert [to_hex(b.get_facecolor()) for b in axes.patches[:2]] == [
            charts.GREEN.lower(),
            charts.RED.lower(),
        ]
        assert axes.get_xlim() == (0, 100)
        assert texts(figure) == ["97.0%", "50.0%", "s/d"]
        assert list(axes.lines[0].get_xdata()) == pytest.approx([90, 90])
        assert [t.get_text() for t in figure.legends[0].get_texts()][-1] == "Target (90%)"

    def test_without_target_has_no_line_nor_legend(self) -> None:
        figure = compliance_figure({"billing": 0.97})

        assert len(figure.axes[0].lines) == 0
        assert figure.legends == []

    def test_first_area_is_on_top(self) -> None:
        axes = compliance_figure({"billing": 0.97, "logistics": 0.5}).axes[0]

        labels = [t.get_text() for t in axes.get_yticklabels()]
        assert labels == ["billing", "logistics"]
        assert axes.yaxis_inverted()


class TestPeriodLabel:
    @pytest.mark.parametrize(
        ("period", "label"),
        [
            (date(2026, 3, 31), "2026-03-31"),
            (datetime(2026, 3, 31, tzinfo=UTC), "2026-03-31"),
            (datetime(2026, 3, 31, 18, 30, tzinfo=UTC), "2026-03-31 18:30"),
            ("mar/2026", "mar/2026"),
        ],
    )
    def test_iso_unless_given_as_text(self, period: date | str, label: str) -> None:
        assert period_label(period) == label
