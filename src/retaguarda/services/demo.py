"""The demo back office: its packaged configuration and weeks of generated history.

The history is *planned* by pure functions of (catalog, workload, now, weeks, seed) — no
clock, no I/O, one seeded random generator, so a seed and an instant always give
the same back office — and then *written* through the services real work goes
through: `intake.intake` with a backdated `created_at`, one call per day, and
`item.act` with `at` for every later step. Nothing is inserted behind the
services' back, so the event log is exactly what the product would have recorded.

Steps are replayed as the people who took them (the specialist, the supervisor,
the CRM's automation). Only a backdating role may write a past instant, so each
actor is replayed with the integration role, as a migration from a legacy system
would carry its original actors.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from importlib.resources import files
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Engine

from retaguarda.domain.access import Principal
from retaguarda.domain.catalog import Agent, CaseType, Catalog, Change, Role
from retaguarda.domain.errors import Conflict
from retaguarda.domain.item.lifecycle import TransitionCommand
from retaguarda.domain.item.model import Action, Channel
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import agent as agent_service
from retaguarda.services import config, intake, item, routing
from retaguarda.services.intake import CustomerInput, ItemInput
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.repos import item as item_repo
from retaguarda.storage.repos.item import ItemFilter

DEFAULT_SEED = 2026
DEFAULT_WEEKS = 6
INTEGRATION = "crm"
SUPERVISOR = "marta"
OMBUDSMAN = "ombudsman"  # both the top tier and its area

AREA_ANSWER = 480  # median business minutes another area takes to answer
CUSTOMER_ANSWER = 20  # median calendar hours a customer takes to answer
AUTO_CLOSE = timedelta(days=3)  # a resolved item closes when the customer stays silent
NO_REPLY_CANCEL = timedelta(days=10)  # ... and a pending one is cancelled
MAX_ROUNDS = 4  # rounds of work on one item: its first, and after escalations or reopenings
# How often (0-1):
REPEAT_CONTACT = 0.2  # an item comes from a customer seen recently
DUPLICATE = 0.02  # an item duplicates another and is cancelled from the queue
SELF_ASSIGN = 0.75  # a specialist takes the item as "next" (else the supervisor assigns it)
SAME_SPECIALIST = 0.7  # a returning item goes back to the specialist who had it
NO_REPLY = 0.2  # a customer asked for something never answers
ESCALATE_AGAIN = 0.015  # an item escalated once climbs again
LATE_OMBUDSMAN = 0.01  # a resolved item is taken to the ombudsman by the customer
REOPEN = 0.04  # a resolved item is reopened

OPEN_AT, CLOSE_AT = time(8), time(18)
K = TypeVar("K")


def _local_zone() -> tzinfo:
    try:
        return ZoneInfo("America/Sao_Paulo")
    except ZoneInfoNotFoundError:  # no tz database: São Paulo has kept UTC-3 since 2019
        return timezone(timedelta(hours=-3), "BRT")


LOCAL = _local_zone()


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseProfile(_Data):
    """How one case type behaves: volume, texts, root causes, detours."""

    share: float
    subjects: tuple[str, ...]
    reasons: dict[str, float]  # root cause -> weight: a few causes make most of the volume
    amount: tuple[float, float] | None = None  # lognormal median (BRL) and sigma
    priority: int = 3
    pend_customer: float = 0.1
    pend_area: tuple[str, float] | None = None  # the area it may wait on, and how often
    escalate: float = 0.015  # to the next tier, while worked at its own tier


class CustomerProfile(_Data):
    first_names: tuple[str, ...]
    surnames: tuple[str, ...]
    languages: dict[str, float]
    segments: dict[str, float]


class Workload(_Data):
    """How work arrives and behaves; read from the packaged `demo/workload.yaml`."""

    daily_arrivals: float
    weekday_factor: tuple[float, float, float, float, float, float, float]
    holiday_factor: float
    hour_weights: tuple[float, ...]
    channels: dict[Channel, float]
    ombudsman_channels: dict[Channel, float]
    queue_wait_minutes: dict[int, float]
    case_types: dict[str, CaseProfile]
    escalation_reasons: dict[str, str]
    customers: CustomerProfile


# One action of an item's planned life is exactly the domain's command.
Step = TransitionCommand


@dataclass(frozen=True, slots=True)
class PlannedItem:
    """An item as the CRM sends it, and what happens to it up to `now`."""

    input: ItemInput
    created_at: datetime
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Summary:
    """What a demo database holds, for the command's report."""

    items: int
    by_status: Mapping[str, int]
    first_created: datetime | None
    last_created: datetime | None
    escalated: int
    reached_ombudsman: int


