"""The configured vocabulary: coherence checks with exact paths, and idempotent merging."""

from __future__ import annotations

from dataclasses import replace

import pytest

from retaguarda.domain.catalog import (
    Agent,
    Area,
    CaseType,
    Catalog,
    Change,
    Problem,
    Role,
    User,
    check,
    merge,
)

LADDER = (
    "first_level",
    "backoffice_l1",
    "backoffice_l2",
    "backoffice_l3",
    "pre_ombudsman",
    "ombudsman",
)

# The example configuration of issue 2, as the services hand it to the domain.
EXAMPLE = Catalog(
    areas=(
        Area("backoffice", "Back office"),
        Area("finance", "Finance"),
        Area("logistics", "Logistics"),
        Area("ombudsman", "Ombudsman"),
    ),
    tiers=LADDER,
    skills=("billing", "logistics", "fraud", "ombudsman"),
    case_types=(
        CaseType(
            "invoice_dispute", "Invoice dispute", "backoffice", "backoffice_l1", ("billing",), 25
        ),
        CaseType(
            "delivery_missing",
            "Delivery not received",
            "backoffice",
            "backoffice_l1",
            ("logistics",),
            15,
        ),
    ),
    agents=(
        Agent(
            "ana",
            "Ana Souza",
            areas=("backoffice",),
            tiers=("backoffice_l1", "backoffice_l2"),
            skills={"billing": 3, "logistics": 2},
            capacity=3,
        ),
    ),
    users=(
        User("admin", Role.ADMIN),
        User("ana", Role.SPECIALIST, agent="ana", areas=("backoffice",)),
        User("crm", Role.INTEGRATION),
    ),
)


def paths(problems: list[Problem]) -> list[str]:
    return [p.path for p in problems]


