"""People arithmetic: interval sets, presence timelines, one agent's sums and a team's
ratios (hand-worked), and the interval operations against a second-by-second count."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.catalog import Agent
from retaguarda.domain.kpi.registry import INDICATORS
from retaguarda.domain.kpi.workforce import (
    AVAILABLE,
    AWAY,
    BUSY,
    OFFLINE,
    PEOPLE,
    AgentLog,
    Intervals,
    Tally,
    by_agent,
    by_team,
    never,
    tally,
    team_of,
    timeline,
    wall_clock,
    working_seconds,
)

H = 3600


def pairs(intervals: Intervals) -> list[tuple[int, int]]:
    return list(zip(intervals.start.tolist(), intervals.end.tolist(), strict=True))


def of(*spans: tuple[int, int]) -> Intervals:
    return Intervals.of([s for s, _ in spans], [e for _, e in spans])


class TestIntervals:
    def test_of_merges_overlapping_and_touching_and_drops_empty_ones(self) -> None:
        assert pairs(of((5, 8), (1, 4), (3, 3), (4, 5), (10, 12), (11, 11))) == [(1, 8), (10, 12)]

    def test_nothing_is_empty(self) -> None:
        assert pairs(of()) == []
        assert of().seconds == 0
        assert pairs(of((3, 3), (5, 2))) == []  # empty and backwards intervals are nothing

    def test_operations_by_hand(self) -> None:
        a, b = of((1, 4), (5, 8)), of((2, 6), (7, 10))

        assert pairs(a | b) == [(1, 10)]
        assert pairs(a & b) == [(2, 4), (5, 6), (7, 8)]
        assert pairs(a - b) == [(1, 2), (6, 7)]
        assert pairs(b - a) == [(4, 5), (8, 10)]
        assert pairs(a.clip(3, 7)) == [(3, 4), (5, 7)]
        assert (a.seconds, (a & b).seconds) == (6, 4)

    def test_measured_by_a_schedule(self) -> None:
        # Mon 2 Mar 2026, 09:00-17:00 UTC: 08:00-10:00 has 1 working hour.
        calendar = BusinessCalendar("UTC", {"mon-fri": ["09:00-17:00"]})
        eight = int(datetime(2026, 3, 2, 8, tzinfo=UTC).timestamp())
        spans = of((eight, eight + 2 * H), (eight + 8 * H, eight + 10 * H))

        assert spans.measured(working_seconds(calendar)).tolist() == [H, H]
        assert spans.measured(wall_clock).tolist() == [2 * H, 2 * H]
        assert spans.measured(never).tolist() == [0, 0]


SMALL = 40  # seconds 0..39: small enough to count one by one
span = st.tuples(st.integers(0, SMALL), st.integers(0, SMALL))
spans = st.lists(span, max_size=8)


def members(raw: list[tuple[int, int]]) -> set[int]:
    """The seconds inside any of the (possibly overlapping, empty) intervals."""
    return {t for t in range(SMALL) if any(s <= t < e for s, e in raw)}


def seconds_of(intervals: Intervals) -> set[int]:
    return members(pairs(intervals))


def normalized(intervals: Intervals) -> bool:
    start, end = intervals.start, intervals.end
    return bool((start < end).all() and (start[1:] > end[:-1]).all())


class TestIntervalProperties:
    @settings(max_examples=300, deadline=None)
    @given(spans, spans, st.integers(0, SMALL), st.integers(0, SMALL))
    def test_every_operation_agrees_with_a_count_second_by_second(
        self, a: list[tuple[int, int]], b: list[tuple[int, int]], lo: int, hi: int
    ) -> None:
        x, y = of(*a), of(*b)
        window = {t for t in range(SMALL) if lo <= t < hi}

        results = {
            "of": (x, members(a)),
            "union": (x | y, members(a) | members(b)),
            "intersection": (x & y, members(a) & members(b)),
            "difference": (x - y, members(a) - members(b)),
            "clip": (x.clip(lo, hi), members(a) & window),
        }
        for name, (got, expected) in results.items():
            assert seconds_of(got) == expected, name
            assert got.seconds == len(expected), name
            assert normalized(got), name


class TestTimeline:
    def test_status_at_the_start_comes_from_the_last_change_before_it(self) -> None:
        line = timeline([0, 10, 10, 20, 30], [AVAILABLE, AWAY, BUSY, BUSY, OFFLINE], 5, 40)

        # Available since 0; at 10 away then busy at once: busy holds; busy again at 20
        # changes nothing.
        assert pairs(Intervals(line.start, line.end)) == [(5, 10), (10, 30), (30, 40)]
        assert line.status.tolist() == [AVAILABLE, BUSY, OFFLINE]

    def test_an_agent_never_set_is_offline(self) -> None:
        line = timeline([], [], 0, 100)

        assert (line.start.tolist(), line.end.tolist(), line.status.tolist()) == (
            [0],
            [100],
            [OFFLINE],
        )

    def test_a_change_at_the_start_holds_from_it(self) -> None:
        line = timeline([3, 5], [AWAY, AVAILABLE], 5, 8)

        assert line.status.tolist() == [AVAILABLE]

    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(st.tuples(st.integers(0, SMALL), st.sampled_from([0, 1, 2, 3])), max_size=10),
        st.integers(0, SMALL),
        st.integers(0, SMALL),
    )
    def test_each_second_has_the_status_of_the_last_change_at_or_before_it(
        self, changes: list[tuple[int, int]], lo: int, hi: int
    ) -> None:
        changes.sort(key=lambda c: c[0])  # stable: same instant keeps its order
        line = timeline([t for t, _ in changes], [s for _, s in changes], lo, hi)

        for t in range(lo, hi):
            before = [s for when, s in changes if when <= t]
            expected = before[-1] if before else OFFLINE
            covering = np.flatnonzero((line.start <= t) & (t < line.end))
            assert len(covering) == 1
            assert int(line.status[covering[0]]) == expected
        assert (line.status[1:] != line.status[:-1]).all()  # runs are maximal
        assert sum((line.end - line.start).tolist()) == max(0, hi - lo)


MON = int(datetime(2026, 3, 2, tzinfo=UTC).timestamp())  # Monday 00:00 UTC


def hour(h: float) -> int:
    return MON + int(h * H)


class TestOneAgent:
    """Monday 2 March 2026 in UTC, schedule 09:00-13:00 and 14:00-18:00 (8 h)."""

    calendar = BusinessCalendar("UTC", {"mon-fri": ["09:00-13:00", "14:00-18:00"]})
    log = AgentLog(
        # Available 09:30, away 12:30-14:30 (across lunch), busy 14:30, offline 17:00.
        presence_at=np.array([hour(9.5), hour(12.5), hour(14.5), hour(17)]),
        presence_status=np.array([AVAILABLE, AWAY, BUSY, OFFLINE]),
        # Two items overlapping 10:00-11:00, one through the away spell and the night.
        work_start=np.array([hour(9), hour(10), hour(12)]),
        work_end=np.array([hour(11), hour(10.5), hour(30)]),
        # Planned 16:00-17:00 and 16:30-18:00 (union 16:00-18:00).
        absence_start=np.array([hour(16), hour(16.5)]),
        absence_end=np.array([hour(17), hour(18)]),
        handled=3,
        resolved=2,
    )

    def test_the_sums_by_hand(self) -> None:
        got = tally(self.log, hour(0), hour(24), working_seconds(self.calendar))

        # On duty 09:30-12:30 (3 h) + 14:30-17:00 (2.5 h) = 5.5 h.
        assert got.on_duty_s == 5.5 * H
        # In progress 09:00-11:00 and 12:00-24:00; on duty: 09:30-11:00 (1.5 h),
        # 12:00-12:30 (0.5 h), 14:30-17:00 (2.5 h) = 4.5 h.
        assert got.in_progress_s == 4.5 * H
        # Scheduled 8 h; planned 16:00-18:00 = 2 h; offline 00:00-09:30 (scheduled
        # 09:00-09:30) and from 17:00 (all in the planned absence): 0.5 h absent.
        assert (got.scheduled_s, got.planned_absence_s, got.absent_s) == (8 * H, 2 * H, H // 2)
        # One away spell 12:30-14:30, scheduled 12:30-13:00 + 14:00-14:30 = 1 h.
        assert (got.away_s, got.away_spells) == (H, 1)
        figures = got.figures()
        assert figures["absenteeism"] == pytest.approx(0.5 / 6)
        assert figures["occupancy"] == pytest.approx(4.5 / 5.5)
        assert figures["productivity_per_hour"] == pytest.approx(2 / 5.5)
        assert figures["mean_unavailability_seconds"] == H

    def test_without_a_schedule_the_whole_window_counts_for_away_and_nothing_is_absent(
        self,
    ) -> None:
        got = tally(self.log, hour(0), hour(24), None)

        assert (got.away_s, got.away_spells) == (2 * H, 1)
        assert got.scheduled_agents == 0
        assert got.figures()["absenteeism"] is None
        assert got.figures()["scheduled_seconds"] is None

    def test_a_planned_absence_covering_a_whole_spell_leaves_it_uncounted(self) -> None:
        log = AgentLog(
            presence_at=np.array([hour(10), hour(11)]),
            presence_status=np.array([AWAY, OFFLINE]),
            absence_start=np.array([hour(9)]),
            absence_end=np.array([hour(12)]),
        )

        got = tally(log, hour(0), hour(24), working_seconds(self.calendar))

        assert (got.away_s, got.away_spells) == (0, 0)
        assert got.figures()["mean_unavailability_seconds"] is None
        # Scheduled 8 h, planned 09:00-12:00 = 3 h: expected 12:00-13:00 and
        # 14:00-18:00 = 5 h, all inside her offline time from 11:00.
        assert (got.planned_absence_s, got.absent_s) == (3 * H, 5 * H)

    def test_the_window_cuts_every_interval(self) -> None:
        got = tally(self.log, hour(10), hour(13), working_seconds(self.calendar))

        # On duty 10:00-12:30; in progress 10:00-11:00 and 12:00-12:30; away 12:30-13:00.
        assert (got.on_duty_s, got.in_progress_s) == (2.5 * H, 1.5 * H)
        assert (got.away_s, got.away_spells, got.scheduled_s) == (H // 2, 1, 3 * H)

    def test_an_empty_window_counts_nothing(self) -> None:
        got = tally(self.log, hour(10), hour(10), working_seconds(self.calendar))

        assert (got.on_duty_s, got.scheduled_s, got.away_spells) == (0, 0, 0)


class TestTeams:
    def test_a_team_is_the_first_area_and_sums_before_dividing(self) -> None:
        ana = Agent("ana", "Ana", areas=("backoffice",))
        dora = Agent("dora", "Dora", areas=("finance", "backoffice"))
        nobody = Agent("zed", "Zed")
        # Ana: 1 resolved in 1 h on duty; Dora: 1 in 9 h; Zed has no area: no team.
        one = Tally(agents=1, resolved=1, on_duty_s=H)
        many = Tally(agents=1, resolved=1, on_duty_s=9 * H, scheduled_agents=1, scheduled_s=10)
        teams = by_team([(ana, one), (dora, many), (nobody, Tally(agents=1))])

        assert [team_of(a) for a in (ana, dora, nobody)] == ["backoffice", "finance", None]
        assert list(teams) == ["backoffice", "finance", None]
        both = one + many
        # 2 resolutions in 10 h = 0.2 an hour, not the mean of 1 and 0.11.
        assert both.figures()["productivity_per_hour"] == pytest.approx(0.2)
        assert (both.agents, both.scheduled_agents) == (2, 1)
        assert teams[None].figures()["occupancy"] is None


class TestByAgent:
    def test_rows_are_split_by_agent_and_ordered_within_each(self) -> None:
        keys = np.array(["b", "a", "b", "b"], dtype=object)
        got = by_agent(keys, {"at": [5, 1, 3, 3], "seq": [9, 1, 8, 7]}, order=("at", "seq"))

        assert list(got) == ["a", "b"]
        assert got["b"]["at"].tolist() == [3, 3, 5]
        assert got["b"]["seq"].tolist() == [7, 8, 9]

    def test_no_rows_no_agents(self) -> None:
        assert by_agent(np.zeros(0, dtype=object), {"at": []}) == {}


def test_the_people_indicators_are_registered() -> None:
    assert {i.slug for i in PEOPLE} <= set(INDICATORS)
    assert {INDICATORS[i.slug].report for i in PEOPLE} == {"people"}
