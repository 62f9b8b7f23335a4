"""The indicators: one entry each, the list every output (API, CLI, web, files) uses.

Each entry names its report, its unit and its formula in one line; the full written
definition, with the items that count and the edge cases, is in docs/indicators.md
under the same slug. tests/domain/kpi/test_registry.py keeps both in step.
"""

from __future__ import annotations

from collections.abc import Mapping

from retaguarda.domain.kpi.indicator import Indicator
from retaguarda.domain.kpi.service_level import SERVICE
from retaguarda.domain.kpi.tables import Unit
from retaguarda.domain.kpi.workforce import PEOPLE


def _entries(*indicators: Indicator) -> Mapping[str, Indicator]:
    return {i.slug: i for i in indicators}


INDICATORS: Mapping[str, Indicator] = _entries(
    Indicator(
        "backlog_total",
        "indicator.backlog_total",
        Unit.COUNT,
        "backlog",
        "items created at or before t whose status at t is open",
    ),
    Indicator(
        "backlog_current",
        "indicator.backlog_current",
        Unit.COUNT,
        "backlog",
        "backlog items whose resolution clock is not breached at t (or that have none)",
    ),
    Indicator(
        "backlog_overdue",
        "indicator.backlog_overdue",
        Unit.COUNT,
        "backlog",
        "backlog items whose resolution clock is breached at t",
    ),
    Indicator(
        "backlog_aging_by_age",
        "indicator.backlog_aging_by_age",
        Unit.COUNT,
        "backlog",
        "backlog items by t - created_at: 0-1d, 1-3d, 3-5d, 5-10d, >10d (lower bound included)",
    ),
    Indicator(
        "backlog_aging_by_sla",
        "indicator.backlog_aging_by_sla",
        Unit.COUNT,
        "backlog",
        "backlog items by elapsed / target of the resolution clock at t: <50%, 50-75%, "
        "75-100%, >100% (= overdue), no_sla",
    ),
    Indicator(
        "inflow",
        "indicator.inflow",
        Unit.COUNT,
        "flow",
        "items created in the period (by their created_at)",
    ),
    Indicator(
        "outflow",
        "indicator.outflow",
        Unit.COUNT,
        "flow",
        "resolutions in the period (resolved events; an item resolved twice counts twice)",
    ),
    Indicator(
        "backlog_end",
        "indicator.backlog_end",
        Unit.COUNT,
        "flow",
        "backlog_total at the period's last instant (now at most)",
    ),
    Indicator(
        "growth",
        "indicator.growth",
        Unit.COUNT,
        "flow",
        "backlog_end - backlog just before the period",
    ),
    Indicator(
        "growth_pct",
        "indicator.growth_pct",
        Unit.RATIO,
        "flow",
        "growth / backlog just before the period (none when that was 0)",
    ),
    Indicator(
        "backlog_days",
        "indicator.backlog_days",
        Unit.DAYS,
        "flow",
        "backlog_end / (outflow in the 20 business days up to the period's last day / 20)",
    ),
    Indicator(
        "pareto_reasons",
        "indicator.pareto_reasons",
        Unit.COUNT,
        "pareto",
        "items received in the period by reason, largest first, with share and running share",
    ),
    Indicator(
        "vital_few",
        "indicator.vital_few",
        Unit.COUNT,
        "pareto",
        "the fewest leading reasons whose running share reaches 80 %",
    ),
    *SERVICE,
    *PEOPLE,
)
