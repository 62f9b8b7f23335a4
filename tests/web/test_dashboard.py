"""The supervisor dashboard on both databases: figures hand-counted from items taken in
through the services, area scoping, the live fragment, filters, reassign and bulk moves.

The office (see `office`): back office has two invoice disputes (one received 30 days
ago, so its 5-business-day resolution clock is breached: overdue) and one missing
delivery at tier backoffice_l2; finance has one refund request received 30 days ago
(overdue). sofia supervises back office; ana and bruno work there, carla in finance.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from retaguarda import clock
from retaguarda.domain.item.model import Action, Outcome, Status, WorkItem
from retaguarda.services import config, intake
from retaguarda.services import item as item_service
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
from tests.builders import ADMIN, CRM, DATA, NOW
from tests.web.conftest import sign_in

Office = dict[str, int]


@pytest.fixture
def office(web: TestClient, engine: Engine) -> Office:
    """The items above, by name -> id (received through intake, as an integration)."""
    month_ago = clock.now() - timedelta(days=30)
    wanted = {
        "old_dispute": {"case_type": "invoice_dispute", "created_at": month_ago},
        "new_dispute": {"case_type": "invoice_dispute"},
        "delivery": {"case_type": "delivery_missing", "tier": "backoffice_l2"},
        "refund": {"case_type": "refund_request", "created_at": month_ago},
    }
    ids: Office = {}
    with unit_of_work(engine) as conn:
        config.apply(conn, (DATA / "sla-config.yaml").read_text(), source="sla", now=NOW)
        for name, fields in wanted.items():
            data = {"external_ref": f"WEB-{name}", "channel": "email", **fields}
            [result] = intake.intake(
                conn, [ItemInput.model_validate(data)], principal=CRM, now=clock.now()
            )
            assert result.status == "created", result
            assert result.item_id is not None
            ids[name] = result.item_id
    return ids


def figure(html: str, name: str) -> int:
    found = re.search(rf'data-figure="{name}">([\d.,]+)<', html)
    assert found, f"no figure {name!r} in the page"
    return int(found.group(1).replace(",", "").replace(".", ""))


def backlog(html: str) -> tuple[int, int, int]:
    return figure(html, "total"), figure(html, "current"), figure(html, "overdue")


def item(engine: Engine, item_id: int) -> WorkItem:
    with unit_of_work(engine) as conn:
        return item_service.get(conn, item_id, principal=ADMIN)


def act(engine: Engine, item_id: int, action: Action, **fields: object) -> None:
    with unit_of_work(engine) as conn:
        item_service.act(conn, item_id, action=action, principal=ADMIN, now=clock.now(), **fields)


class TestScope:
    def test_the_supervisor_sees_her_areas_figures_and_nothing_of_finance(
        self, web: TestClient, office: Office
    ) -> None:
        sign_in(web, "sofia")

        page = web.get("/dashboard")

        assert page.status_code == 200, page.text
        html = page.text
        assert backlog(html) == (3, 2, 1)
        assert (figure(html, "inflow"), figure(html, "outflow")) == (2, 0)
        # The overdue dispute heads the at-risk list; finance's refund is nowhere.
        risk = re.findall(r'<tr data-item="(\d+)">', html)
        assert risk[0] == str(office["old_dispute"])
        assert str(office["refund"]) not in risk
        assert f'href="/items/{office["refund"]}"' not in html
        assert f'id="pick-{office["delivery"]}"' in html
        # Filters and people list only back office.
        assert '<option value="backoffice"' in html
        assert '<option value="finance"' not in html
        assert 'data-agent="ana"' in html
        assert 'data-agent="bruno"' in html
        assert 'data-agent="carla"' not in html
        assert 'data-refresh-url="/dashboard/live" data-refresh-seconds="10"' in html

    def test_the_admin_sees_every_area(self, web: TestClient, office: Office) -> None:
        sign_in(web, "admin")

        html = web.get("/dashboard").text

        assert backlog(html) == (4, 2, 2)
        assert '<option value="finance"' in html
        assert f'<tr data-item="{office["refund"]}">' in html
        assert 'data-agent="carla"' in html

    @pytest.mark.parametrize("path", ["/dashboard", "/dashboard/live"])
    def test_a_specialist_is_not_allowed(self, web: TestClient, path: str) -> None:
        sign_in(web, "ana")

        response = web.get(path)

        assert response.status_code == 403
        assert "Not allowed" in response.text

    def test_signed_out_goes_to_sign_in(self, web: TestClient) -> None:
        response = web.get("/dashboard/live")

        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")

    @pytest.mark.usefixtures("office")
    def test_an_area_outside_hers_is_refused(self, web: TestClient) -> None:
        sign_in(web, "sofia")

        assert web.get("/dashboard", params={"area": "finance"}).status_code == 403
        assert web.get("/dashboard/live", params={"area": "finance"}).status_code == 403
        assert web.get("/dashboard", params={"tier": "nonsense"}).status_code == 422


class TestLive:
    def test_the_fragment_has_no_layout_and_follows_a_resolution(
        self, web: TestClient, engine: Engine, office: Office
    ) -> None:
        sign_in(web, "sofia")
        before = web.get("/dashboard/live")
        assert before.status_code == 200
        assert "<html" not in before.text
        assert "<nav" not in before.text
        assert "Refreshed at" in before.text
        assert backlog(before.text) == (3, 2, 1)

        act(engine, office["new_dispute"], Action.ASSIGN, assignee="ana")
        act(engine, office["new_dispute"], Action.START)
        working = web.get("/dashboard/live").text
        act(engine, office["new_dispute"], Action.RESOLVE, outcome=Outcome.SOLVED)
        after = web.get("/dashboard/live").text

        assert re.search(r'data-agent="ana">.*?data-figure="in_progress">1<', working, re.S)
        assert backlog(after) == (2, 1, 1)
        assert figure(after, "outflow") == 1
        assert re.search(r'data-agent="ana">.*?data-figure="resolved">1<', after, re.S)
        assert re.search(r'data-agent="ana">.*?data-figure="in_progress">0<', after, re.S)

    @pytest.mark.usefixtures("office")
    def test_the_page_holds_the_fragment_with_the_filters(self, web: TestClient) -> None:
        sign_in(web, "sofia")

        html = web.get("/dashboard", params={"case_type": "invoice_dispute"}).text

        assert 'data-refresh-url="/dashboard/live?case_type=invoice_dispute"' in html
        assert '<option value="invoice_dispute" selected>' in html

    @pytest.mark.usefixtures("office")
    def test_in_portuguese(self, web: TestClient) -> None:
        csrf = sign_in(web, "sofia")
        web.post("/language", data={"language": "pt-BR", "csrf_token": csrf, "back": "/"})

        html = web.get("/dashboard/live").text

        assert "Atualizado às" in html
        assert "Estoque agora" in html


class TestFilters:
    @pytest.mark.usefixtures("office")
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"case_type": "invoice_dispute"}, (2, 1, 1)),
            ({"case_type": "delivery_missing"}, (1, 1, 0)),
            ({"tier": "backoffice_l2"}, (1, 1, 0)),
            ({"tier": "backoffice_l1"}, (2, 1, 1)),
            ({"area": "backoffice"}, (3, 2, 1)),
        ],
    )
    def test_filters_narrow_the_figures(
        self, web: TestClient, params: dict[str, str], expected: tuple[int, ...]
    ) -> None:
        sign_in(web, "sofia")

        page = web.get("/dashboard", params=params)
        live = web.get("/dashboard/live", params=params)

        assert backlog(page.text) == expected
        assert backlog(live.text) == expected

    def test_the_admin_narrows_to_one_area(self, web: TestClient, office: Office) -> None:
        sign_in(web, "admin")

        html = web.get("/dashboard", params={"area": "finance"}).text

        assert backlog(html) == (1, 0, 1)
        assert f'id="pick-{office["refund"]}"' in html
        assert f'id="pick-{office["old_dispute"]}"' not in html
        assert 'data-agent="carla"' in html
        assert 'data-agent="ana"' not in html

    def test_the_tier_narrows_the_lists(self, web: TestClient, office: Office) -> None:
        sign_in(web, "sofia")

        html = web.get("/dashboard", params={"tier": "backoffice_l2"}).text

        assert f'id="pick-{office["delivery"]}"' in html
        assert f'id="pick-{office["old_dispute"]}"' not in html
        assert f'<tr data-item="{office["old_dispute"]}">' not in html


class TestMoves:
    def test_reassign_gives_the_item_to_the_specialist(
        self, web: TestClient, engine: Engine, office: Office
    ) -> None:
        csrf = sign_in(web, "sofia")

        response = web.post(
            "/dashboard/reassign",
            data={
                "item_id": str(office["old_dispute"]),
                "agent": "bruno",
                "case_type": "invoice_dispute",
                "csrf_token": csrf,
            },
        )

        assert response.status_code == 303
        location = response.headers["location"]
        assert location == "/dashboard?case_type=invoice_dispute&moved=1&skipped=0"
        moved = item(engine, office["old_dispute"])
        assert (moved.status, moved.assignee) == (Status.ASSIGNED, "bruno")
        assert "Items moved: 1." in web.get(location).text

    def test_bulk_move_to_a_specialist(
        self, web: TestClient, engine: Engine, office: Office
    ) -> None:
        csrf = sign_in(web, "sofia")
        act(engine, office["delivery"], Action.ASSIGN, assignee="ana")  # already hers
        picked = [office["old_dispute"], office["delivery"]]

        response = web.post(
            "/dashboard/move",
            data={"item_ids": [str(i) for i in picked], "target": "agent:ana", "csrf_token": csrf},
        )

        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/dashboard?moved=1&skipped=1"
        assert [item(engine, i).assignee for i in picked] == ["ana", "ana"]
        assert item(engine, office["new_dispute"]).assignee is None
        notice = web.get(response.headers["location"]).text
        assert "Items moved: 1. Left as they were: 1." in notice

    def test_bulk_move_to_another_area_and_back_to_the_queue(
        self, web: TestClient, engine: Engine, office: Office
    ) -> None:
        csrf = sign_in(web, "admin")
        act(engine, office["new_dispute"], Action.ASSIGN, assignee="ana")

        to_finance = web.post(
            "/dashboard/move",
            data={
                "item_ids": [str(office["delivery"])],
                "target": "area:finance",
                "csrf_token": csrf,
            },
        )
        to_queue = web.post(
            "/dashboard/move",
            data={"item_ids": [str(office["new_dispute"])], "target": "queue", "csrf_token": csrf},
        )

        assert (to_finance.status_code, to_queue.status_code) == (303, 303)
        assert item(engine, office["delivery"]).area == "finance"
        back = item(engine, office["new_dispute"])
        assert (back.status, back.assignee) == (Status.QUEUED, None)

    def test_a_post_without_the_csrf_token_is_refused_and_moves_nothing(
        self, web: TestClient, engine: Engine, office: Office
    ) -> None:
        sign_in(web, "sofia")

        bulk = web.post(
            "/dashboard/move",
            data={"item_ids": [str(office["old_dispute"])], "target": "agent:ana"},
        )
        one = web.post(
            "/dashboard/reassign", data={"item_id": str(office["old_dispute"]), "agent": "ana"}
        )

        assert (bulk.status_code, one.status_code) == (403, 403)
        assert item(engine, office["old_dispute"]).assignee is None

    def test_a_specialist_cannot_move(
        self, web: TestClient, engine: Engine, office: Office
    ) -> None:
        csrf = sign_in(web, "ana")

        response = web.post(
            "/dashboard/reassign",
            data={"item_id": str(office["old_dispute"]), "agent": "ana", "csrf_token": csrf},
        )

        assert response.status_code == 403
        assert item(engine, office["old_dispute"]).assignee is None

    def test_an_item_of_another_area_is_not_found_inline(
        self, web: TestClient, engine: Engine, office: Office
    ) -> None:
        csrf = sign_in(web, "sofia")

        response = web.post(
            "/dashboard/move",
            data={
                "item_ids": [str(office["old_dispute"]), str(office["refund"])],
                "target": "agent:ana",
                "csrf_token": csrf,
            },
        )

        assert response.status_code == 404
        assert re.search(
            r'class="error" role="alert">✖ Not moved: item \d+ not found', response.text
        )
        assert 'id="live"' in response.text  # the page again, not an error page
        assert item(engine, office["old_dispute"]).assignee is None

    def test_a_specialist_outside_the_area_leaves_the_item_alone(
        self, web: TestClient, engine: Engine, office: Office
    ) -> None:
        csrf = sign_in(web, "admin")

        response = web.post(
            "/dashboard/reassign",
            data={"item_id": str(office["old_dispute"]), "agent": "carla", "csrf_token": csrf},
        )

        assert response.status_code == 409
        assert "the specialist does not work in the item&#39;s area: 1" in response.text
        assert item(engine, office["old_dispute"]).assignee is None

    @pytest.mark.usefixtures("office")
    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"target": "agent:ana"}, "Tick at least one item."),
            ({"item_ids": ["abc"], "target": "agent:ana"}, "is not an item number."),
            ({"item_ids": ["1"], "target": ""}, "Choose where to move the items."),
        ],
    )
    def test_bad_input_is_written_beside_the_form(
        self, web: TestClient, data: dict[str, object], message: str
    ) -> None:
        csrf = sign_in(web, "sofia")

        response = web.post("/dashboard/move", data={**data, "csrf_token": csrf})

        assert response.status_code == 422
        assert message in response.text
        assert 'role="alert"' in response.text
