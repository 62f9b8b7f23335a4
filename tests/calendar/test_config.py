"""The configuration shape: the issue's example as written, and one error per mistake."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from retaguarda.calendar import BusinessCalendar, CalendarError
from tests.calendar.calendars import entries

H = 3600
BR = {"timezone": "America/Sao_Paulo", "hours": {"mon-fri": ["08:00-18:00"]}}


class TestExample:
    def test_every_calendar_of_the_example_is_accepted_as_written(self) -> None:
        calendars = [BusinessCalendar.from_config(entry) for entry in entries()]

        assert [c.key for c in calendars] == ["br-sp", "es-md", "always"]
        br, es, always = (c.spec for c in calendars)
        assert br.weekly == (((8 * H, 18 * H),),) * 5 + ((), ())
        assert es.weekly[3] == ((9 * H, 14 * H), (15 * H, 18 * H))
        assert es.weekly[4] == ((8 * H, 15 * H),)
        assert always.weekly == (((0, 24 * H),),) * 7
        assert br.closed == {date(2026, 12, 24), date(2026, 12, 31)}
        assert br.holidays is not None
        assert (br.holidays.country, br.holidays.subdivision) == ("BR", "SP")
        assert br.holidays.categories == ("public",)

    def test_good_friday_is_a_public_holiday_of_br_sp_by_default(self) -> None:
        cal = BusinessCalendar.from_config(entries()[0])

        assert cal.day(date(2026, 4, 3)).reason == "holiday: Good Friday"

    def test_optional_categories_add_holidays(self) -> None:
        # Carnival (16-17 Feb 2026) is an optional holiday in BR, not a public one.
        plain = BusinessCalendar(**BR, holidays={"country": "BR", "subdivision": "SP"})
        optional = BusinessCalendar(
            **BR,
            holidays={"country": "BR", "subdivision": "SP", "categories": ["public", "optional"]},
        )

        assert plain.day(date(2026, 2, 16)).working
        assert optional.day(date(2026, 2, 16)).reason == "holiday: Carnival"

    def test_unquoted_yaml_dates_and_open_entries(self) -> None:
        cal = BusinessCalendar.from_config(
            {
                **BR,
                "closed": [date(2026, 5, 4)],
                "open": [date(2026, 5, 9), {"date": "2026-05-10", "hours": ["09:00-12:00"]}],
            }
        )

        assert cal.day(date(2026, 5, 4)).reason == "closed"
        assert cal.day(date(2026, 5, 9)).business_seconds == 10 * H
        assert cal.day(date(2026, 5, 10)).business_seconds == 3 * H


def _with(**changes: Any) -> dict[str, Any]:
    return {**BR, **changes}


ERRORS: list[tuple[dict[str, Any], str, str]] = [
    (_with(timezone="America/Sao_Paul"), "timezone", "unknown timezone 'America/Sao_Paul'"),
    (_with(timezone=None), "timezone", "must be an IANA time zone name, got None"),
    ({"hours": BR["hours"]}, "timezone", "timezone is required"),
    (
        _with(zone="UTC"),
        "zone",
        "unknown key 'zone'; known: key, timezone, hours, holidays, closed, open",
    ),
    (_with(hours={}), "hours", 'must map days to spans, e.g. {mon-fri: ["08:00-18:00"]}'),
    (_with(hours={"sat": []}), "hours", "no working hours on any day"),
    (
        _with(hours={"mo-fr": ["08:00-18:00"]}),
        "hours.mo-fr",
        "unknown day 'mo-fr'; use mon..sun or a range such as mon-fri",
    ),
    (
        _with(hours={"fri-mon": ["08:00-18:00"]}),
        "hours.fri-mon",
        "day range 'fri-mon' runs backwards; split it, e.g. fri-sun and mon-mon",
    ),
    (
        _with(hours={"mon-fri": ["08:00-18:00"], "fri": ["08:00-12:00"]}),
        "hours.fri",
        "fri is already given by 'mon-fri'",
    ),
    (
        _with(hours={"mon-fri": "08:00-18:00"}),
        "hours.mon-fri",
        "must be a list of spans such as [\"08:00-18:00\"], got '08:00-18:00'",
    ),
    (
        _with(hours={"mon-fri": ["18:00-08:00"]}),
        "hours.mon-fri[0]",
        "span '18:00-08:00' ends before it starts",
    ),
    (_with(hours={"mon-fri": ["08:00-08:00"]}), "hours.mon-fri[0]", "span '08:00-08:00' is empty"),
    (_with(hours={"mon-fri": ["8h-18h"]}), "hours.mon-fri[0]", "span '8h-18h' is not HH:MM-HH:MM"),
    (
        _with(hours={"mon-fri": ["08:00-24:30"]}),
        "hours.mon-fri[0]",
        "span '08:00-24:30' has an invalid time 24:30",
    ),
    (
        _with(hours={"mon-fri": ["24:00-24:00"]}),
        "hours.mon-fri[0]",
        "span '24:00-24:00' cannot start at 24:00",
    ),
    (
        _with(hours={"mon": ["08:00-12:00", "11:00-18:00"]}),
        "hours.mon[1]",
        "span '11:00-18:00' starts before the previous span ends; "
        "spans must be increasing and non-overlapping",
    ),
    (
        _with(holidays={"country": "XX"}),
        "holidays.country",
        "unknown country 'XX' in the holidays package (use ISO 3166 codes like 'BR')",
    ),
    (_with(holidays={"subdivision": "SP"}), "holidays.country", "is required"),
    (
        _with(holidays={"country": "BR", "subdivision": "XX"}),
        "holidays.subdivision",
        "BR has no subdivision 'XX'; known: AC, AL, AM, AP, BA, CE, DF, ES, GO, MA, MG, "
        "MS, MT, PA, PB, PE, PI, PR, RJ, RN, RO, RR, RS, SC, SE, SP, TO, São Paulo Capital",
    ),
    (
        _with(holidays={"country": "BR", "categories": ["public", "bank"]}),
        "holidays.categories[1]",
        "BR has no holiday category 'bank'; known: optional, public",
    ),
    (
        _with(holidays={"country": "BR", "language": "fr"}),
        "holidays.language",
        "BR has no holiday names in 'fr'; known: en_US, pt_BR, uk",
    ),
    (
        _with(holidays={"country": "BR", "region": "SP"}),
        "holidays.region",
        "unknown key 'region'; known: country, subdivision, categories, language",
    ),
    (_with(closed=["2026-02-30"]), "closed[0]", "'2026-02-30' is not a date (YYYY-MM-DD)"),
    (_with(closed="2026-02-03"), "closed", "must be a list of dates, got '2026-02-03'"),
    (
        _with(open=["2026-05-09", "2026-05-09"]),
        "open[1]",
        "2026-05-09 is already listed at open[0]",
    ),
    (
        _with(open=[{"date": "2026-05-09", "hours": []}]),
        "open[0].hours",
        "an open day needs at least one span",
    ),
    (
        _with(open=[{"date": "2026-05-09"}]),
        "open[0].hours",
        "hours is required with a date mapping",
    ),
    (_with(open=[{"day": "2026-05-09"}]), "open[0].day", "unknown key 'day'; known: date, hours"),
    (
        _with(open=[{"date": "2026-05-09", "hours": ["13:00-12:00"]}]),
        "open[0].hours[0]",
        "span '13:00-12:00' ends before it starts",
    ),
    (_with(key=3), "key", "must be a text, got 3"),
]


class TestErrors:
    @pytest.mark.parametrize(
        ("config", "field", "message"), ERRORS, ids=[f"{f}: {m[:30]}" for _, f, m in ERRORS]
    )
    def test_each_mistake_names_its_field(
        self, config: dict[str, Any], field: str, message: str
    ) -> None:
        with pytest.raises(CalendarError) as error:
            BusinessCalendar.from_config(config)

        assert (error.value.field, str(error.value)) == (field, message)
        assert isinstance(error.value, ValueError)

    def test_constructor_checks_the_same_way(self) -> None:
        with pytest.raises(CalendarError) as error:
            BusinessCalendar("UTC", {"mon": ["09:00-17:00", "16:00-18:00"]})

        assert error.value.field == "hours.mon[1]"