# -- configuration ---------------------------------------------------------------------------


def _packaged(name: str) -> str:
    return (files("retaguarda") / "demo" / name).read_text(encoding="utf-8")


def config_text() -> str:
    """The packaged demo configuration (an ordinary `config apply` file)."""
    return _packaged("config.yaml")


def catalog() -> Catalog:
    return config.parse(config_text(), source="demo/config.yaml")


def workload() -> Workload:
    """The packaged description of how work arrives and behaves."""
    return Workload.model_validate(yaml.safe_load(_packaged("workload.yaml")))


def apply_config(conn: Connection, *, now: datetime) -> list[Change]:
    """Create or update the demo's areas, tiers, case types, agents and users."""
    return config.apply(conn, config_text(), source="demo/config.yaml", now=now)


# -- business time ---------------------------------------------------------------------------


class _Calendar:
    """Working hours 08:00-18:00 in São Paulo, Monday to Friday, except BR-SP holidays."""

    def __init__(self) -> None:
        self.holidays = holidays.country_holidays("BR", subdiv="SP")

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def next_open(self, at: datetime) -> datetime:
        """The first working instant at or after `at`."""
        local = at.astimezone(LOCAL)
        day = local.date()
        while True:
            if self.is_workday(day) and local < datetime.combine(day, CLOSE_AT, LOCAL):
                return max(local, datetime.combine(day, OPEN_AT, LOCAL)).astimezone(UTC)
            day += timedelta(days=1)
            local = datetime.combine(day, OPEN_AT, LOCAL)

    def add(self, at: datetime, minutes: float) -> datetime:
        """`at` plus `minutes` of working time."""
        local = self.next_open(at).astimezone(LOCAL)
        left = timedelta(minutes=minutes)
        while True:
            close = datetime.combine(local.date(), CLOSE_AT, LOCAL)
            if local + left <= close:
                return (local + left).astimezone(UTC)
            left -= close - local
            local = self.next_open(close).astimezone(LOCAL)


# -- planning (pure) -------------------------------------------------------------------------


def plan(
    demo: Catalog,
    work: Workload,
    *,
    now: datetime,
    weeks: int = DEFAULT_WEEKS,
    seed: int = DEFAULT_SEED,
) -> list[PlannedItem]:
    """The items that arrived in the `weeks` before `now` and their steps up to `now`."""
    return _Planner(demo, work, now=now, seed=seed).run(now - timedelta(weeks=weeks))


class _Life:
    """The steps of one item, kept strictly chronological at whole seconds."""

    def __init__(self, created_at: datetime) -> None:
        self.steps: list[Step] = []
        self.last = created_at

    def add(self, at: datetime, action: Action, actor: str, **fields: Any) -> None:
        at = max(at.replace(microsecond=0), self.last + timedelta(seconds=1))
        self.steps.append(Step(at=at, action=action, actor=actor, **fields))
        self.last = at


