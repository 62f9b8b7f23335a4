"""Declarative configuration: apply a YAML file idempotently, export the current one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection

from retaguarda.domain.catalog import (
    Agent,
    Area,
    CaseType,
    Catalog,
    Change,
    Problem,
    Role,
    User,
    merge,
)
from retaguarda.domain.catalog import check as check_catalog
from retaguarda.domain.errors import DomainError
from retaguarda.domain.item import escalation, repeat
from retaguarda.domain.kpi import settings as report_settings
from retaguarda.domain.routing import schedule
from retaguarda.domain.routing import settings as routing_settings
from retaguarda.domain.sla import document as sla_document
from retaguarda.storage.repos import catalog as catalog_repo
from retaguarda.storage.repos import routing as routing_repo
from retaguarda.storage.repos import settings as settings_repo
from retaguarda.storage.repos import sla as sla_repo


class InvalidConfig(DomainError):
    """A configuration file that cannot be applied; nothing of it was applied."""

    code = "InvalidConfig"

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("; ".join(f"{source}: {p.path}: {p.message}" for p in problems))

    def lines(self) -> list[str]:
        return [f"{self.source}: {p.path}: {p.message}" for p in self.problems]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class AreaIn(_Strict):
    key: str
    name: str


class CaseTypeIn(_Strict):
    key: str
    name: str
    area: str
    tier: str
    skills: list[str] = Field(default_factory=list)
    expected_handling_minutes: int | None = None


class AgentIn(_Strict):
    key: str
    name: str
    areas: list[str] = Field(default_factory=list)
    tiers: list[str] = Field(default_factory=list)
    skills: dict[str, int] = Field(default_factory=dict)
    capacity: int = 1
    schedule: dict[str, Any] | None = None  # checked by domain.routing.schedule


class UserIn(_Strict):
    name: str
    role: Role = Field(strict=False)
    agent: str | None = None
    areas: list[str] = Field(default_factory=list)


class ConfigFile(_Strict):
    areas: list[AreaIn] = Field(default_factory=list)
    tiers: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    case_types: list[CaseTypeIn] = Field(default_factory=list)
    agents: list[AgentIn] = Field(default_factory=list)
    users: list[UserIn] = Field(default_factory=list)
    # Checked by domain.sla.document, which reports paths the same way.
    calendars: list[dict[str, Any]] | None = None
    sla_policies: list[dict[str, Any]] | None = None
    olas: list[dict[str, Any]] | None = None
    # Settings sections, each checked by its domain module (SETTINGS below).
    routing: dict[str, Any] | None = None
    skill_rules: list[dict[str, Any]] | None = None
    escalation: list[Any] | None = None
    repeat_contacts: dict[str, Any] | None = None
    reports: dict[str, Any] | None = None


Checker = Callable[[Any, Catalog], list[Problem]]

# Sections stored whole as documents (storage/repos/settings.py): name -> checker,
# given the catalog as it will be once the file is applied.
SETTINGS: dict[str, Checker] = {
    routing_settings.ROUTING: lambda doc, catalog: routing_settings.check_routing(
        doc, areas={a.key for a in catalog.areas}
    ),
    routing_settings.SKILL_RULES: lambda doc, catalog: routing_settings.check_skill_rules(
        doc, skills=set(catalog.skills), case_types={c.key for c in catalog.case_types}
    ),
    escalation.ESCALATION: lambda doc, catalog: escalation.check(
        doc, tiers=catalog.tiers, case_types={c.key for c in catalog.case_types}
    ),
    repeat.REPEAT_CONTACTS: lambda doc, _catalog: repeat.check(doc),
    report_settings.REPORTS: lambda doc, _catalog: report_settings.check(doc),
}
# Changes to these sections change how queued items are ranked.
RANKING_SECTIONS = frozenset(
    {routing_settings.ROUTING, routing_settings.SKILL_RULES, "case_types", *sla_document.SECTIONS}
)


def parse(text: str, *, source: str) -> Catalog:
    """Read a configuration document into a catalog, or raise InvalidConfig."""
    return _parse(text, source=source)[0]


def _parse(text: str, *, source: str) -> tuple[Catalog, dict[str, Any], dict[str, Any]]:
    """The catalog, the SLA sections and the settings sections (as given) of a document."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
        problem = getattr(error, "problem", None) or str(error)
        raise InvalidConfig(source, [Problem(where, f"not valid YAML: {problem}")]) from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise InvalidConfig(source, [Problem("(document)", "must be a mapping of sections")])
    try:
        data = ConfigFile.model_validate(document)
    except ValidationError as error:
        raise InvalidConfig(source, [_problem(e) for e in error.errors()]) from None
    catalog = Catalog(
        areas=tuple(Area(**a.model_dump()) for a in data.areas),
        tiers=tuple(data.tiers),
        skills=tuple(data.skills),
        case_types=tuple(CaseType(**_frozen(c.model_dump())) for c in data.case_types),
        agents=tuple(Agent(**_frozen(_json_ready(a.model_dump()))) for a in data.agents),
        users=tuple(User(**_frozen(u.model_dump())) for u in data.users),
    )
    sla = {
        s: _json_ready(getattr(data, s))
        for s in sla_document.SECTIONS
        if getattr(data, s) is not None
    }
    given = {s: _json_ready(getattr(data, s)) for s in SETTINGS if getattr(data, s) is not None}
    return catalog, sla, given


