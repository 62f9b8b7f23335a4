"""Who may see and do what: roles against actions, own items, area scoping."""

from __future__ import annotations

import pytest

from retaguarda.domain.access import (
    Principal,
    can_see,
    require_absence_reader,
    require_absence_writer,
    require_action,
    require_any_role,
    require_area,
    require_feedback,
    visible_areas,
)
from retaguarda.domain.catalog import Agent, Role
from retaguarda.domain.errors import Forbidden
from retaguarda.domain.item.model import Action, Status
from tests.domain.builders import item

A = Action

ADMIN = Principal("admin", Role.ADMIN)
CRM = Principal("crm", Role.INTEGRATION)
SOFIA = Principal("sofia", Role.SUPERVISOR, areas=("backoffice",))
ANA = Principal("ana", Role.SPECIALIST, agent="ana", areas=("backoffice",))
BRUNO = Principal("bruno", Role.SPECIALIST, agent="bruno", areas=("backoffice",))
CARLA = Principal("carla", Role.SPECIALIST, agent="carla", areas=("finance",))

ANAS_ITEM = item(Status.IN_PROGRESS)  # area backoffice, assigned to ana
UNASSIGNED = item(Status.QUEUED)  # area backoffice, nobody on it
FINANCE_ITEM = item(Status.QUEUED, area="finance")

# What a specialist may do on an item assigned to them (written out, not imported).
SPECIALIST_ON_OWN_ITEM = {
    A.QUEUE: False,
    A.ASSIGN: True,  # to themselves only, see TestSpecialistAssign
    A.UNASSIGN: True,
    A.START: True,
    A.PEND_CUSTOMER: True,
    A.PEND_AREA: True,
    A.RESUME: True,
    A.RESOLVE: True,
    A.REOPEN: False,
    A.ESCALATE: True,
    A.TRANSFER: False,  # another area's queue: a supervisor's call
    A.CANCEL: False,
    A.CLOSE: False,
}


def _assignee_for(action: Action, principal: Principal) -> str | None:
    return principal.agent if action is A.ASSIGN else None


class TestUnscopedRoles:
    @pytest.mark.parametrize("principal", [ADMIN, CRM], ids=["admin", "integration"])
    @pytest.mark.parametrize("action", list(Action), ids=str)
    def test_may_do_every_action_in_every_area(self, principal: Principal, action: Action) -> None:
        for target in (ANAS_ITEM, UNASSIGNED, FINANCE_ITEM):
            require_action(principal, target, action, assignee="bruno")

    @pytest.mark.parametrize("principal", [ADMIN, CRM], ids=["admin", "integration"])
    def test_see_all_areas_and_may_backdate(self, principal: Principal) -> None:
        assert visible_areas(principal) is None
        assert can_see(principal, "anything")
        assert principal.is_unscoped
        assert principal.may_backdate


class TestSupervisor:
    @pytest.mark.parametrize("action", list(Action), ids=str)
    def test_may_do_every_action_on_any_item_of_their_areas(self, action: Action) -> None:
        for target in (ANAS_ITEM, UNASSIGNED):
            require_action(SOFIA, target, action, assignee="bruno")

    @pytest.mark.parametrize("action", list(Action), ids=str)
    def test_may_not_act_outside_their_areas(self, action: Action) -> None:
        with pytest.raises(Forbidden) as caught:
            require_action(SOFIA, FINANCE_ITEM, action, assignee=None)

        assert caught.value.field == "area"
        assert caught.value.message == "user 'sofia' may not act on area 'finance'"

    def test_sees_only_their_areas_and_may_not_backdate(self) -> None:
        assert visible_areas(SOFIA) == ("backoffice",)
        assert not SOFIA.is_unscoped
        assert not SOFIA.may_backdate


