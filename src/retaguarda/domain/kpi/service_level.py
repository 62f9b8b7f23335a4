"""Service and quality: the arithmetic of the KPIs over resolutions, clocks, waits
and escalations in a window (docs/indicators.md, "Service and quality")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from retaguarda.domain.kpi.indicator import Indicator
from retaguarda.domain.kpi.tables import Unit


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, None when nothing was counted."""
    return None if not denominator else numerator / denominator


def spread(values: Sequence[float]) -> dict[str, float | None]:
    """Mean, median and 90th percentile (linear interpolation between the closest
    ranks, as PostgreSQL's percentile_cont); None each without values."""
    if not len(values):
        return {"mean": None, "p50": None, "p90": None}
    array = np.asarray(values, dtype=np.float64)
    return {
        "mean": float(array.mean()),
        "p50": float(np.percentile(array, 50)),
        "p90": float(np.percentile(array, 90)),
    }


Spread = dict[str, float | None]  # mean, p50, p90


def per_resolution(
    row: Any, spreads: tuple[Spread, Spread] | None, sla: tuple[int, int]
) -> dict[str, Any]:
    """The figures of one group (or the whole) from its sums (storage's
    resolution_figures row), the spreads of its calendar and business durations
    (`spread`, or the database's percentile_cont) and its (met, counted) SLA clocks."""
    calendar, business = spreads or (spread(()), spread(()))
    resolved = int(row.resolved) if row is not None else 0

    def total(name: str) -> float:
        return float(getattr(row, name) or 0) if row is not None else 0.0

    csat_count = int(total("csat_count"))
    return {
        "resolved": resolved,
        "sla_compliance": ratio(*sla),
        "sla_counted": sla[1],
        "aht_seconds": ratio(total("handling_s"), resolved),
        "resolution_seconds": calendar,
        "resolution_business_seconds": business,
        "fcr_rate": ratio(total("first_contact"), total("definitive")),
        "ombudsman_per_1000": None
        if not total("definitive")
        else 1000 * total("reached_top") / total("definitive"),
        "reopen_rate": ratio(total("reopened"), resolved),
        "failure_rate": ratio(total("failed"), resolved),
        "csat_mean": ratio(total("csat_sum"), csat_count),
        "csat_count": csat_count,
    }


def rates(counts: Mapping[str, tuple[float, float]]) -> dict[str, float | None]:
    """{key: numerator / denominator} of {key: (numerator, denominator)}."""
    return {key: ratio(n, d) for key, (n, d) in sorted(counts.items())}


def _indicator(slug: str, unit: Unit, formula: str) -> Indicator:
    return Indicator(slug, f"indicator.{slug}", unit, "kpis", formula)


SERVICE = (
    _indicator(
        "sla_compliance",
        Unit.RATIO,
        "met / resolution clocks stopped in the window by a resolution",
    ),
    _indicator(
        "ola_compliance", Unit.RATIO, "per area: met / OLA clocks (waits on it) ended in the window"
    ),
    _indicator(
        "pending_seconds",
        Unit.SECONDS,
        "per area: total and mean length of the waits on it ended in the window",
    ),
    _indicator(
        "aht_seconds",
        Unit.SECONDS,
        "time in progress before each resolution in the window / resolutions",
    ),
    _indicator(
        "resolution_seconds",
        Unit.SECONDS,
        "receipt to resolution, per resolution in the window: mean, p50, p90",
    ),
    _indicator(
        "resolution_business_seconds",
        Unit.SECONDS,
        "the same in business seconds of the resolution clock's calendar",
    ),
    _indicator(
        "fcr_rate",
        Unit.RATIO,
        "first resolutions not reopened, at the tier of entry, no repeat contact"
        " / definitive resolutions",
    ),
    _indicator(
        "escalation_rate",
        Unit.RATIO,
        "escalations in the window / items open in it; per tier: out of the tier / items at it",
    ),
    _indicator(
        "ombudsman_per_1000",
        Unit.NUMBER,
        "1000 x definitive resolutions of items that reached the top tier / definitive resolutions",
    ),
    _indicator(
        "reopen_rate",
        Unit.RATIO,
        "resolutions in the window the item was reopened after / resolutions",
    ),
    _indicator(
        "failure_rate",
        Unit.RATIO,
        "resolutions with outcome failed or reopened after / resolutions",
    ),
    _indicator(
        "csat_mean",
        Unit.NUMBER,
        "mean of the last satisfaction score of the items definitively resolved in the window",
    ),
)