def _json_ready(value: Any) -> Any:
    """YAML reads 2026-12-24 as a date; keep it as the text it was, to store as JSON."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    return value


def _frozen(fields: dict[str, Any]) -> dict[str, Any]:
    """Lists become tuples, as the domain's frozen dataclasses keep them."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}


def _plain(value: Any) -> Any:
    """Domain values as plain YAML data: tuples as lists, enums as their codes."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _problem(error: Any) -> Problem:
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return Problem(path or "(document)", message)


def catalog(conn: Connection) -> Catalog:
    """The configured catalog (areas, tiers, skills, case types, agents, users) as stored."""
    return catalog_repo.load(conn)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What applying a checked file writes, and the changes it reports."""

    catalog: Catalog
    catalog_changes: list[Change]
    sla: dict[str, Any]
    sla_changes: list[Change]
    settings: dict[str, Any]  # only the sections whose stored document differs
    settings_changes: list[Change]

    @property
    def changes(self) -> list[Change]:
        return self.catalog_changes + self.sla_changes + self.settings_changes


def check(conn: Connection, text: str, *, source: str) -> list[Change]:
    """The changes applying `text` would make, writing nothing (InvalidConfig as in apply)."""
    return _plan(conn, text, source=source).changes


def apply(conn: Connection, text: str, *, source: str, now: datetime) -> list[Change]:
    """Create or update what the file declares; return the changes (none the second time)."""
    plan = _plan(conn, text, source=source)
    if plan.catalog_changes:
        catalog_repo.save(conn, plan.catalog, now=now)
    if plan.sla_changes:
        sla_repo.add_version(conn, plan.sla, applied_at=now, source=source)
        # Every open item's stored clocks are now stale: recomputed in bulk by the
        # next refresh (the worker, or the first risk list asked for).
        sla_repo.mark_open_items(conn)
    for section, document in plan.settings.items():
        settings_repo.put(conn, section, document, now=now)
    everything = plan.changes
    if any(c.section in RANKING_SECTIONS for c in everything):
        # Queued items keep their order until the worker ranks them again.
        routing_repo.mark_stale(conn)
    return everything


def _plan(conn: Connection, text: str, *, source: str) -> _Plan:
    """Check `text` against what is stored (every problem at once) and merge it."""
    incoming, sla_incoming, settings_incoming = _parse(text, source=source)
    current = catalog_repo.load(conn)
    problems = check_catalog(incoming, existing=current)
    merged, changes = merge(current, incoming)
    stored = sla_repo.latest(conn)
    sla_current = stored[1] if stored else sla_document.empty()
    sla_merged, labels = sla_document.merge(sla_current, sla_incoming)
    if sla_incoming:
        problems += sla_document.check(sla_merged, merged, labels)
    calendar_keys = {
        c["key"]
        for c in sla_merged.get("calendars", [])
        if isinstance(c, dict) and isinstance(c.get("key"), str)
    }
    for i, agent in enumerate(incoming.agents):
        problems += schedule.check(f"agents[{i}].schedule", agent.schedule, calendar_keys)
    for section, document in settings_incoming.items():
        problems += SETTINGS[section](document, merged)
    if problems:
        raise InvalidConfig(source, problems)
    stored_settings = settings_repo.many(conn, list(settings_incoming))
    settings: dict[str, Any] = {}
    settings_changes = []
    for section, document in settings_incoming.items():
        if stored_settings.get(section) != document:
            settings[section] = document
            kind = "updated" if section in stored_settings else "created"
            settings_changes.append(Change(section, section, kind))
    return _Plan(
        catalog=merged,
        catalog_changes=changes,
        sla=sla_merged,
        sla_changes=_sla_changes(sla_current, sla_merged),
        settings=settings,
        settings_changes=settings_changes,
    )


def _sla_changes(current: dict[str, Any], merged: dict[str, Any]) -> list[Change]:
    """What a new SLA version changes, entry by entry."""
    changes: list[Change] = []
    for section, key in (("calendars", "key"), ("sla_policies", "key"), ("olas", "area")):
        before = {e[key]: e for e in current.get(section, [])}
        after = {e[key]: e for e in merged.get(section, [])}
        for k, entry in after.items():
            if k not in before:
                changes.append(Change(section, k, "created"))
            elif before[k] != entry:
                changes.append(Change(section, k, "updated"))
        changes += [Change(section, k, "removed") for k in before if k not in after]
    order = [p["key"] for p in merged.get("sla_policies", [])]
    kept = [p["key"] for p in current.get("sla_policies", []) if p["key"] in order]
    if [k for k in order if k in kept] != kept:
        changes.append(Change("sla_policies", "order", "updated"))
    return changes


def export(conn: Connection) -> str:
    """The stored configuration as YAML that `apply` accepts."""
    catalog = catalog_repo.load(conn)
    document = {f.name: _plain(_asdict_list(getattr(catalog, f.name))) for f in fields(catalog)}
    stored = sla_repo.latest(conn)
    if stored is not None:
        document.update(stored[1])
    document.update(settings_repo.many(conn, list(SETTINGS)))
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _asdict_list(entries: tuple[Any, ...]) -> list[Any]:
    return [e if isinstance(e, str) else asdict(e) for e in entries]
