"""The arrivals forecast: MASE by hand, the choice by backtest, intervals, bad input."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from retaguarda.domain import forecast as fc
from retaguarda.domain.errors import InvalidInput

MONDAY = date(2026, 1, 5)
WEEK = [10, 12, 11, 13, 15, 4, 2]  # Monday .. Sunday


def _days(n: int, first: date = MONDAY) -> list[date]:
    return [first + timedelta(days=i) for i in range(n)]


def _weekly(weeks: int) -> list[int]:
    return WEEK * weeks


def _trend_weekly(n: int) -> list[int]:
    rng = np.random.default_rng(7)
    t = np.arange(n)
    y = 20 + 0.4 * t + np.array(WEEK * (n // 7 + 1))[:n] + rng.normal(0, 1.5, n)
    return [round(v) for v in y]


class TestMase:
    def test_hand_worked_example(self) -> None:
        # Training: two weeks. Week 1 is WEEK = [10, 12, 11, 13, 15, 4, 2], week 2 the same
        # plus 2 on Monday and minus 1 on Friday: [12, 12, 11, 13, 14, 4, 2].
        train = np.array([10, 12, 11, 13, 15, 4, 2, 12, 12, 11, 13, 14, 4, 2], dtype=float)
        # Seasonal-naive scale: mean |y[t] - y[t-7]| over the 7 second-week days
        # = (|12-10| + 0 + 0 + 0 + |14-15| + 0 + 0) / 7 = 3 / 7.
        assert fc.seasonal_scale(train) == pytest.approx(3 / 7)
        # Holdout week: actual [13, 12, 10, 13, 14, 6, 2]; the seasonal naive forecasts week 2
        # again, [12, 12, 11, 13, 14, 4, 2]. Errors: 1, 0, 1, 0, 0, 2, 0 -> MAE = 4 / 7.
        actual = np.array([13, 12, 10, 13, 14, 6, 2], dtype=float)
        predicted = train[-7:]
        # MASE = (4 / 7) / (3 / 7) = 4 / 3.
        assert fc.mase(actual, predicted, train) == pytest.approx(4 / 3)

    def test_an_exactly_repeating_history_scales_by_one(self) -> None:
        # Scale 0 would divide by zero; the MAE itself is the error then.
        train = np.array(_weekly(2), dtype=float)
        actual = np.array([11, 12, 11, 13, 15, 4, 2], dtype=float)
        assert fc.mase(actual, train[-7:], train) == pytest.approx(1 / 7)


class TestDailyCounts:
    def test_missing_days_are_zeros_and_repeated_dates_add_up(self) -> None:
        first, y = fc.daily_counts(
            [MONDAY, MONDAY, MONDAY + timedelta(days=3)], [2, 1, 5], end=MONDAY + timedelta(5)
        )
        assert first == MONDAY
        assert y.tolist() == [3, 0, 0, 5, 0, 0]

    def test_one_per_date_without_counts(self) -> None:
        _, y = fc.daily_counts([MONDAY, MONDAY, MONDAY + timedelta(days=2)])
        assert y.tolist() == [2, 0, 1]

    def test_a_gap_in_the_history_is_forecast_as_zero_arrivals(self) -> None:
        days = _days(35)
        counts = _weekly(5)
        # Drop the whole third week: those days count 0, not "unknown".
        kept = [
            (d, c) for d, c in zip(days, counts, strict=True) if not 14 <= (d - MONDAY).days < 21
        ]
        result = fc.forecast(
            {"all": ([d for d, _ in kept], [c for _, c in kept])}, horizon=7, level=80
        )
        assert result[0].history_days == 35


class TestChoice:
    def test_seasonal_naive_is_perfect_on_a_pure_weekly_pattern_and_is_chosen(self) -> None:
        result = fc.forecast({"all": (_days(42), _weekly(6))}, horizon=7)[0]
        assert result.model == fc.SEASONAL_NAIVE
        assert result.mase == 0
        assert result.backtest[fc.SEASONAL_NAIVE] == 0
        assert [p.mean for p in result.points] == WEEK
        assert result.points[0].day == MONDAY + timedelta(days=42)

    def test_on_trend_and_weekly_the_choice_is_no_worse_than_seasonal_naive(self) -> None:
        result = fc.forecast({"all": (_days(84), _trend_weekly(84))}, horizon=7)[0]
        naive = result.backtest[fc.SEASONAL_NAIVE]
        assert naive is not None
        assert result.mase <= naive
        assert result.mase == result.backtest[result.model]
        assert set(result.backtest) == set(fc.CANDIDATES)
        assert result.origins == 4
        assert result.backtest_horizon == 7

    def test_ties_and_failures_go_to_seasonal_naive(self) -> None:
        assert fc.choose({"SeasonalNaive": 1.0, "AutoETS": 1.0, "MSTL": None}) == "SeasonalNaive"
        assert fc.choose({"SeasonalNaive": None, "AutoETS": None}) == "SeasonalNaive"
        assert fc.choose({"SeasonalNaive": 1.0, "AutoETS": 0.5, "MSTL": 0.7}) == "AutoETS"

    def test_a_short_history_shortens_the_backtest_window(self) -> None:
        # 24 days: 14 to fit leave 10 to test, so one 10-day window for a 28-day horizon.
        result = fc.forecast({"all": (_days(24), _trend_weekly(24))}, horizon=28)[0]
        assert (result.backtest_horizon, result.origins) == (10, 1)
        assert len(result.points) == 28


class TestIntervals:
    def test_the_interval_holds_the_mean_and_nothing_is_negative(self) -> None:
        # Low counts with noise push the lower bounds below zero before clipping.
        rng = np.random.default_rng(3)
        counts = [int(v) for v in rng.poisson(1.5, 63)]
        for result in fc.forecast(
            {"low": (_days(63), counts), "trend": (_days(63), _trend_weekly(63))},
            horizon=14,
            level=95,
        ):
            assert len(result.points) == 14
            for point in result.points:
                assert 0 <= point.lo <= point.mean <= point.hi
            assert any(p.hi > p.lo for p in result.points)

    def test_the_same_input_gives_the_same_output(self) -> None:
        series = {"a": (_days(70), _trend_weekly(70)), "b": (_days(42), _weekly(6))}
        assert fc.forecast(series, horizon=14) == fc.forecast(series, horizon=14)

    def test_series_come_out_in_key_order(self) -> None:
        series = {"b": (_days(21), _weekly(3)), "a": (_days(21), _weekly(3))}
        assert [r.key for r in fc.forecast(series, horizon=3)] == ["a", "b"]


class TestBadInput:
    @pytest.mark.parametrize(
        ("kwargs", "field", "words"),
        [
            ({"horizon": 0}, "horizon", "between 1 and"),
            ({"horizon": 7, "level": 100}, "level", "between 1 and 99"),
        ],
    )
    def test_parameters(self, kwargs: dict[str, int], field: str, words: str) -> None:
        with pytest.raises(InvalidInput, match=words) as caught:
            fc.forecast({"all": (_days(42), _weekly(6))}, **kwargs)
        assert caught.value.field == field

    def test_empty_history(self) -> None:
        with pytest.raises(InvalidInput, match="empty") as caught:
            fc.forecast({}, horizon=7)
        assert caught.value.field == "history"
        with pytest.raises(InvalidInput, match="empty"):
            fc.forecast({"all": ([], [])}, horizon=7)

    def test_fewer_than_two_full_weeks_and_one_to_test(self) -> None:
        with pytest.raises(InvalidInput, match="has 13 days; at least 21") as caught:
            fc.forecast({"all": (_days(13), _weekly(2)[:13])}, horizon=7)
        assert caught.value.field == "history"
        with pytest.raises(InvalidInput, match="has 20 days"):
            fc.forecast({"all": (_days(20), _weekly(3)[:20])}, horizon=7)

    def test_negative_counts(self) -> None:
        with pytest.raises(InvalidInput, match="non-negative") as caught:
            fc.daily_counts([MONDAY], [-1])
        assert caught.value.field == "history"