class TestCheck:
    def test_accepts_the_example_configuration(self) -> None:
        assert check(EXAMPLE) == []

    def test_accepts_an_empty_catalog(self) -> None:
        assert check(Catalog()) == []

    @pytest.mark.parametrize(
        ("catalog", "path", "message"),
        [
            (
                Catalog(areas=(Area("Back Office", "Back office"),)),
                "areas[0].key",
                "'Back Office' is not a key (lowercase letters, digits, _)",
            ),
            (
                Catalog(tiers=("first_level", "L2")),
                "tiers[1]",
                "'L2' is not a key (lowercase letters, digits, _)",
            ),
            (
                Catalog(skills=("1st_skill",)),
                "skills[0]",
                "'1st_skill' is not a key (lowercase letters, digits, _)",
            ),
            (
                Catalog(agents=(Agent("ana-souza", "Ana"),)),
                "agents[0].key",
                "'ana-souza' is not a key (lowercase letters, digits, _)",
            ),
            (
                Catalog(areas=(Area("a" * 65, "Too long"),)),
                "areas[0].key",
                f"{'a' * 65!r} is not a key (lowercase letters, digits, _)",
            ),
        ],
        ids=["area with capitals and space", "tier in capitals", "skill led by digit",
             "agent with hyphen", "area key of 65 chars"],
    )  # fmt: skip
    def test_reports_a_bad_key_at_its_path(self, catalog: Catalog, path: str, message: str) -> None:
        assert check(catalog) == [Problem(path, message)]

    def test_accepts_a_key_of_64_chars(self) -> None:
        assert check(Catalog(areas=(Area("a" * 64, "Long"),))) == []

    def test_user_names_are_not_held_to_the_key_pattern(self) -> None:
        assert check(Catalog(users=(User("Maria Lima", Role.ADMIN),))) == []

    def test_reports_duplicates_at_the_second_occurrence(self) -> None:
        catalog = Catalog(
            areas=(Area("finance", "Finance"), Area("backoffice", "BO"), Area("finance", "Fin")),
            tiers=("l1", "l1"),
            skills=("billing", "billing"),
            users=(User("admin", Role.ADMIN), User("admin", Role.SUPERVISOR)),
        )

        assert check(catalog) == [
            Problem("areas[2].key", "duplicate 'finance'"),
            Problem("tiers[1]", "duplicate 'l1'"),
            Problem("skills[1]", "duplicate 'billing'"),
            Problem("users[1].name", "duplicate 'admin'"),
        ]

    def test_reports_every_dangling_reference_with_its_exact_path(self) -> None:
        catalog = replace(
            EXAMPLE,
            case_types=(
                EXAMPLE.case_types[0],
                CaseType("refund", "Refund", "treasury", "l9", ("billing", "tarot")),
            ),
            agents=(Agent("bruno", "Bruno", areas=("sales",), tiers=("l0",), skills={"magic": 2}),),
            users=(User("bia", Role.SUPERVISOR, agent="nobody", areas=("marketing",)),),
        )

        assert check(catalog) == [
            Problem("case_types[1].area", "unknown area 'treasury'"),
            Problem("case_types[1].tier", "unknown tier 'l9'"),
            Problem("case_types[1].skills", "unknown skill 'tarot'"),
            Problem("agents[0].areas", "unknown area 'sales'"),
            Problem("agents[0].tiers", "unknown tier 'l0'"),
            Problem("agents[0].skills", "unknown skill 'magic'"),
            Problem("users[0].areas", "unknown area 'marketing'"),
            Problem("users[0].agent", "unknown agent 'nobody'"),
        ]

    def test_refuses_a_specialist_without_an_agent(self) -> None:
        catalog = replace(EXAMPLE, users=(User("bia", Role.SPECIALIST, areas=("finance",)),))

        assert check(catalog) == [
            Problem("users[0].agent", "a specialist must be linked to an agent")
        ]

    @pytest.mark.parametrize(
        ("level", "is_ok"),
        [(0, False), (1, True), (5, True), (6, False)],
        ids=["0 is below the range", "1 is the lowest", "5 is the highest", "6 is above"],
    )
    def test_proficiency_is_1_to_5(self, level: int, is_ok: bool) -> None:
        catalog = replace(
            EXAMPLE, agents=(Agent("ana", "Ana", skills={"billing": level}, capacity=1),)
        )

        expected = (
            [] if is_ok else [Problem("agents[0].skills.billing", "proficiency must be 1 to 5")]
        )
        assert check(catalog) == expected

    def test_capacity_must_be_at_least_1(self) -> None:
        catalog = replace(EXAMPLE, agents=(Agent("ana", "Ana", capacity=0),))

        assert check(catalog) == [Problem("agents[0].capacity", "must be at least 1")]

    @pytest.mark.parametrize("minutes", [0, -5], ids=["zero", "negative"])
    def test_expected_handling_minutes_must_be_positive(self, minutes: int) -> None:
        catalog = replace(
            EXAMPLE,
            case_types=(CaseType("refund", "Refund", "finance", "first_level", (), minutes),),
        )

        assert check(catalog) == [
            Problem("case_types[0].expected_handling_minutes", "must be positive")
        ]

    def test_refuses_removing_an_existing_tier(self) -> None:
        existing = Catalog(tiers=("first_level", "backoffice", "ombudsman"))

        problems = check(Catalog(tiers=("first_level", "ombudsman")), existing=existing)

        assert problems == [
            Problem("tiers", "tier 'backoffice' exists and cannot be removed from the ladder")
        ]

    def test_a_file_without_tiers_keeps_the_existing_ladder(self) -> None:
        existing = Catalog(tiers=("first_level", "backoffice", "ombudsman"))

        assert check(Catalog(), existing=existing) == []

    def test_references_resolve_against_what_is_stored(self) -> None:
        incoming = Catalog(
            case_types=(
                CaseType("chargeback", "Chargeback", "finance", "backoffice_l2", ("fraud",)),
            ),
            users=(User("ana", Role.SPECIALIST, agent="ana", areas=("backoffice",)),),
        )

        assert check(incoming, existing=EXAMPLE) == []

    def test_reference_paths_are_positions_in_the_incoming_file(self) -> None:
        incoming = Catalog(
            case_types=(
                CaseType("chargeback", "Chargeback", "finance", "backoffice_l2"),
                CaseType("theft", "Theft", "police", "backoffice_l2"),
            ),
        )

        assert check(incoming, existing=EXAMPLE) == [
            Problem("case_types[1].area", "unknown area 'police'")
        ]


