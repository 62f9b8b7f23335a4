"""The configured vocabulary of a back office: areas, tiers, skills, case types,
agents and users.

Invariants:
- Keys are stable snake_case identifiers; display names may change freely.
- `check` is the single place that decides whether a catalog is coherent
  (every reference resolves); it returns every problem with its path, so a
  configuration file is either applied whole or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class Role(StrEnum):
    SPECIALIST = "specialist"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    INTEGRATION = "integration"


@dataclass(frozen=True, slots=True)
class Area:
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class CaseType:
    key: str
    name: str
    area: str
    tier: str
    skills: tuple[str, ...] = ()
    expected_handling_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class Agent:
    key: str
    name: str
    areas: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    skills: Mapping[str, int] = field(default_factory=dict)
    capacity: int = 1
    # {calendar: KEY} or a calendar's own shape (domain/routing/schedule.py); None: always
    schedule: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    agent: str | None = None
    areas: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Catalog:
    areas: tuple[Area, ...] = ()
    tiers: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    case_types: tuple[CaseType, ...] = ()
    agents: tuple[Agent, ...] = ()
    users: tuple[User, ...] = ()


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a catalog: where (`areas[2].key`) and what."""

    path: str
    message: str


def check(catalog: Catalog, *, existing: Catalog | None = None) -> list[Problem]:
    """Every incoherence in `catalog`: bad keys, duplicates, dangling references.

    References may point at entries of `catalog` or of `existing` (what is
    stored already); paths are positions in `catalog`, i.e. in the file.
    """
    base = existing or Catalog()
    problems: list[Problem] = []
    areas = {a.key for a in (*catalog.areas, *base.areas)}
    tiers = set(catalog.tiers or base.tiers)
    skills = {*catalog.skills, *base.skills}
    agents = {a.key for a in (*catalog.agents, *base.agents)}
    problems += _keys("areas", (a.key for a in catalog.areas), suffix=".key")
    problems += _keys("tiers", catalog.tiers)
    problems += _keys("skills", catalog.skills)
    problems += _keys("case_types", (c.key for c in catalog.case_types), suffix=".key")
    problems += _keys("agents", (a.key for a in catalog.agents), suffix=".key")
    problems += _keys("users", (u.name for u in catalog.users), suffix=".name", pattern=False)
    if catalog.tiers:
        for key in base.tiers:
            if key not in tiers:
                problems.append(
                    Problem("tiers", f"tier {key!r} exists and cannot be removed from the ladder")
                )
    for i, ct in enumerate(catalog.case_types):
        at = f"case_types[{i}]"
        problems += _refs(f"{at}.area", [ct.area], areas, "area")
        problems += _refs(f"{at}.tier", [ct.tier], tiers, "tier")
        problems += _refs(f"{at}.skills", ct.skills, skills, "skill")
        if ct.expected_handling_minutes is not None and ct.expected_handling_minutes <= 0:
            problems.append(Problem(f"{at}.expected_handling_minutes", "must be positive"))
    for i, agent in enumerate(catalog.agents):
        problems += _check_agent(f"agents[{i}]", agent, areas=areas, tiers=tiers, skills=skills)
    for i, user in enumerate(catalog.users):
        at = f"users[{i}]"
        problems += _refs(f"{at}.areas", user.areas, areas, "area")
        if user.agent is not None:
            problems += _refs(f"{at}.agent", [user.agent], agents, "agent")
        if user.role is Role.SPECIALIST and user.agent is None:
            problems.append(Problem(f"{at}.agent", "a specialist must be linked to an agent"))
    return problems


def _check_agent(
    at: str, agent: Agent, *, areas: set[str], tiers: set[str], skills: set[str]
) -> list[Problem]:
    problems = _refs(f"{at}.areas", agent.areas, areas, "area")
    problems += _refs(f"{at}.tiers", agent.tiers, tiers, "tier")
    problems += _refs(f"{at}.skills", agent.skills, skills, "skill")
    for skill, level in agent.skills.items():
        if not 1 <= level <= 5:
            problems.append(Problem(f"{at}.skills.{skill}", "proficiency must be 1 to 5"))
    if agent.capacity < 1:
        problems.append(Problem(f"{at}.capacity", "must be at least 1"))
    return problems


@dataclass(frozen=True, slots=True)
class Change:
    """One entry that applying a file creates or updates."""

    section: str
    key: str
    kind: str  # "created" | "updated" | "removed" (SLA policies left out of a new list)


def merge(current: Catalog, incoming: Catalog) -> tuple[Catalog, list[Change]]:
    """`current` with `incoming`'s entries created or replaced by key; what changed.

    Entries not named by `incoming` are kept; a given tier list is the whole ladder.
    """
    changes: list[Change] = []

    def by_key(section: str, old: tuple[T, ...], new: tuple[T, ...], key: str) -> tuple[T, ...]:
        merged = {getattr(e, key): e for e in old}
        for entry in new:
            k = getattr(entry, key)
            if k not in merged:
                changes.append(Change(section, k, "created"))
            elif merged[k] != entry:
                changes.append(Change(section, k, "updated"))
            merged[k] = entry
        return tuple(merged.values())

    tiers = current.tiers
    if incoming.tiers and incoming.tiers != current.tiers:
        changes += [Change("tiers", t, "created") for t in incoming.tiers if t not in tiers]
        if [t for t in incoming.tiers if t in tiers] != list(tiers):
            changes.append(Change("tiers", "ladder", "updated"))
        tiers = incoming.tiers
    skills = current.skills + tuple(s for s in incoming.skills if s not in current.skills)
    changes += [Change("skills", s, "created") for s in skills[len(current.skills) :]]
    merged = Catalog(
        areas=by_key("areas", current.areas, incoming.areas, "key"),
        tiers=tiers,
        skills=skills,
        case_types=by_key("case_types", current.case_types, incoming.case_types, "key"),
        agents=by_key("agents", current.agents, incoming.agents, "key"),
        users=by_key("users", current.users, incoming.users, "name"),
    )
    return merged, changes


def _keys(
    path: str, keys: Iterable[str], *, suffix: str = "", pattern: bool = True
) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for i, key in enumerate(keys):
        if pattern and not KEY_PATTERN.match(key):
            problems.append(
                Problem(
                    f"{path}[{i}]{suffix}", f"{key!r} is not a key (lowercase letters, digits, _)"
                )
            )
        if key in seen:
            problems.append(Problem(f"{path}[{i}]{suffix}", f"duplicate {key!r}"))
        seen.add(key)
    return problems


def _refs(path: str, values: Iterable[str], known: set[str], noun: str) -> list[Problem]:
    return [Problem(path, f"unknown {noun} {v!r}") for v in values if v not in known]
