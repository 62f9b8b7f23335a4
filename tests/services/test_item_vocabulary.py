"""services.item.vocabulary: the configured names and ladder the item pages show."""

from __future__ import annotations

from sqlalchemy import Engine

from retaguarda.services import item as item_service
from retaguarda.services.uow import unit_of_work
from tests.builders import seed


def test_names_areas_and_case_types_and_gives_the_ladder_lowest_first(engine: Engine) -> None:
    seed(engine)
    with unit_of_work(engine) as conn:
        names = item_service.vocabulary(conn)
    assert names.areas["backoffice"] == "Back office"
    assert names.areas["finance"] == "Finance"
    assert names.case_types == {
        "invoice_dispute": "Invoice dispute",
        "delivery_missing": "Delivery not received",
        "refund_request": "Refund request",
    }
    assert names.ladder == (
        "first_level",
        "backoffice_l1",
        "backoffice_l2",
        "backoffice_l3",
        "pre_ombudsman",
        "ombudsman",
    )


def test_is_empty_before_any_configuration(engine: Engine) -> None:
    with unit_of_work(engine) as conn:
        names = item_service.vocabulary(conn)
    assert (names.areas, names.case_types, names.ladder) == ({}, {}, ())