class TestMerge:
    def test_into_an_empty_catalog_creates_everything_in_file_order(self) -> None:
        small = Catalog(
            areas=(Area("finance", "Finance"),),
            tiers=("first_level", "ombudsman"),
            skills=("billing",),
            agents=(Agent("ana", "Ana"),),
            users=(User("admin", Role.ADMIN),),
        )

        merged, changes = merge(Catalog(), small)

        assert merged == small
        assert changes == [
            Change("tiers", "first_level", "created"),
            Change("tiers", "ombudsman", "created"),
            Change("skills", "billing", "created"),
            Change("areas", "finance", "created"),
            Change("agents", "ana", "created"),
            Change("users", "admin", "created"),
        ]

    def test_reports_created_and_updated_but_not_unchanged_entries(self) -> None:
        incoming = Catalog(
            areas=(
                Area("backoffice", "Back office"),  # unchanged
                Area("finance", "Finance & Billing"),  # renamed
                Area("legal", "Legal"),  # new
            ),
        )

        merged, changes = merge(EXAMPLE, incoming)

        assert changes == [
            Change("areas", "finance", "updated"),
            Change("areas", "legal", "created"),
        ]
        assert [a.key for a in merged.areas] == [
            "backoffice",
            "finance",
            "logistics",
            "ombudsman",
            "legal",
        ]
        assert merged.areas[1] == Area("finance", "Finance & Billing")

    def test_keeps_entries_the_file_does_not_name(self) -> None:
        merged, changes = merge(EXAMPLE, Catalog(skills=("billing",)))

        assert merged == EXAMPLE
        assert changes == []

    def test_updates_an_agent_whose_skills_changed(self) -> None:
        ana = replace(EXAMPLE.agents[0], skills={"billing": 4, "logistics": 2})

        merged, changes = merge(EXAMPLE, Catalog(agents=(ana,)))

        assert changes == [Change("agents", "ana", "updated")]
        assert merged.agents == (ana,)

    def test_appends_new_skills_after_the_existing_ones(self) -> None:
        merged, changes = merge(EXAMPLE, Catalog(skills=("refunds", "billing", "chargeback")))

        assert merged.skills == (
            "billing",
            "logistics",
            "fraud",
            "ombudsman",
            "refunds",
            "chargeback",
        )
        assert changes == [
            Change("skills", "refunds", "created"),
            Change("skills", "chargeback", "created"),
        ]

    def test_extending_the_ladder_reports_only_the_new_tier(self) -> None:
        current = Catalog(tiers=("first_level", "backoffice"))

        merged, changes = merge(current, Catalog(tiers=("first_level", "backoffice", "ombudsman")))

        assert merged.tiers == ("first_level", "backoffice", "ombudsman")
        assert changes == [Change("tiers", "ombudsman", "created")]

    def test_reordering_the_ladder_is_reported(self) -> None:
        current = Catalog(tiers=("first_level", "backoffice", "ombudsman"))

        merged, changes = merge(current, Catalog(tiers=("backoffice", "first_level", "ombudsman")))

        assert merged.tiers == ("backoffice", "first_level", "ombudsman")
        assert changes == [Change("tiers", "ladder", "updated")]

    def test_inserting_a_tier_in_the_middle_is_a_creation_not_a_reorder(self) -> None:
        current = Catalog(tiers=("first_level", "ombudsman"))

        _, changes = merge(current, Catalog(tiers=("first_level", "backoffice", "ombudsman")))

        assert changes == [Change("tiers", "backoffice", "created")]

    def test_the_same_ladder_again_changes_nothing(self) -> None:
        _, changes = merge(EXAMPLE, Catalog(tiers=LADDER))

        assert changes == []

    @pytest.mark.parametrize(
        "incoming",
        [
            EXAMPLE,
            Catalog(
                areas=(Area("finance", "Finance & Billing"), Area("legal", "Legal")),
                tiers=(*LADDER[:2], "backoffice_l1_5", *LADDER[2:]),
                skills=("chargeback",),
                agents=(Agent("bruno", "Bruno", areas=("finance",), capacity=2),),
                users=(User("bruno", Role.SPECIALIST, agent="bruno", areas=("finance",)),),
            ),
            Catalog(tiers=tuple(reversed(LADDER))),
        ],
        ids=["the example itself", "a file touching every section", "a reversed ladder"],
    )
    def test_is_idempotent(self, incoming: Catalog) -> None:
        once, _ = merge(EXAMPLE, incoming)

        twice, changes = merge(once, incoming)

        assert changes == []
        assert twice == once
