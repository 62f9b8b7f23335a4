"""The specialist's workspace through the app (SQLite and PostgreSQL): My items, Next,
the item page and its actions, refusals shown inline, CSRF, area scoping, pt-BR."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from retaguarda import clock
from retaguarda.domain.item.events import Event
from retaguarda.domain.item.model import Action, Status, WorkItem
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import agent as agent_service
from retaguarda.services import config
from retaguarda.services import item as item_service
from retaguarda.services.uow import unit_of_work
from retaguarda.web.i18n import Formats
from tests.builders import ADMIN, ANA, DATA, NOW
from tests.web.conftest import available, sign_in, take_in


@pytest.fixture(autouse=True)
def _sla(web: TestClient, engine: Engine) -> None:
    """The SLA policies of tests/data (invoice disputes: 5 business days), so items
    have clocks; the `web` fixture has seeded the catalog and the users."""
    with unit_of_work(engine) as conn:
        config.apply(conn, (DATA / "sla-config.yaml").read_text(), source="sla", now=NOW)


def admin_acts(engine: Engine, item_id: int, action: Action, **fields: Any) -> None:
    with unit_of_work(engine) as conn:
        item_service.act(conn, item_id, action=action, principal=ADMIN, now=clock.now(), **fields)


def stored(engine: Engine, item_id: int) -> tuple[WorkItem, list[Event]]:
    with unit_of_work(engine) as conn:
        return (
            item_service.get(conn, item_id, principal=ADMIN),
            item_service.events(conn, item_id, principal=ADMIN),
        )


def forms_of(html: str) -> set[str]:
    """The actions the page offers (the paths its forms post to)."""
    return set(re.findall(r'action="/items/\d+/actions/(\w+)"', html))


def post_action(web: TestClient, csrf: str, item_id: int, action: str, **fields: str) -> Any:
    return web.post(f"/items/{item_id}/actions/{action}", data={"csrf_token": csrf, **fields})


def timeline(html: str) -> str:
    found = re.search(r'<ol class="timeline" id="timeline">(.*?)</ol>', html, re.S)
    assert found
    return found.group(1)


def test_next_then_start_pend_on_area_resume_and_resolve(web: TestClient, engine: Engine) -> None:
    available(engine)
    item_id = take_in(engine, "INV-1")
    csrf = sign_in(web, "ana")

    taken = web.post("/work/next", data={"csrf_token": csrf})
    assert taken.status_code == 303
    assert taken.headers["location"] == f"/items/{item_id}"
    page = web.get(f"/items/{item_id}")
    assert page.status_code == 200
    assert "Dispute INV-1" in page.text
    assert "Maria Silva" in page.text
    assert "R$189.90" in page.text
    assert forms_of(page.text) == {"start", "escalate"}
    assert "on time" in page.text  # the resolution clock runs, far from its due

    assert post_action(web, csrf, item_id, "start").status_code == 303
    page = web.get(f"/items/{item_id}")
    assert "in progress" in page.text
    assert forms_of(page.text) == {"pend_customer", "pend_area", "resolve", "escalate"}
    assert stored(engine, item_id)[0].status is Status.IN_PROGRESS

    moved = post_action(
        web, csrf, item_id, "pend_area", area="finance", note="Refund approval needed"
    )
    assert moved.status_code == 303
    page = web.get(f"/items/{item_id}")
    assert "waiting on another area" in page.text
    assert "Note: Refund approval needed" in page.text
    assert "area agreement (OLA)" in page.text  # finance's OLA clock started
    item = stored(engine, item_id)[0]
    assert (item.status, item.pending_area) == (Status.PENDING_AREA, "finance")
    assert forms_of(page.text) == {"resume", "escalate"}

    assert post_action(web, csrf, item_id, "resume").status_code == 303
    assert stored(engine, item_id)[0].status is Status.IN_PROGRESS

    resolved = post_action(
        web, csrf, item_id, "resolve", reason="duplicate charge", outcome="unfounded"
    )
    assert resolved.status_code == 303
    item, events = stored(engine, item_id)
    assert (item.status, item.reason, item.outcome) == (
        Status.RESOLVED,
        "duplicate charge",
        "unfounded",
    )
    page = web.get(f"/items/{item_id}")
    assert "resolved" in page.text
    assert [e.type for e in events] == [
        "created",
        "assigned",
        "started",
        "pended_area",
        "resumed",
        "resolved",
    ]
    shown = timeline(page.text)
    for label in (
        "received",
        "assigned",
        "started",
        "waiting on another area",
        "resumed",
        "resolved",
    ):
        assert f"<strong>{label}</strong>" in shown
    assert "by ana" in shown
    assert "outcome: unfounded" in shown
    assert "Reason: duplicate charge" in shown
    # Nothing left for a specialist on a resolved item but escalation (the ombudsman).
    assert forms_of(page.text) == {"escalate"}


def test_an_illegal_action_is_not_offered_and_a_forged_one_changes_nothing(
    web: TestClient, engine: Engine
) -> None:
    item_id = take_in(engine, "INV-2")
    admin_acts(engine, item_id, Action.ASSIGN, assignee="ana")
    csrf = sign_in(web, "ana")
    assert "resolve" not in forms_of(web.get(f"/items/{item_id}").text)
    before = stored(engine, item_id)

    forged = post_action(web, csrf, item_id, "resolve", reason="gone", outcome="solved")
    assert forged.status_code == 409
    assert 'role="alert"' in forged.text
    assert "not possible in the item&#39;s current status" in forged.text
    assert "“Resolve” was not done." in forged.text
    assert forms_of(forged.text) == {"start", "escalate"}  # the page is whole again
    assert stored(engine, item_id) == before

    # A supervisor's action: refused for her role, shown inline too.
    refused = post_action(web, csrf, item_id, "cancel")
    assert refused.status_code == 403
    assert "Your role or your areas do not allow this." in refused.text
    assert stored(engine, item_id) == before


def test_a_refused_escalation_keeps_what_was_typed(web: TestClient, engine: Engine) -> None:
    item_id = take_in(engine, "INV-3")
    admin_acts(engine, item_id, Action.ASSIGN, assignee="ana")
    csrf = sign_in(web, "ana")
    answer = post_action(web, csrf, item_id, "escalate", reason="", note="Customer called twice")
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text
    assert "is required to escalate" in answer.text
    assert ">Customer called twice</textarea>" in answer.text
    assert stored(engine, item_id)[0].status is Status.ASSIGNED

    escalated = post_action(web, csrf, item_id, "escalate", reason="needs level 2", to_tier="")
    assert escalated.status_code == 303
    item = stored(engine, item_id)[0]
    assert (item.status, item.tier, item.assignee) == (Status.QUEUED, "backoffice_l2", None)


def test_an_action_without_the_csrf_token_is_refused(web: TestClient, engine: Engine) -> None:
    item_id = take_in(engine, "INV-4")
    admin_acts(engine, item_id, Action.ASSIGN, assignee="ana")
    sign_in(web, "ana")
    before = stored(engine, item_id)
    refused = web.post(f"/items/{item_id}/actions/start", data={})
    assert refused.status_code == 403
    assert "Form refused" in refused.text
    assert stored(engine, item_id) == before
    wrong = web.post(f"/items/{item_id}/actions/start", data={"csrf_token": "forged"})
    assert wrong.status_code == 403
    assert stored(engine, item_id) == before


def test_a_specialist_of_another_area_gets_not_found(web: TestClient, engine: Engine) -> None:
    item_id = take_in(engine, "INV-5")
    admin_acts(engine, item_id, Action.ASSIGN, assignee="ana")
    csrf = sign_in(web, "carla")
    page = web.get(f"/items/{item_id}")
    assert page.status_code == 404
    assert "Dispute INV-5" not in page.text
    forged = post_action(web, csrf, item_id, "start")
    assert forged.status_code == 404
    assert stored(engine, item_id)[0].status is Status.ASSIGNED
    # Her own area's items open (and ana's scoped page does not list them).
    own = take_in(engine, "REF-1", case_type="refund_request", customer={"external_id": "C-9"})
    assert web.get(f"/items/{own}").status_code == 200


def test_my_items_lists_mine_worst_first_with_words_and_symbols(
    web: TestClient, engine: Engine
) -> None:
    fresh = take_in(engine, "INV-FRESH")
    late = take_in(engine, "INV-LATE", ago=timedelta(days=60))
    someone_elses = take_in(engine, "INV-BRUNO")
    for item_id in (fresh, late):
        admin_acts(engine, item_id, Action.ASSIGN, assignee="ana")
    admin_acts(engine, someone_elses, Action.ASSIGN, assignee="bruno")
    sign_in(web, "ana")

    page = web.get("/work")
    assert page.status_code == 200
    html = page.text
    assert "Assigned to me: 2" in html
    assert "INV-BRUNO" not in html
    assert html.index("INV-LATE") < html.index("INV-FRESH")  # worst first
    assert "✖ overdue" in html
    assert "✓ on time" in html
    assert "\u2212" in html  # the late one's time left is negative
    assert 'action="/work/next"' in html
    assert "You are offline." in html


def test_next_with_nothing_waiting_and_while_offline(web: TestClient, engine: Engine) -> None:
    csrf = sign_in(web, "ana")
    offline = web.post("/work/next", data={"csrf_token": csrf})
    assert offline.status_code == 409
    assert "You cannot take an item now." in offline.text
    assert 'role="alert"' in offline.text

    chosen = web.post("/work/presence", data={"csrf_token": csrf, "status": "available"})
    assert chosen.status_code == 303
    with unit_of_work(engine) as conn:
        assert agent_service.presence(conn, "ana", principal=ANA).status is Presence.AVAILABLE
    nothing = web.post("/work/next", data={"csrf_token": csrf})
    assert nothing.status_code == 303
    assert nothing.headers["location"] == "/work?notice=nothing"
    assert "Nothing to take now." in web.get(nothing.headers["location"]).text


def test_the_customers_other_items_are_listed(web: TestClient, engine: Engine) -> None:
    earlier = take_in(engine, "INV-OLD", ago=timedelta(days=3))
    item_id = take_in(engine, "INV-NEW")
    admin_acts(engine, item_id, Action.ASSIGN, assignee="ana")
    sign_in(web, "ana")
    html = web.get(f"/items/{item_id}").text
    assert f'href="/items/{earlier}"' in html
    assert "No other items of this customer" not in html


def test_a_supervisor_without_an_agent_is_sent_to_the_dashboard(web: TestClient) -> None:
    csrf = sign_in(web, "sofia")
    page = web.get("/work")
    assert page.status_code == 404
    assert 'href="/dashboard"' in page.text
    assert web.post("/work/next", data={"csrf_token": csrf}).status_code == 404


def test_the_item_page_in_portuguese(web: TestClient, engine: Engine) -> None:
    item_id = take_in(engine, "INV-PT")
    admin_acts(engine, item_id, Action.ASSIGN, assignee="ana")
    admin_acts(engine, item_id, Action.START)
    csrf = sign_in(web, "ana")
    web.post("/language", data={"csrf_token": csrf, "language": "pt-BR"})
    html = web.get(f"/items/{item_id}").text
    assert 'lang="pt-BR"' in html
    for words in (
        "em andamento",
        "Aguardar outra área",
        "Resolver",
        "Linha do tempo",
        "Prazos de SLA",
        "no prazo",
        "Observação",
    ):
        assert words in html, words
    assert "R$\xa0189,90" in html
    my_items = web.get("/work").text
    assert "Meus itens" in my_items
    assert "Próximo" in my_items


def test_events_shown_are_the_stored_ones(engine: Engine, web: TestClient) -> None:
    """The item page's timeline is the event log: a note given through the services shows."""
    item_id = take_in(engine, "INV-NOTE")
    admin_acts(engine, item_id, Action.ASSIGN, assignee="ana")
    admin_acts(engine, item_id, Action.START)
    admin_acts(engine, item_id, Action.PEND_CUSTOMER, note="Asked for the invoice copy")
    sign_in(web, "ana")
    html = web.get(f"/items/{item_id}").text
    assert "Note: Asked for the invoice copy" in timeline(html)
    assert "by admin" in timeline(html)
    assert "⏸ paused" in html  # invoice disputes pause on the customer


def test_business_time_is_counted_in_hours() -> None:
    business_time = Formats("en", ZoneInfo("UTC")).business_duration
    # 33 h 05 min 59 s: whole minutes, and 33 hours stay hours (not "1 d 9 h").
    assert business_time(33 * 3600 + 5 * 60 + 59) == "33 h 05 min"
    assert business_time(-40 * 60) == "\u221240 min"
    assert business_time(None) == "\u2014"


def test_escalation_is_not_offered_at_the_top_of_the_ladder(
    web: TestClient, engine: Engine
) -> None:
    top = take_in(engine, "INV-TOP", tier="ombudsman")
    admin_acts(engine, top, Action.ASSIGN, assignee="ana")
    sign_in(web, "ana")
    assert forms_of(web.get(f"/items/{top}").text) == {"start"}