class TestSpecialistOwnItems:
    @pytest.mark.parametrize(
        "action", [a for a, ok in SPECIALIST_ON_OWN_ITEM.items() if ok], ids=str
    )
    def test_may_work_their_own_item(self, action: Action) -> None:
        require_action(ANA, ANAS_ITEM, action, assignee=_assignee_for(action, ANA))

    @pytest.mark.parametrize(
        "action", [a for a, ok in SPECIALIST_ON_OWN_ITEM.items() if not ok], ids=str
    )
    def test_needs_a_supervisor_for(self, action: Action) -> None:
        with pytest.raises(Forbidden) as caught:
            require_action(ANA, ANAS_ITEM, action, assignee=None)

        assert caught.value.field == "action"
        assert caught.value.message == f"action {action.value!r} needs a supervisor"

    @pytest.mark.parametrize(
        "action", [a for a, ok in SPECIALIST_ON_OWN_ITEM.items() if ok and a is not A.ASSIGN],
        ids=str,
    )  # fmt: skip
    def test_may_not_work_someone_elses_item(self, action: Action) -> None:
        with pytest.raises(Forbidden) as caught:
            require_action(BRUNO, ANAS_ITEM, action, assignee=None)

        assert caught.value.field == "action"
        assert caught.value.message == "a specialist may act only on items assigned to them"

    @pytest.mark.parametrize("action", [A.START, A.ESCALATE, A.RESOLVE], ids=str)
    def test_may_not_work_an_unassigned_item_without_taking_it(self, action: Action) -> None:
        with pytest.raises(Forbidden):
            require_action(ANA, UNASSIGNED, action, assignee=None)

    def test_covers_every_action(self) -> None:
        assert set(SPECIALIST_ON_OWN_ITEM) == set(Action)


class TestSpecialistAssign:
    def test_may_take_an_unassigned_item(self) -> None:
        require_action(ANA, UNASSIGNED, A.ASSIGN, assignee="ana")

    def test_may_assign_their_own_item_to_themselves_again(self) -> None:
        require_action(ANA, ANAS_ITEM, A.ASSIGN, assignee="ana")

    def test_may_not_assign_to_someone_else(self) -> None:
        with pytest.raises(Forbidden) as caught:
            require_action(ANA, UNASSIGNED, A.ASSIGN, assignee="bruno")

        assert caught.value.field == "assignee"
        assert caught.value.message == "a specialist may assign an item only to themselves"

    def test_may_not_take_an_item_assigned_to_someone_else(self) -> None:
        with pytest.raises(Forbidden) as caught:
            require_action(BRUNO, ANAS_ITEM, A.ASSIGN, assignee="bruno")

        assert caught.value.field == "action"
        assert caught.value.message == "the item is assigned to someone else; ask a supervisor"


class TestSpecialistWithoutAgent:
    """A specialist not linked to an agent owns no item (config refuses such users;
    this guards the rule itself, should one reach the domain anyway)."""

    UNLINKED = Principal("zoe", Role.SPECIALIST, agent=None, areas=("backoffice",))

    @pytest.mark.parametrize("action", [A.ESCALATE, A.ASSIGN, A.START], ids=str)
    def test_may_not_act_on_an_unassigned_item(self, action: Action) -> None:
        with pytest.raises(Forbidden) as caught:
            require_action(self.UNLINKED, UNASSIGNED, action, assignee=None)

        assert caught.value.field == "action"
        assert caught.value.message == "a specialist must be linked to an agent to act on items"


class TestAreaScoping:
    def test_specialist_outside_their_area_is_refused_before_the_role_check(self) -> None:
        with pytest.raises(Forbidden) as caught:
            require_action(ANA, FINANCE_ITEM, A.ASSIGN, assignee="ana")

        assert caught.value.field == "area"

    def test_specialist_sees_only_their_areas(self) -> None:
        assert visible_areas(CARLA) == ("finance",)
        assert can_see(CARLA, "finance")
        assert not can_see(CARLA, "backoffice")
        assert not CARLA.may_backdate

    def test_require_area_names_the_given_field(self) -> None:
        with pytest.raises(Forbidden) as caught:
            require_area(ANA, "finance", field="pending_area")

        assert caught.value.field == "pending_area"

    def test_require_area_passes_inside_the_callers_areas(self) -> None:
        require_area(ANA, "backoffice")

    def test_a_user_without_areas_sees_nothing(self) -> None:
        nobody = Principal("new_hire", Role.SUPERVISOR)

        assert visible_areas(nobody) == ()
        assert not can_see(nobody, "backoffice")