class _Planner:
    """One planning run: the seeded generator and what it has handed out so far."""

    def __init__(self, demo: Catalog, workload: Workload, *, now: datetime, seed: int) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.calendar = _Calendar()
        self.work = workload
        self.case_types = {ct.key: ct for ct in demo.case_types if ct.key in workload.case_types}
        self.shares = {key: workload.case_types[key].share for key in self.case_types}
        self.area_names = {a.key: a.name for a in demo.areas}
        self.ladder = demo.tiers
        self.agents = demo.agents
        self.load: Counter[tuple[str, date]] = Counter()
        self.customers: list[CustomerInput] = []

    def run(self, start: datetime) -> list[PlannedItem]:
        planned = []
        for seq, created_at in enumerate(self._arrivals(start), start=1):
            case = self.case_types[self._pick(self.shares)]
            data = self._input(case, created_at, seq)
            life = self._life(case, created_at, data.priority)
            steps = tuple(s for s in life.steps if s.at <= self.now)
            planned.append(PlannedItem(data, created_at, steps))
        return planned

    def _pick(self, weights: Mapping[K, float]) -> K:
        keys = list(weights)
        return self.rng.choices(keys, [weights[k] for k in keys])[0]

    def _arrivals(self, start: datetime) -> list[datetime]:
        """Arrival instants: busier on Mondays, quiet at weekends and on holidays."""
        found = []
        day = start.astimezone(LOCAL).date()
        while day <= self.now.astimezone(LOCAL).date():
            mean = self.work.daily_arrivals * self.work.weekday_factor[day.weekday()]
            if day in self.calendar.holidays:
                mean *= self.work.holiday_factor
            count = max(0, round(self.rng.gauss(mean, math.sqrt(mean))))
            for _ in range(count):
                hour = self.rng.choices(range(24), self.work.hour_weights)[0]
                local = datetime.combine(day, time(hour), LOCAL)
                at = (local + timedelta(seconds=self.rng.randrange(3600))).astimezone(UTC)
                if start <= at <= self.now:
                    found.append(at)
            day += timedelta(days=1)
        return sorted(found)

    def _input(self, case: CaseType, created_at: datetime, seq: int) -> ItemInput:
        profile = self.work.case_types[case.key]
        customer = self._customer()
        work = self.work
        channel = self._pick(work.ombudsman_channels if case.tier == OMBUDSMAN else work.channels)
        priority = profile.priority
        if channel is Channel.REGULATOR:
            priority = 1
        elif customer.segment == "premium":
            priority = min(priority, 2)
        amount = None
        if profile.amount is not None:
            median, sigma = profile.amount
            amount = Decimal(f"{median * self.rng.lognormvariate(0, sigma):.2f}")
        subject = self.rng.choice(profile.subjects)
        order = self.rng.randrange(10**7, 10**8)
        return ItemInput(
            external_ref=f"{created_at.astimezone(LOCAL):%Y%m%d}{seq:06d}",
            channel=channel,
            case_type=case.key,
            subject=subject,
            description=f"{subject}. Pedido {order}, cliente {customer.name}.",
            customer=customer,
            amount=amount,
            priority=priority,
            tags=["vip"] if customer.segment == "premium" else [],
            created_at=created_at,
        )

    def _customer(self) -> CustomerInput:
        """A customer seen in the last few hundred items (a repeat contact), or a new one."""
        if self.customers and self.rng.random() < REPEAT_CONTACT:
            return self.rng.choice(self.customers[-400:])
        n = len(self.customers) + 1
        names = self.work.customers
        first, last = self.rng.choice(names.first_names), self.rng.choice(names.surnames)
        segment = self._pick(names.segments)
        name = f"Comercial {last} Ltda" if segment == "empresas" else f"{first} {last}"
        handle = _ascii(f"{first}.{last}").lower()
        customer = CustomerInput(
            external_id=f"CLI-{n:06d}",
            name=name,
            email=f"{handle}{n}@exemplo.com.br",
            language=self._pick(names.languages),
            segment=segment,
        )
        self.customers.append(customer)
        return customer

    def _life(self, case: CaseType, created_at: datetime, priority: int) -> _Life:
        """queue → (assign → start → detours → resolve | escalate)… → close, or a cancel."""
        life = _Life(created_at)
        life.add(life.last + timedelta(minutes=self.rng.uniform(1, 8)), Action.QUEUE, INTEGRATION)
        if self.rng.random() < DUPLICATE:
            at = self.calendar.add(life.last, self.rng.expovariate(1 / 120))
            life.add(at, Action.CANCEL, SUPERVISOR, reason="duplicado", note="Demanda duplicada")
            return life
        tier, area, assignee = case.tier, case.area, None
        for round_ in range(MAX_ROUNDS):
            outcome, assignee = self._work(life, case, priority, tier, area, assignee)
            if outcome == "escalated":
                tier = self.ladder[self.ladder.index(tier) + 1]
                area = OMBUDSMAN if tier == OMBUDSMAN else area
                continue
            if outcome == "resolved":
                outcome = self._after_resolve(life, tier, may_return=round_ < MAX_ROUNDS - 1)
            if outcome == "escalated":
                tier = area = OMBUDSMAN
            elif outcome != "reopened":
                break
        return life

    def _after_resolve(self, life: _Life, tier: str, *, may_return: bool) -> str:
        """Closed after the customer's silence, or back: reopened or taken to the ombudsman."""
        luck = self.rng.random()
        if may_return and tier != OMBUDSMAN and luck < LATE_OMBUDSMAN:
            at = life.last + timedelta(hours=self.rng.uniform(24, 144))
            reason = self.work.escalation_reasons.get(OMBUDSMAN)
            life.add(
                at, Action.ESCALATE, SUPERVISOR, reason=reason, to_tier=OMBUDSMAN, area=OMBUDSMAN
            )
            return "escalated"
        if may_return and luck < LATE_OMBUDSMAN + REOPEN:
            at = life.last + timedelta(hours=self.rng.uniform(4, 72))
            life.add(at, Action.REOPEN, INTEGRATION, note="Cliente informa que o problema persiste")
            return "reopened"
        at = life.last + AUTO_CLOSE + timedelta(minutes=self.rng.uniform(0, 120))
        life.add(at, Action.CLOSE, INTEGRATION, note="Encerrado sem nova manifestação do cliente")
        return "closed"

    def _work(
        self, life: _Life, case: CaseType, priority: int, tier: str, area: str, prefer: str | None
    ) -> tuple[str, str]:
        """One round at one tier: wait, get picked up, maybe wait on others, then leave it."""
        profile, rng, calendar = self.work.case_types[case.key], self.rng, self.calendar
        at = calendar.add(life.last, rng.expovariate(1 / self.work.queue_wait_minutes[priority]))
        skill = OMBUDSMAN if tier == OMBUDSMAN else (case.skills[0] if case.skills else None)
        agent = self._assignee(area, tier, skill, at, prefer)
        # A specialist who takes "next" starts at once; one handed the item by the
        # supervisor gets to it when free.
        if rng.random() < SELF_ASSIGN:
            life.add(at, Action.ASSIGN, agent, assignee=agent)
            life.add(calendar.add(life.last, rng.uniform(1, 15)), Action.START, agent)
        else:
            life.add(at, Action.ASSIGN, SUPERVISOR, assignee=agent)
            life.add(calendar.add(life.last, rng.expovariate(1 / 90)), Action.START, agent)
        handling = (case.expected_handling_minutes or 20) * rng.lognormvariate(0, 0.5)
        if rng.random() < profile.pend_customer:
            handling, replied = self._wait_customer(life, agent, handling)
            if not replied:
                return "cancelled", agent
        if profile.pend_area and profile.pend_area[0] != area:
            other, chance = profile.pend_area
            if rng.random() < chance:
                handling = self._wait_area(life, agent, other, handling)
        escalate = profile.escalate if tier == case.tier else ESCALATE_AGAIN
        if tier != self.ladder[-1] and rng.random() < escalate:
            target = self.ladder[self.ladder.index(tier) + 1]
            at = calendar.add(life.last, handling * rng.uniform(0.3, 0.8))
            reason = self.work.escalation_reasons.get(target, "Requer nível superior")
            area_to = OMBUDSMAN if target == OMBUDSMAN else None
            life.add(at, Action.ESCALATE, agent, reason=reason, area=area_to)
            return "escalated", agent
        reason = self._pick(profile.reasons)
        life.add(calendar.add(life.last, handling), Action.RESOLVE, agent, reason=reason)
        return "resolved", agent

    def _wait_customer(self, life: _Life, agent: str, handling: float) -> tuple[float, bool]:
        """Ask the customer for something; the handling left, and whether they answered."""
        done = handling * self.rng.uniform(0.2, 0.5)
        note = "Aguardando documentos do cliente"
        life.add(self.calendar.add(life.last, done), Action.PEND_CUSTOMER, agent, note=note)
        if self.rng.random() < NO_REPLY:
            at = life.last + NO_REPLY_CANCEL
            life.add(at, Action.CANCEL, SUPERVISOR, reason="sem_retorno_do_cliente")
            return handling - done, False
        hours = self.rng.lognormvariate(math.log(CUSTOMER_ANSWER), 0.8)
        at = self.calendar.add(life.last + timedelta(hours=hours), self.rng.expovariate(1 / 45))
        life.add(at, Action.RESUME, agent, note="Cliente respondeu")
        return handling - done, True

    def _wait_area(self, life: _Life, agent: str, other: str, handling: float) -> float:
        """Ask another area; the handling left once it answered."""
        done = handling * self.rng.uniform(0.2, 0.5)
        note = f"Aguardando retorno: {self.area_names.get(other, other)}"
        life.add(self.calendar.add(life.last, done), Action.PEND_AREA, agent, area=other, note=note)
        at = self.calendar.add(life.last, self.rng.lognormvariate(math.log(AREA_ANSWER), 0.7))
        life.add(at, Action.RESUME, agent, note="Área respondeu")
        return handling - done

    def _assignee(
        self, area: str, tier: str, skill: str | None, at: datetime, prefer: str | None
    ) -> str:
        """An eligible specialist: the previous one when possible, else the least loaded today."""
        eligible = [a for a in self.agents if area in a.areas and tier in a.tiers]
        eligible = eligible or [a for a in self.agents if tier in a.tiers] or list(self.agents)
        skilled = [a for a in eligible if skill in a.skills] or eligible
        day = at.astimezone(LOCAL).date()
        if prefer in [a.key for a in skilled] and self.rng.random() < SAME_SPECIALIST:
            chosen = prefer
        else:
            weights = [_fit(a, skill) / (1 + self.load[(a.key, day)]) for a in skilled]
            chosen = self.rng.choices(skilled, weights)[0].key
        self.load[(chosen, day)] += 1
        return chosen


