"""Service and quality indicators over a window (docs/indicators.md, "Service and
quality"): from the derived resolutions, spans and stored clocks, aggregated by the
database; the arithmetic in domain.kpi.service_level."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection

from retaguarda.domain import access
from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.item import repeat
from retaguarda.domain.kpi import service_level
from retaguarda.domain.types import require_aware
from retaguarda.services import sla_store
from retaguarda.storage.repos import catalog as catalog_repo
from retaguarda.storage.repos import reports as reports_repo
from retaguarda.storage.repos import settings as settings_repo
from retaguarda.storage.repos import sla as sla_repo

KPI_GROUPS = ("area", "tier", "case_type", "channel", "assignee", "policy")


def kpis(
    conn: Connection,
    *,
    principal: access.Principal,
    start: datetime,
    end: datetime,
    now: datetime,
    group_by: str | None = None,
) -> dict[str, Any]:
    """Service and quality over [start, end): SLA and OLA compliance, time pending per
    area, handling and resolution time, FCR, escalation, ombudsman, reopen and
    failure rates, CSAT (docs/indicators.md); per group with `group_by`."""
    require_aware(start, field="from")
    require_aware(end, field="to")
    if end <= start:
        raise InvalidInput("to", "must be after 'from'")
    if group_by is not None and group_by not in KPI_GROUPS:
        raise InvalidInput("group_by", f"must be one of {', '.join(KPI_GROUPS)}")
    sla_store.refresh(conn, now=now, limit=sla_store.INLINE_REFRESH)
    reports_repo.tune(conn)
    areas = access.visible_areas(principal)
    repeats = repeat.from_document(settings_repo.get(conn, repeat.REPEAT_CONTACTS))
    ladder = catalog_repo.ladder(conn)
    figures = {
        row.key: row
        for row in reports_repo.resolution_figures(
            conn,
            start,
            end,
            group_by=group_by,
            areas=areas,
            repeat_days=repeats.within_days,
            top_tier=ladder[-1] if ladder else None,
        )
    }
    spreads = reports_repo.resolution_spreads(conn, start, end, group_by=group_by, areas=areas)
    sla = {key: (int(row.sla_met), int(row.sla_counted)) for key, row in figures.items()}

    def of(key: Any) -> dict[str, Any]:
        return service_level.per_resolution(
            figures.get(key), spreads.get(key), sla.get(key, (0, 0))
        )

    whole = service_level.per_resolution(
        _summed(figures.values()),
        spreads.get(reports_repo.WHOLE),
        (sum(m for m, _ in sla.values()), sum(n for _, n in sla.values())),
    )
    escalations, items_open = reports_repo.escalations(conn, start, end, areas=areas)
    waits = reports_repo.waits_on_areas(conn, start, end, areas=areas)
    answer: dict[str, Any] = {
        "from": start,
        "to": end,
        **whole,
        "ola_compliance": service_level.rates(
            reports_repo.ola_outcomes(conn, start, end, areas=areas)
        ),
        "pending_by_area": {
            area: {"waits": n, "total_seconds": total, "mean_seconds": total / n}
            for area, (total, n) in sorted(waits.items())
        },
        "escalation_rate": service_level.ratio(sum(n for n, _ in escalations.values()), items_open),
        "escalation_by_tier": service_level.rates(escalations),
    }
    if group_by is not None:
        keys = sorted({*figures, *sla}, key=lambda k: (k is None, str(k)))
        answer["group_by"] = group_by
        answer["groups"] = [{"key": key, **of(key)} for key in keys]
    answer["pending"] = sla_repo.count_pending(conn)
    return answer


def _summed(rows: Any) -> Any:
    """One row whose fields are the sums of `rows`' (None without rows)."""
    rows = list(rows)
    if not rows:
        return None
    names = [n for n in rows[0]._fields if n != "key"]
    return SimpleNamespace(**{n: sum(float(getattr(r, n) or 0) for r in rows) for n in names})