class TestRequireAnyRole:
    def test_passes_for_a_listed_role(self) -> None:
        require_any_role(ADMIN, [Role.ADMIN, Role.SUPERVISOR], what="config apply")

    def test_refuses_other_roles_naming_what_and_the_roles(self) -> None:
        with pytest.raises(Forbidden) as caught:
            require_any_role(ANA, [Role.ADMIN, Role.SUPERVISOR], what="config apply")

        assert caught.value.message == "config apply needs role admin or supervisor"

    def test_names_the_roles_when_given_a_one_shot_iterator(self) -> None:
        with pytest.raises(Forbidden) as caught:
            require_any_role(ANA, iter([Role.ADMIN, Role.SUPERVISOR]), what="config apply")

        assert caught.value.message == "config apply needs role admin or supervisor"

    def test_passes_for_a_listed_role_given_as_a_one_shot_iterator(self) -> None:
        require_any_role(SOFIA, iter([Role.ADMIN, Role.SUPERVISOR]), what="config apply")


RESOLVED_OF_ANA = item(Status.RESOLVED)  # area backoffice, assigned to ana
RESOLVED_IN_FINANCE = item(Status.RESOLVED, area="finance", assignee="carla")


class TestFeedback:
    """Recording a customer's satisfaction answer: whoever may act on the item."""

    @pytest.mark.parametrize("principal", [ADMIN, CRM, SOFIA, ANA], ids=lambda p: p.name)
    def test_may_record_on_a_resolved_item_of_ana(self, principal: Principal) -> None:
        require_feedback(principal, RESOLVED_OF_ANA)

    def test_unscoped_roles_anywhere(self) -> None:
        require_feedback(CRM, RESOLVED_IN_FINANCE)
        require_feedback(ADMIN, RESOLVED_IN_FINANCE)

    def test_a_supervisor_only_in_their_areas(self) -> None:
        with pytest.raises(Forbidden) as caught:
            require_feedback(SOFIA, RESOLVED_IN_FINANCE)
        assert caught.value.field == "area"

    def test_a_specialist_only_on_their_own_item(self) -> None:
        with pytest.raises(Forbidden):
            require_feedback(BRUNO, RESOLVED_OF_ANA)
        with pytest.raises(Forbidden):
            require_feedback(ANA, item(Status.RESOLVED, assignee=None))
        unlinked = Principal("ghost", Role.SPECIALIST, areas=("backoffice",))
        with pytest.raises(Forbidden):
            require_feedback(unlinked, item(Status.RESOLVED, assignee=None))


AGENT_ANA = Agent("ana", "Ana", areas=("backoffice",), tiers=("backoffice_l1",))
AGENT_CARLA = Agent("carla", "Carla", areas=("finance",), tiers=("backoffice_l1",))


class TestAbsences:
    """Planned absences: admins and supervisors of the agent's areas write; the agent reads."""

    @pytest.mark.parametrize("principal", [ADMIN, SOFIA], ids=lambda p: p.name)
    def test_admins_and_the_agents_supervisors_write_and_read(self, principal: Principal) -> None:
        require_absence_writer(principal, AGENT_ANA)
        require_absence_reader(principal, AGENT_ANA)

    def test_a_supervisor_of_other_areas_neither_writes_nor_reads(self) -> None:
        for check in (require_absence_writer, require_absence_reader):
            with pytest.raises(Forbidden) as caught:
                check(SOFIA, AGENT_CARLA)
            assert caught.value.field == "agent"

    def test_the_agent_reads_their_own_but_does_not_write(self) -> None:
        require_absence_reader(ANA, AGENT_ANA)
        with pytest.raises(Forbidden) as caught:
            require_absence_writer(ANA, AGENT_ANA)
        assert caught.value.field is None

    def test_a_specialist_does_not_read_someone_elses(self) -> None:
        with pytest.raises(Forbidden) as caught:
            require_absence_reader(BRUNO, AGENT_ANA)
        assert caught.value.field == "agent"

    def test_integrations_neither_write_nor_read(self) -> None:
        for check in (require_absence_writer, require_absence_reader):
            with pytest.raises(Forbidden):
                check(CRM, AGENT_ANA)
