"""One indicator's identity: what the registry lists and every output names."""

from __future__ import annotations

from dataclasses import dataclass

from retaguarda.domain.kpi.tables import Unit


@dataclass(frozen=True, slots=True)
class Indicator:
    slug: str
    label_key: str  # message id of the label in the catalogs (web, files)
    unit: Unit
    report: str  # the report that computes it: backlog, flow, kpis, people, pareto
    formula: str
