"""The SLA sections of the configuration (`calendars`, `sla_policies`, `olas`).

Invariants:
- `check` reports every problem with its path in the file, so a file is
  applied whole or not at all; `load` builds a version from a document that
  passed `check` (it raises on the first problem otherwise).
- Merging: calendars are kept by key and OLAs by area (a file replaces the
  entries it names); `sla_policies`, when given, is the whole ordered list,
  since their order decides which one matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from retaguarda.calendar import BusinessCalendar, CalendarError, Unit
from retaguarda.domain.catalog import Catalog, Problem
from retaguarda.domain.item.model import Channel, Status
from retaguarda.domain.sla.policy import (
    DEFAULT_AT_RISK,
    DEFAULT_PAUSE_ON,
    MATCH_FIELDS,
    METRICS,
    PAUSABLE,
    Ola,
    SlaConfig,
    SlaPolicy,
    Target,
)

SECTIONS = ("calendars", "sla_policies", "olas")
_POLICY_KEYS = {"key", "match", "calendar", "targets", "pause_on", "at_risk"}
_OLA_KEYS = {"area", "calendar", "target", "at_risk"}


class InvalidSla(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))


def empty() -> dict[str, list[Any]]:
    return {section: [] for section in SECTIONS}


Labels = dict[str, list[str]]


def merge(current: Mapping[str, Any], incoming: Mapping[str, Any]) -> tuple[dict[str, Any], Labels]:
    """`current` with what `incoming` names replaced or added (see module invariants).

    Also returns, for each entry of the result, where to report a problem with
    it: its position in the file (`olas[1]`), or its key for a stored entry.
    """
    merged: dict[str, Any] = {}
    labels: Labels = {}
    for section, key in (("calendars", "key"), ("sla_policies", "key"), ("olas", "area")):
        given = incoming.get(section)
        if section == "sla_policies" and given is not None:
            stored: dict[Any, tuple[str, Any]] = {}
        else:
            stored = {
                _name(e, key): (f"{section} {_name(e, key)!r} (stored)", e)
                for e in current.get(section, [])
            }
        for i, entry in enumerate(given or []):
            name = _name(entry, key)
            stored[("#", i) if name is None or isinstance(name, list | dict) else name] = (
                f"{section}[{i}]",
                entry,
            )
        labels[section] = [label for label, _ in stored.values()]
        merged[section] = [entry for _, entry in stored.values()]
    return merged, labels


def _name(entry: Any, key: str) -> Any:
    return entry.get(key) if isinstance(entry, Mapping) else None


def check(
    document: Mapping[str, Any], catalog: Catalog, labels: Labels | None = None
) -> list[Problem]:
    """Every problem of a (merged) SLA document, checked against the catalog.

    `labels` (from `merge`) name each entry in the messages; by default its index.
    """

    def where(section: str, i: int) -> str:
        return labels[section][i] if labels else f"{section}[{i}]"

    problems: list[Problem] = []
    calendars: set[str] = set()
    for i, entry in enumerate(document.get("calendars", [])):
        at = where("calendars", i)
        try:
            calendar = BusinessCalendar.from_config(entry)
        except CalendarError as error:
            problems.append(Problem(f"{at}.{error.field}" if error.field else at, str(error)))
            continue
        if calendar.key is None:
            problems.append(Problem(f"{at}.key", "is required"))
        elif calendar.key in calendars:
            problems.append(Problem(f"{at}.key", f"duplicate {calendar.key!r}"))
        else:
            calendars.add(calendar.key)
    seen: set[str] = set()
    for i, entry in enumerate(document.get("sla_policies", [])):
        problems += _check_policy(where("sla_policies", i), entry, calendars, catalog, seen)
    areas = {a.key for a in catalog.areas}
    for i, entry in enumerate(document.get("olas", [])):
        problems += _check_ola(where("olas", i), entry, calendars, areas)
    return problems


def _check_policy(
    at: str, entry: Any, calendars: set[str], catalog: Catalog, seen: set[str]
) -> list[Problem]:
    if not isinstance(entry, Mapping):
        return [Problem(at, "must be a mapping")]
    problems = [Problem(f"{at}.{k}", "unknown key") for k in entry if k not in _POLICY_KEYS]
    key = entry.get("key")
    if not isinstance(key, str) or not key:
        problems.append(Problem(f"{at}.key", "is required (a name for the policy)"))
    elif key in seen:
        problems.append(Problem(f"{at}.key", f"duplicate {key!r}"))
    else:
        seen.add(key)
    problems += _check_calendar_ref(f"{at}.calendar", entry.get("calendar"), calendars)
    match = entry.get("match", {})
    if not isinstance(match, Mapping):
        problems.append(Problem(f"{at}.match", "must be a mapping of field to value(s)"))
        match = {}
    known = {
        "case_type": {c.key for c in catalog.case_types},
        "channel": {c.value for c in Channel},
        "tier": set(catalog.tiers),
    }
    for name, value in match.items():
        where = f"{at}.match.{name}"
        if name not in MATCH_FIELDS:
            problems.append(Problem(where, f"unknown field; known: {', '.join(MATCH_FIELDS)}"))
            continue
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str | int) and v != "" for v in values):
            problems.append(Problem(where, "must be a value or a list of values"))
            continue
        for v in values:
            if name in known and str(v) not in known[name]:
                problems.append(Problem(where, f"unknown {name.replace('_', ' ')} {v!r}"))
    targets = entry.get("targets")
    if not isinstance(targets, Mapping) or not targets:
        problems.append(Problem(f"{at}.targets", f"give at least one of {', '.join(METRICS)}"))
    else:
        for metric, target in targets.items():
            if metric not in METRICS:
                known_metrics = ", ".join(METRICS)
                problems.append(
                    Problem(f"{at}.targets.{metric}", f"unknown metric; known: {known_metrics}")
                )
            else:
                problems += _check_target(f"{at}.targets.{metric}", target)
    pause_on = entry.get("pause_on", [])
    if not isinstance(pause_on, list):
        problems.append(Problem(f"{at}.pause_on", "must be a list of statuses"))
    else:
        pausable = ", ".join(sorted(s.value for s in PAUSABLE))
        for status in pause_on:
            if status not in {s.value for s in PAUSABLE}:
                problems.append(
                    Problem(f"{at}.pause_on", f"{status!r} cannot pause a clock; use {pausable}")
                )
    problems += _check_at_risk(f"{at}.at_risk", entry)
    return problems


def _check_ola(at: str, entry: Any, calendars: set[str], areas: set[str]) -> list[Problem]:
    if not isinstance(entry, Mapping):
        return [Problem(at, "must be a mapping")]
    problems = [Problem(f"{at}.{k}", "unknown key") for k in entry if k not in _OLA_KEYS]
    if entry.get("area") not in areas:
        problems.append(Problem(f"{at}.area", f"unknown area {entry.get('area')!r}"))
    problems += _check_calendar_ref(f"{at}.calendar", entry.get("calendar"), calendars)
    problems += _check_target(f"{at}.target", entry.get("target"))
    problems += _check_at_risk(f"{at}.at_risk", entry)
    return problems


def _check_calendar_ref(at: str, value: Any, calendars: set[str]) -> list[Problem]:
    if value in calendars:
        return []
    known = ", ".join(sorted(calendars)) or "none configured"
    return [Problem(at, f"unknown calendar {value!r}; known: {known}")]


def _check_target(at: str, target: Any) -> list[Problem]:
    units = ", ".join(u.value for u in Unit)
    if not isinstance(target, Mapping) or len(target) != 1:
        example = "{business_days: 5}"
        return [Problem(at, f"must be one unit and its amount, e.g. {example} ({units})")]
    ((unit, amount),) = target.items()
    if unit not in {u.value for u in Unit}:
        return [Problem(at, f"unknown unit {unit!r}; known: {units}")]
    try:
        value = _decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return [Problem(f"{at}.{unit}", f"must be a number, got {amount!r}")]
    if value <= 0:
        return [Problem(f"{at}.{unit}", "must be positive")]
    if Unit(unit).is_days and value != value.to_integral():
        return [Problem(f"{at}.{unit}", "days are whole numbers")]
    if value * 3600 != (value * 3600).to_integral():
        return [Problem(f"{at}.{unit}", "must be a whole number of seconds")]
    return []


def _check_at_risk(at: str, entry: Mapping[str, Any]) -> list[Problem]:
    if "at_risk" not in entry:
        return []
    try:
        value = _decimal(entry["at_risk"])
    except (InvalidOperation, TypeError, ValueError):
        return [Problem(at, f"must be a number between 0 and 1, got {entry['at_risk']!r}")]
    if not 0 < value <= 1:
        return [Problem(at, "must be more than 0 and at most 1 (the share of the target used)")]
    return []


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TypeError(value)
    return Decimal(str(value))


def load(document: Mapping[str, Any], *, version: int, applied_at: datetime) -> SlaConfig:
    """Build one version from a document that passed `check`."""
    calendars = {e["key"]: BusinessCalendar.from_config(e) for e in document.get("calendars", [])}
    policies = tuple(
        SlaPolicy(
            key=p["key"],
            calendar=p["calendar"],
            targets={m: _target(t) for m, t in p["targets"].items()},
            match={
                name: tuple(str(v) for v in (value if isinstance(value, list) else [value]))
                for name, value in (p.get("match") or {}).items()
            },
            pause_on=(
                frozenset(Status(s) for s in p["pause_on"]) if "pause_on" in p else DEFAULT_PAUSE_ON
            ),
            at_risk=_decimal(p.get("at_risk", DEFAULT_AT_RISK)),
        )
        for p in document.get("sla_policies", [])
    )
    olas = {
        o["area"]: Ola(
            area=o["area"],
            calendar=o["calendar"],
            target=_target(o["target"]),
            at_risk=_decimal(o.get("at_risk", DEFAULT_AT_RISK)),
        )
        for o in document.get("olas", [])
    }
    return SlaConfig(version, applied_at, calendars, policies, olas)


def _target(target: Mapping[str, Any]) -> Target:
    ((unit, amount),) = target.items()
    return Target(_decimal(amount), unit)
