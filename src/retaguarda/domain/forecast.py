"""Daily arrivals forecast: candidates, rolling-origin backtest by MASE, the chosen
model refitted on all history with a prediction interval.

Pure: the history and every parameter come in as arguments; nothing reads the clock.
The candidates are statsforecast models called directly on NumPy arrays (no DataFrame):

- ``SeasonalNaive`` (m = 7): tomorrow is the same weekday of last week;
- ``AutoETS`` (m = 7): exponential smoothing, its form chosen by AICc;
- ``MSTL``: weekly seasonality, plus yearly when the history fitted holds two years
  (730 days), the remainder and trend forecast by AutoETS.

Choice: each candidate forecasts ``h`` days from ``k`` rolling origins at the end of
the history (non-overlapping windows); the error at an origin is its MAE over the
window divided by the in-sample MAE of the one-week seasonal naive on the history
before that origin (MASE); the model with the lowest mean MASE wins. Seasonal naive
is a candidate and wins ties and failures, so the chosen model's backtest MASE is
never above seasonal naive's.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from retaguarda.domain.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]

SEASON = 7  # days in the weekly season
YEAR = 365
MIN_TRAIN = 2 * SEASON  # two full weeks to fit the first backtest window
MIN_HISTORY = MIN_TRAIN + SEASON  # ...plus one week to test it
MAX_HORIZON = 366
SEASONAL_NAIVE = "SeasonalNaive"
AUTO_ETS = "AutoETS"
MSTL_NAME = "MSTL"
CANDIDATES = (SEASONAL_NAIVE, AUTO_ETS, MSTL_NAME)
_TIE = 1e-9  # MASE differences below this are ties (seasonal naive wins them)


@dataclass(frozen=True, slots=True)
class ForecastPoint:
    day: date
    mean: float
    lo: float
    hi: float


@dataclass(frozen=True, slots=True)
class SeriesForecast:
    """One series' forecast: the model chosen, its backtest MASE, every candidate's
    MASE (None when it failed to fit) and the forecast days with their interval."""

    key: str
    model: str
    mase: float
    backtest: dict[str, float | None]
    points: tuple[ForecastPoint, ...]
    history_days: int
    backtest_horizon: int
    origins: int


def daily_counts(
    dates: Iterable[date],
    counts: Iterable[int | float] | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
) -> tuple[date, FloatArray]:
    """The first day and the count of every day from `start` (default: the first date)
    to `end` (default: the last date), missing days as 0. Repeated dates add up; dates
    outside [start, end] are ignored. `counts` default to one per date."""
    days = list(dates)
    values = [1.0] * len(days) if counts is None else [float(c) for c in counts]
    if len(values) != len(days):
        raise InvalidInput("history", "dates and counts differ in length")
    if not days and (start is None or end is None):
        raise InvalidInput("history", "is empty: no arrivals to forecast from")
    first = start if start is not None else min(days)
    last = end if end is not None else max(days)
    if last < first:
        raise InvalidInput("history", f"ends ({last}) before it starts ({first})")
    out = np.zeros((last - first).days + 1, dtype=np.float64)
    for day, value in zip(days, values, strict=True):
        if value < 0 or not math.isfinite(value):
            raise InvalidInput("history", f"count on {day} is not a non-negative number")
        index = (day - first).days
        if 0 <= index < out.size:
            out[index] += value
    return first, out


def seasonal_scale(train: FloatArray, season: int = SEASON) -> float:
    """In-sample MAE of the seasonal naive: mean of |y[t] - y[t - season]|. When the
    history repeats exactly (scale 0) the scale is 1, so MASE falls back to the MAE."""
    if train.size <= season:
        raise InvalidInput("history", f"needs more than {season} days to scale errors")
    scale = float(np.mean(np.abs(train[season:] - train[:-season])))
    return scale if scale > 0 else 1.0


def mase(actual: FloatArray, predicted: FloatArray, train: FloatArray) -> float:
    """Mean absolute scaled error: MAE(actual, predicted) / seasonal_scale(train)."""
    mae = float(np.mean(np.abs(actual - predicted)))
    return mae / seasonal_scale(train)


def _model(name: str, length: int) -> Any:
    from statsforecast.models import MSTL, AutoETS, SeasonalNaive

    if name == SEASONAL_NAIVE:
        return SeasonalNaive(season_length=SEASON)
    if name == AUTO_ETS:
        return AutoETS(season_length=SEASON)
    seasons = [SEASON, YEAR] if length >= 2 * YEAR else [SEASON]
    return MSTL(season_length=seasons)


def _predict(name: str, y: FloatArray, h: int, level: int | None) -> dict[str, FloatArray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = _model(name, y.size).forecast(y=y, h=h, level=None if level is None else [level])
    out = {key: np.asarray(value, dtype=np.float64) for key, value in raw.items()}
    if any(not np.all(np.isfinite(v)) for v in out.values()):
        raise ArithmeticError(f"{name} produced a non-finite forecast")
    return out


def backtest(
    y: FloatArray,
    horizon: int,
    *,
    folds: int = 4,
    candidates: Sequence[str] = CANDIDATES,
) -> tuple[dict[str, float | None], int, int]:
    """Each candidate's mean MASE over the rolling origins, the window length and the
    number of origins. The window is `horizon` days, shortened when the history is short;
    the origins are the last `folds` window starts that leave two weeks to fit."""
    window = min(horizon, y.size - MIN_TRAIN)
    origins = max(1, min(folds, (y.size - MIN_TRAIN) // window))
    starts = [y.size - (origins - i) * window for i in range(origins)]
    result: dict[str, float | None] = {}
    for name in candidates:
        scores: list[float] = []
        try:
            for start in starts:
                train, actual = y[:start], y[start : start + window]
                predicted = _predict(name, train, window, None)["mean"]
                scores.append(mase(actual, np.maximum(predicted, 0.0), train))
        except (ArithmeticError, ValueError, np.linalg.LinAlgError):
            result[name] = None
            continue
        result[name] = float(np.mean(scores))
    return result, window, origins


def choose(scores: Mapping[str, float | None]) -> str:
    """The candidate with the lowest MASE; seasonal naive on ties, and when all fail."""
    best_name, best = SEASONAL_NAIVE, scores.get(SEASONAL_NAIVE)
    for name, score in scores.items():
        if score is None:
            continue
        if best is None or score < best - _TIE:
            best_name, best = name, score
    return best_name


def forecast_one(
    key: str,
    first: date,
    y: FloatArray,
    horizon: int,
    level: int = 80,
    *,
    folds: int = 4,
) -> SeriesForecast:
    """Backtest, choose and forecast one daily series starting on `first`."""
    check(horizon, level, folds)
    if y.size < MIN_HISTORY:
        raise InvalidInput(
            "history",
            f"series {key!r} has {y.size} days; at least {MIN_HISTORY} are needed "
            f"(two full weeks to fit and one to test)",
        )
    scores, window, origins = backtest(y, horizon, folds=folds)
    model = choose(scores)
    try:
        fitted = _predict(model, y, horizon, level)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        model = SEASONAL_NAIVE
        fitted = _predict(model, y, horizon, level)
    mean = np.maximum(fitted["mean"], 0.0)
    lo = np.minimum(np.maximum(fitted[f"lo-{level}"], 0.0), mean)
    hi = np.maximum(np.maximum(fitted[f"hi-{level}"], 0.0), mean)
    day0 = first + timedelta(days=y.size)
    points = tuple(
        ForecastPoint(
            day=day0 + timedelta(days=i), mean=float(mean[i]), lo=float(lo[i]), hi=float(hi[i])
        )
        for i in range(horizon)
    )
    score = scores.get(model)
    return SeriesForecast(
        key=key,
        model=model,
        mase=float(score) if score is not None else math.nan,
        backtest=scores,
        points=points,
        history_days=int(y.size),
        backtest_horizon=window,
        origins=origins,
    )


def forecast(
    series: Mapping[str, tuple[Sequence[date], Sequence[int | float]]],
    horizon: int,
    level: int = 80,
    *,
    end: date | None = None,
    folds: int = 4,
) -> list[SeriesForecast]:
    """Forecast every series `key -> (dates, counts)` `horizon` days past its history,
    ordered by key. Each history runs from its first date to `end` (default: its last
    date), missing days counting 0; the forecast starts the day after."""
    check(horizon, level, folds)
    if not series:
        raise InvalidInput("history", "is empty: no arrivals to forecast from")
    out = []
    for key in sorted(series):
        dates, counts = series[key]
        if not dates:
            raise InvalidInput("history", f"series {key!r} is empty")
        first, y = daily_counts(dates, counts, end=end)
        out.append(forecast_one(key, first, y, horizon, level, folds=folds))
    return out


def check(horizon: int, level: int, folds: int = 1) -> None:
    """Refuse a horizon, level or number of folds out of range."""
    if not 1 <= horizon <= MAX_HORIZON:
        raise InvalidInput("horizon", f"must be between 1 and {MAX_HORIZON} days, not {horizon}")
    if not 1 <= level <= 99:
        raise InvalidInput("level", f"must be a percentage between 1 and 99, not {level}")
    if folds < 1:
        raise InvalidInput("folds", f"must be at least 1, not {folds}")
