"""Declarative configuration: apply a YAML file idempotently, export the current one."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
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
    check,
    merge,
)
from retaguarda.domain.errors import DomainError
from retaguarda.storage.repos import catalog as catalog_repo


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


def parse(text: str, *, source: str) -> Catalog:
    """Read a configuration document into a catalog, or raise InvalidConfig."""
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
    return Catalog(
        areas=tuple(Area(**a.model_dump()) for a in data.areas),
        tiers=tuple(data.tiers),
        skills=tuple(data.skills),
        case_types=tuple(CaseType(**_frozen(c.model_dump())) for c in data.case_types),
        agents=tuple(Agent(**_frozen(a.model_dump())) for a in data.agents),
        users=tuple(User(**_frozen(u.model_dump())) for u in data.users),
    )


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


def apply(conn: Connection, text: str, *, source: str, now: datetime) -> list[Change]:
    """Create or update what the file declares; return the changes (none the second time)."""
    incoming = parse(text, source=source)
    current = catalog_repo.load(conn)
    problems = check(incoming, existing=current)
    if problems:
        raise InvalidConfig(source, problems)
    merged, changes = merge(current, incoming)
    if changes:
        catalog_repo.save(conn, merged, now=now)
    return changes


def export(conn: Connection) -> str:
    """The stored configuration as YAML that `apply` accepts."""
    catalog = catalog_repo.load(conn)
    document = {f.name: _plain(_asdict_list(getattr(catalog, f.name))) for f in fields(catalog)}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _asdict_list(entries: tuple[Any, ...]) -> list[Any]:
    return [e if isinstance(e, str) else asdict(e) for e in entries]
