"""The neutral report table: keys are slugs, one value per column, values fit their unit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from retaguarda.domain.kpi.tables import Column, Table, Unit, accepts

AREA = Column("area", "Area", Unit.TEXT)
OPEN = Column("open", "Open items", Unit.COUNT)


class TestColumn:
    def test_takes_the_unit_as_its_string(self) -> None:
        assert Column("share", "Share", "ratio").unit is Unit.RATIO

    def test_rejects_an_unknown_unit(self) -> None:
        with pytest.raises(ValueError, match="furlong"):
            Column("x", "X", "furlong")

    @pytest.mark.parametrize("key", ["", "Area", "área", "a b", "a/b", "-a", "a" * 65])
    def test_rejects_a_key_that_is_not_a_slug(self, key: str) -> None:
        with pytest.raises(ValueError, match="slug"):
            Column(key, "X", Unit.TEXT)


class TestTable:
    def test_keeps_rows_as_tuples(self) -> None:
        table = Table("backlog", "Backlog", (AREA, OPEN), [["billing", 3], ["retention", 0]])

        assert table.rows == (("billing", 3), ("retention", 0))

    def test_rejects_a_row_with_a_value_too_few(self) -> None:
        with pytest.raises(ValueError, match=r"row 1: 1 values for 2 columns"):
            Table("backlog", "Backlog", (AREA, OPEN), (("billing", 3), ("retention",)))

    def test_rejects_a_row_with_a_value_too_many(self) -> None:
        with pytest.raises(ValueError, match=r"row 0: 3 values for 2 columns"):
            Table("backlog", "Backlog", (AREA, OPEN), (("billing", 3, 4),))

    def test_rejects_a_value_of_the_wrong_kind(self) -> None:
        with pytest.raises(ValueError, match=r"row 0, column 'open': '3' is not a count value"):
            Table("backlog", "Backlog", (AREA, OPEN), (("billing", "3"),))

    def test_rejects_repeated_column_keys(self) -> None:
        with pytest.raises(ValueError, match=r"repeats column keys \['area'\]"):
            Table("t", "T", (AREA, Column("area", "Area again", Unit.TEXT)))

    def test_rejects_no_column(self) -> None:
        with pytest.raises(ValueError, match="no column"):
            Table("t", "T", ())

    def test_rejects_a_key_that_is_not_a_slug(self) -> None:
        with pytest.raises(ValueError, match="table key"):
            Table("Back log", "T", (AREA,))

    def test_gives_a_column_by_key(self) -> None:
        table = Table("backlog", "Backlog", (AREA, OPEN), (("billing", 3), ("retention", 0)))

        assert table.index("open") == 1
        assert table.values("open") == (3, 0)
        with pytest.raises(KeyError):
            table.values("closed")


class TestAccepts:
    @pytest.mark.parametrize(
        ("unit", "value"),
        [
            (Unit.COUNT, 3),
            (Unit.COUNT, None),
            (Unit.RATIO, 0.875),
            (Unit.RATIO, 1),
            (Unit.RATIO, Decimal("0.5")),
            (Unit.PERCENT, 87.5),
            (Unit.HOURS, 1.5),
            (Unit.MONEY, Decimal("1234.50")),
            (Unit.DATE, date(2026, 3, 31)),
            (Unit.DATETIME, datetime(2026, 3, 31, 18, tzinfo=UTC)),
            (Unit.TEXT, "billing"),
        ],
    )
    def test_accepts(self, unit: Unit, value: object) -> None:
        assert accepts(unit, value)

    @pytest.mark.parametrize(
        ("unit", "value"),
        [
            (Unit.COUNT, 3.0),
            (Unit.COUNT, True),
            (Unit.RATIO, float("nan")),
            (Unit.RATIO, float("inf")),
            (Unit.MONEY, Decimal("NaN")),
            (Unit.RATIO, "0.5"),
            (Unit.DATE, datetime(2026, 3, 31, tzinfo=UTC)),
            (Unit.DATETIME, datetime(2026, 3, 31, 18)),  # noqa: DTZ001 - naive: which zone?
            (Unit.DATETIME, date(2026, 3, 31)),
            (Unit.TEXT, 3),
        ],
        ids=[
            "float count",
            "bool count",
            "nan",
            "inf",
            "decimal nan",
            "string ratio",
            "datetime as date",
            "naive datetime",
            "date as datetime",
            "number as text",
        ],
    )
    def test_rejects(self, unit: Unit, value: object) -> None:
        assert not accepts(unit, value)
