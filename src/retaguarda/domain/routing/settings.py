"""The routing sections of the configuration: which policy orders each area, the
weights of `weighted`, and the rules that raise the skills an item needs.

```yaml
routing:
  default: least_slack          # any name in policies.POLICIES, or weighted
  areas: {ombudsman: earliest_deadline}
  weights: {slack: 1, priority: 2, age: 0.5}   # only read by `weighted`
skill_rules:
  - {when: {amount_gte: 5000}, require: {billing: 4}}
  - {when: {channel: regulator}, require: {ombudsman: 1}}
```

`check_*` return every problem with its path (as the catalog's `check` does) so a
file is applied whole or not at all; `from_documents` builds the checked values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from retaguarda.domain.catalog import Problem
from retaguarda.domain.item.model import Channel
from retaguarda.domain.routing.eligibility import SkillRule
from retaguarda.domain.routing.policies import DEFAULT, POLICIES, WEIGHTS

ROUTING = "routing"
SKILL_RULES = "skill_rules"
NAMES = (*POLICIES, "weighted")
CONDITIONS = ("amount_gte", "channel", "case_type")


@dataclass(frozen=True, slots=True)
class Routing:
    """The checked routing settings (the defaults when none were configured)."""

    default: str = DEFAULT
    areas: Mapping[str, str] = field(default_factory=dict)
    weights: Mapping[str, Decimal] = field(default_factory=dict)
    skill_rules: tuple[SkillRule, ...] = ()

    def policy_of(self, area: str) -> str:
        return self.areas.get(area, self.default)


def check_routing(document: Any, *, areas: set[str]) -> list[Problem]:
    if not isinstance(document, Mapping):
        return [Problem(ROUTING, "must be a mapping: {default, areas, weights}")]
    problems = [Problem(f"{ROUTING}.{k}", "unknown key") for k in document if k not in _KEYS]
    if "default" in document:
        problems += _policy(f"{ROUTING}.default", document["default"])
    chosen = [document.get("default", DEFAULT)]
    given = document.get("areas", {})
    if not isinstance(given, Mapping):
        problems.append(Problem(f"{ROUTING}.areas", "must map area keys to policy names"))
        given = {}
    for area, name in given.items():
        if area not in areas:
            problems.append(Problem(f"{ROUTING}.areas.{area}", f"unknown area {area!r}"))
        problems += _policy(f"{ROUTING}.areas.{area}", name)
        chosen.append(name)
    weights = document.get("weights")
    if weights is not None:
        problems += _weights(weights)
    if "weighted" in chosen and not weights:
        problems.append(Problem(f"{ROUTING}.weights", "the weighted policy needs weights"))
    return problems


_KEYS = ("default", "areas", "weights")


def _policy(at: str, name: Any) -> list[Problem]:
    if name in NAMES:
        return []
    return [Problem(at, f"unknown policy {name!r}; known: {', '.join(NAMES)}")]


def _weights(weights: Any) -> list[Problem]:
    at = f"{ROUTING}.weights"
    if not isinstance(weights, Mapping):
        return [Problem(at, f"must map {', '.join(WEIGHTS)} to numbers")]
    problems = []
    for name, value in weights.items():
        if name not in WEIGHTS:
            problems.append(Problem(f"{at}.{name}", f"unknown weight; known: {', '.join(WEIGHTS)}"))
        elif _number(value) is None:
            problems.append(Problem(f"{at}.{name}", f"must be a number, got {value!r}"))
    return problems


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def check_skill_rules(document: Any, *, skills: set[str], case_types: set[str]) -> list[Problem]:
    if not isinstance(document, Sequence) or isinstance(document, str):
        return [Problem(SKILL_RULES, "must be a list of {when: {...}, require: {skill: level}}")]
    problems = []
    for i, rule in enumerate(document):
        at = f"{SKILL_RULES}[{i}]"
        if not isinstance(rule, Mapping):
            problems.append(Problem(at, "must be {when: {...}, require: {skill: level}}"))
            continue
        problems += [
            Problem(f"{at}.{k}", "unknown key") for k in rule if k not in ("when", "require")
        ]
        problems += _when(f"{at}.when", rule.get("when", {}), case_types)
        require = rule.get("require")
        if not isinstance(require, Mapping) or not require:
            problems.append(Problem(f"{at}.require", "must map one or more skills to a level"))
            continue
        for skill, level in require.items():
            if skill not in skills:
                problems.append(Problem(f"{at}.require.{skill}", f"unknown skill {skill!r}"))
            if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
                problems.append(Problem(f"{at}.require.{skill}", "level must be 1 to 5"))
    return problems


_RULE_KEYS = ("when", "require")


def _when(at: str, when: Any, case_types: set[str]) -> list[Problem]:
    if not isinstance(when, Mapping):
        return [Problem(at, f"must be a mapping of {', '.join(CONDITIONS)}")]
    problems = [Problem(f"{at}.{k}", "unknown condition") for k in when if k not in CONDITIONS]
    if "amount_gte" in when:
        amount = _number(when["amount_gte"])
        if amount is None or amount < 0:
            problems.append(Problem(f"{at}.amount_gte", "must be a number, 0 or more"))
    channels = {c.value for c in Channel}
    for name, known, noun in (
        ("channel", channels, "channel"),
        ("case_type", case_types, "case type"),
    ):
        for value in _listed(when.get(name, [])):
            if value not in known:
                problems.append(Problem(f"{at}.{name}", f"unknown {noun} {value!r}"))
    return problems


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def from_documents(routing: Any | None, skill_rules: Any | None) -> Routing:
    """The settings from checked documents (None: the section was never configured)."""
    routing = routing or {}
    rules: list[SkillRule] = []
    for rule in skill_rules or []:
        when = rule.get("when", {})
        amount = when.get("amount_gte")
        for skill, level in rule["require"].items():
            rules.append(
                SkillRule(
                    skill=skill,
                    level=level,
                    amount_gte=None if amount is None else Decimal(str(amount)),
                    channel=tuple(_listed(when.get("channel", []))),
                    case_type=tuple(_listed(when.get("case_type", []))),
                )
            )
    return Routing(
        default=routing.get("default", DEFAULT),
        areas=dict(routing.get("areas", {})),
        weights={k: Decimal(str(v)) for k, v in (routing.get("weights") or {}).items()},
        skill_rules=tuple(rules),
    )