def _fit(agent: Agent, skill: str | None) -> float:
    return float(agent.capacity * agent.skills.get(skill or "", 1))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


# -- writing through the services ------------------------------------------------------------


def has_items(conn: Connection) -> bool:
    return bool(item_repo.page(conn, ItemFilter(), areas=None, after=None, limit=1))


def generate(
    engine: Engine,
    *,
    now: datetime,
    weeks: int = DEFAULT_WEEKS,
    seed: int = DEFAULT_SEED,
    work: Workload | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the planned history into an empty database, one transaction per day.

    Each day first takes in that day's arrivals (one `intake` call), then applies
    every step dated that day in time order, so the event log grows as it would have.
    `work` replaces the packaged workload (say, a lighter one for tests). Returns the
    number of items created; `progress(done, total)` is called after each day.
    """
    with unit_of_work(engine) as conn:
        if has_items(conn):
            raise Conflict("the database has items already; the demo history needs an empty one")
    planned = plan(catalog(), work or workload(), now=now, weeks=weeks, seed=seed)
    arrivals: dict[date, list[int]] = defaultdict(list)
    steps: dict[date, list[tuple[datetime, int, Step]]] = defaultdict(list)
    for index, planned_item in enumerate(planned):
        arrivals[_day(planned_item.created_at)].append(index)
        for step in planned_item.steps:
            steps[_day(step.at)].append((step.at, index, step))
    principals = {INTEGRATION: Principal(INTEGRATION, Role.INTEGRATION)}
    ids: dict[int, int] = {}
    days = sorted(arrivals.keys() | steps.keys())
    for done, day in enumerate(days, start=1):
        with unit_of_work(engine) as conn:
            _take_in(conn, planned, arrivals[day], ids, principals[INTEGRATION], now)
            for _, index, step in sorted(steps[day], key=lambda entry: entry[:2]):
                principal = principals.setdefault(
                    step.actor, Principal(step.actor, Role.INTEGRATION)
                )
                item.act(
                    conn,
                    ids[index],
                    action=step.action,
                    principal=principal,
                    now=now,
                    at=step.at,
                    note=step.note,
                    reason=step.reason,
                    area=step.area,
                    to_tier=step.to_tier,
                    assignee=step.assignee,
                    outcome=step.outcome,
                )
        if progress is not None:
            progress(done, len(days))
    with unit_of_work(engine) as conn:
        # The team is at work when the demo opens: available, the queue ranked, so
        # `POST /api/v1/agents/{key}/next` hands out the day's work at once.
        admin = principals[INTEGRATION]
        for agent in catalog().agents:
            agent_service.set_presence(
                conn, agent.key, Presence.AVAILABLE, principal=admin, now=now
            )
        while routing.rank_pending(conn, now=now):
            pass
    return len(planned)


def _take_in(
    conn: Connection,
    planned: list[PlannedItem],
    indexes: list[int],
    ids: dict[int, int],
    principal: Principal,
    now: datetime,
) -> None:
    if not indexes:
        return
    results = intake.intake(conn, [planned[i].input for i in indexes], principal=principal, now=now)
    for index, result in zip(indexes, results, strict=True):
        if result.error is not None:
            raise result.error
        if result.status != "created" or result.item_id is None:
            raise Conflict(f"demo item {planned[index].input.external_ref} exists already")
        ids[index] = result.item_id


def _day(at: datetime) -> date:
    return at.astimezone(LOCAL).date()


def summarize(conn: Connection) -> Summary:
    """Counts by status, the span of creation dates, and how many items climbed tiers."""
    by_status: Counter[str] = Counter()
    first: datetime | None = None
    last: datetime | None = None
    escalated = ombudsman = 0
    after: int | None = None
    while page := item_repo.page(conn, ItemFilter(), areas=None, after=after, limit=2000):
        for work_item in page:
            by_status[work_item.status.value] += 1
            first = min(first or work_item.created_at, work_item.created_at)
            last = max(last or work_item.created_at, work_item.created_at)
            escalated += len(work_item.journey) > 1
            ombudsman += OMBUDSMAN in work_item.journey[1:]
        after = page[-1].id
    return Summary(
        items=sum(by_status.values()),
        by_status=dict(by_status.most_common()),
        first_created=first,
        last_created=last,
        escalated=escalated,
        reached_ombudsman=ombudsman,
    )
