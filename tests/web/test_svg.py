"""The server-made charts: axis tops, escaping, one shape per value."""

from __future__ import annotations

import re

import pytest

from retaguarda.web import svg


@pytest.mark.parametrize(
    ("peak", "top"),
    [(0, 1.0), (0.3, 0.5), (7, 10.0), (10, 10.0), (13, 20.0), (41, 50.0), (101, 200.0)],
)
def test_the_axis_top_is_the_next_1_2_5_step(peak: float, top: float) -> None:
    assert svg._nice_max(peak) == top


def test_columns_draw_one_rect_per_value_scaled_to_the_axis() -> None:
    chart = svg.columns(["mon", "tue"], [("in", [10, 5]), ("out", [20, 0])], title="Flow")
    heights = [
        float(h)
        for h in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"', chart)
    ]
    # 4 columns + 2 legend squares (height 10). Plot height 220 - 36 - 26 = 158, axis top 20:
    # 10 -> 79.0, 5 -> 39.5, 20 -> 158.0, 0 -> 0.0.
    assert heights[:4] == [79.0, 158.0, 39.5, 0.0]
    assert 'role="img"' in chart
    assert "<title>Flow</title>" in chart


def test_labels_are_escaped() -> None:
    chart = svg.hbars([("<b>area</b>", 3)], title="A & B")
    assert "<b>" not in chart
    assert "&lt;b&gt;area&lt;/b&gt;" in chart
    assert 'aria-label="A &amp; B"' in chart


def test_lines_place_the_points_on_the_axis() -> None:
    chart = svg.lines(["d1", "d2", "d3"], [("backlog", [0, 50, 100])], title="Backlog")
    points = re.search(r'points="([^"]+)"', chart)
    assert points is not None
    # plot 44..632 wide (step 294), 26..184 high; axis top 100.
    assert points.group(1) == "44.0,184.0 338.0,105.0 632.0,26.0"


@pytest.mark.parametrize(
    ("peak", "ticks"),
    [
        (1, ["0", "1"]),  # a count of 1: no 0.25-item ticks
        (7, ["0", "5", "10"]),  # top 10, step 10/4 = 2.5 -> 5
        (20, ["0", "5", "10", "15", "20"]),
        (0.3, ["0", "0.2", "0.4", "0.6"]),  # a rate: top 0.5, step 0.125 -> 0.2, 3 steps
    ],
)
def test_axis_ticks_are_round_numbers(peak: float, ticks: list[str]) -> None:
    chart = svg.columns(["a"], [("x", [peak])], title="t")
    labels = re.findall(r'<text x="40" y="[\d.]+" text-anchor="end">([^<]+)</text>', chart)
    assert labels == ticks
