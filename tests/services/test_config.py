"""services.config on every test database: apply (idempotent, all or nothing) and export."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine

from retaguarda.domain.catalog import Agent, Area, CaseType, Catalog, Change, Role, User
from retaguarda.services import config
from retaguarda.services.config import InvalidConfig
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.repos import catalog as catalog_repo
from tests.builders import NOW, seed

DATA = Path(__file__).parent.parent / "data"
EXAMPLE = (DATA / "example-config.yaml").read_text()
EXTRA = (DATA / "extra-config.yaml").read_text()


def apply(engine: Engine, text: str, source: str = "office.yaml") -> list[Change]:
    with unit_of_work(engine) as conn:
        return config.apply(conn, text, source=source, now=NOW)


def load(engine: Engine) -> Catalog:
    with engine.connect() as conn:
        return catalog_repo.load(conn)


def export(engine: Engine) -> str:
    with engine.connect() as conn:
        return config.export(conn)


def rejected(engine: Engine, text: str, source: str = "office.yaml") -> list[str]:
    """The error lines of a file that must be refused."""
    with pytest.raises(InvalidConfig) as caught:
        apply(engine, text, source)
    assert caught.value.source == source
    assert caught.value.code == "InvalidConfig"
    return caught.value.lines()


class TestApply:
    def test_the_example_of_the_issue_is_accepted_as_it_is(self, engine: Engine) -> None:
        changes = apply(engine, EXAMPLE)

        # 4 areas + 6 tiers + 4 skills + 2 case types + 1 agent + 3 users = 20 creations.
        assert len(changes) == 20
        assert {c.kind for c in changes} == {"created"}
        assert [(c.section, c.key) for c in changes if c.section in ("areas", "users")] == [
            ("areas", "backoffice"),
            ("areas", "finance"),
            ("areas", "logistics"),
            ("areas", "ombudsman"),
            ("users", "admin"),
            ("users", "ana"),
            ("users", "crm"),
        ]
        catalog = load(engine)
        assert catalog.tiers == (
            "first_level",
            "backoffice_l1",
            "backoffice_l2",
            "backoffice_l3",
            "pre_ombudsman",
            "ombudsman",
        )
        assert catalog.skills == ("billing", "fraud", "logistics", "ombudsman")
        assert catalog.areas[1] == Area("finance", "Finance")
        assert catalog.case_types[0] == CaseType(
            key="delivery_missing",
            name="Delivery not received",
            area="backoffice",
            tier="backoffice_l1",
            skills=("logistics",),
            expected_handling_minutes=15,
        )
        assert catalog.agents == (
            Agent(
                key="ana",
                name="Ana Souza",
                areas=("backoffice",),
                tiers=("backoffice_l1", "backoffice_l2"),
                skills={"billing": 3, "logistics": 2},
                capacity=3,
            ),
        )
        assert catalog.users == (
            User("admin", Role.ADMIN),
            User("ana", Role.SPECIALIST, agent="ana", areas=("backoffice",)),
            User("crm", Role.INTEGRATION),
        )

    def test_applying_twice_changes_nothing(self, engine: Engine) -> None:
        apply(engine, EXAMPLE)
        before = load(engine)

        assert apply(engine, EXAMPLE) == []
        assert load(engine) == before

    def test_a_second_file_adds_to_the_first(self, engine: Engine) -> None:
        apply(engine, EXAMPLE)

        changes = apply(engine, EXTRA)

        assert [(c.section, c.key, c.kind) for c in changes] == [
            ("case_types", "refund_request", "created"),
            ("agents", "bruno", "created"),
            ("agents", "carla", "created"),
            ("users", "bruno", "created"),
            ("users", "carla", "created"),
            ("users", "sofia", "created"),
        ]
        catalog = load(engine)
        assert [u.name for u in catalog.users] == ["admin", "ana", "bruno", "carla", "crm", "sofia"]
        assert len(catalog.areas) == 4  # entries a file does not name are kept

    def test_changed_entries_are_updated(self, engine: Engine) -> None:
        apply(engine, EXAMPLE)

        changes = apply(
            engine,
            "areas:\n  - {key: finance, name: Finanças}\n"
            "agents:\n  - {key: ana, name: Ana Souza, areas: [backoffice, finance], capacity: 5}\n",
        )

        assert [(c.section, c.key, c.kind) for c in changes] == [
            ("areas", "finance", "updated"),
            ("agents", "ana", "updated"),
        ]
        catalog = load(engine)
        assert Area("finance", "Finanças") in catalog.areas
        # An entry is replaced whole: fields the file leaves out take their defaults.
        assert catalog.agents[0] == Agent("ana", "Ana Souza", ("backoffice", "finance"), (), {}, 5)

    def test_a_reordered_ladder_is_one_update_a_longer_one_a_creation(self, engine: Engine) -> None:
        apply(engine, EXAMPLE)
        ladder = list(load(engine).tiers)

        reordered = [ladder[1], ladder[0], *ladder[2:]]
        assert apply(engine, yaml.safe_dump({"tiers": reordered})) == [
            Change("tiers", "ladder", "updated")
        ]
        assert list(load(engine).tiers) == reordered

        assert apply(engine, yaml.safe_dump({"tiers": [*reordered, "legal"]})) == [
            Change("tiers", "legal", "created")
        ]
        assert load(engine).tiers[-1] == "legal"

    def test_an_empty_file_changes_nothing(self, engine: Engine) -> None:
        apply(engine, EXAMPLE)
        assert apply(engine, "") == []
        assert apply(engine, "# nothing yet\n") == []


class TestExport:
    def test_export_then_apply_changes_nothing(self, engine: Engine) -> None:
        seed(engine)
        before = load(engine)

        assert apply(engine, export(engine), source="exported.yaml") == []
        assert load(engine) == before

    def test_export_describes_the_whole_stored_catalog(self, engine: Engine) -> None:
        seed(engine)
        assert config.parse(export(engine), source="exported.yaml") == load(engine)

    def test_export_of_the_example_lists_its_sections_in_order(self, engine: Engine) -> None:
        apply(engine, EXAMPLE)
        document = yaml.safe_load(export(engine))

        assert list(document) == ["areas", "tiers", "skills", "case_types", "agents", "users"]
        assert document["users"][1] == {
            "name": "ana",
            "role": "specialist",
            "agent": "ana",
            "areas": ["backoffice"],
        }
        assert document["case_types"][1] == {
            "key": "invoice_dispute",
            "name": "Invoice dispute",
            "area": "backoffice",
            "tier": "backoffice_l1",
            "skills": ["billing"],
            "expected_handling_minutes": 25,
        }

    def test_an_empty_database_exports_empty_sections(self, engine: Engine) -> None:
        assert yaml.safe_load(export(engine)) == {
            "areas": [],
            "tiers": [],
            "skills": [],
            "case_types": [],
            "agents": [],
            "users": [],
        }


class TestInvalidConfig:
    @pytest.mark.parametrize(
        ("text", "line"),
        [
            (
                "areas:\n  - {key: finance, name: Finance, colour: red}\n",
                "areas[0].colour: unknown key",
            ),
            ("teams: []\n", "teams: unknown key"),
            ("areas:\n  - {key: finance}\n", "areas[0].name: Field required"),
            (
                "agents:\n  - {key: zeca, name: Zeca, capacity: three}\n",
                "agents[0].capacity: Input should be a valid integer",
            ),
            (
                "users:\n  - {name: x, role: boss}\n",
                "users[0].role: Input should be 'specialist', 'supervisor', 'admin' or "
                "'integration'",
            ),
            ("tiers: first_level\n", "tiers: Input should be a valid list"),
            ("- areas\n", "(document): must be a mapping of sections"),
            (
                "areas: [\n  - {key: finance\n",
                "line 2, column 3: not valid YAML: expected the node content, but found '-'",
            ),
        ],
        ids=[
            "unknown-key",
            "unknown-section",
            "missing-field",
            "bad-integer",
            "bad-role",
            "bad-shape",
            "not-a-mapping",
            "not-yaml",
        ],
    )
    def test_a_bad_document_names_file_path_and_problem(
        self, engine: Engine, text: str, line: str
    ) -> None:
        assert rejected(engine, text, "office.yaml") == [f"office.yaml: {line}"]

    @pytest.mark.parametrize(
        ("text", "line"),
        [
            (
                "case_types:\n  - {key: x, name: X, area: nowhere, tier: backoffice_l1}\n",
                "case_types[0].area: unknown area 'nowhere'",
            ),
            (
                "areas:\n  - {key: Back Office, name: BO}\n",
                "areas[0].key: 'Back Office' is not a key (lowercase letters, digits, _)",
            ),
            (
                "areas:\n  - {key: sales, name: S}\n  - {key: sales, name: S2}\n",
                "areas[1].key: duplicate 'sales'",
            ),
            (
                "tiers: [first_level, backoffice_l1]\n",
                "tiers: tier 'backoffice_l2' exists and cannot be removed from the ladder",
            ),
            (
                "users:\n  - {name: dora, role: specialist}\n",
                "users[0].agent: a specialist must be linked to an agent",
            ),
            (
                "agents:\n  - {key: zeca, name: Zeca, skills: {billing: 7}}\n",
                "agents[0].skills.billing: proficiency must be 1 to 5",
            ),
            (
                "case_types:\n  - {key: x, name: X, area: finance, tier: first_level, "
                "expected_handling_minutes: 0}\n",
                "case_types[0].expected_handling_minutes: must be positive",
            ),
        ],
        ids=[
            "dangling-area",
            "bad-key",
            "duplicate",
            "tier-removed",
            "specialist-without-agent",
            "proficiency",
            "handling-time",
        ],
    )
    def test_an_incoherent_catalog_names_file_path_and_problem(
        self, engine: Engine, text: str, line: str
    ) -> None:
        apply(engine, EXAMPLE)
        lines = rejected(engine, text, "office.yaml")
        assert lines[0] == f"office.yaml: {line}"

    def test_every_problem_is_reported_at_once(self, engine: Engine) -> None:
        apply(engine, EXAMPLE)
        text = (
            "case_types:\n"
            "  - {key: x, name: X, area: nowhere, tier: level_9, skills: [juggling]}\n"
            "users:\n"
            "  - {name: dora, role: supervisor, areas: [sales]}\n"
        )
        assert rejected(engine, text) == [
            "office.yaml: case_types[0].area: unknown area 'nowhere'",
            "office.yaml: case_types[0].tier: unknown tier 'level_9'",
            "office.yaml: case_types[0].skills: unknown skill 'juggling'",
            "office.yaml: users[0].areas: unknown area 'sales'",
        ]

    def test_the_message_names_the_file(self, engine: Engine) -> None:
        with pytest.raises(InvalidConfig) as caught:
            apply(engine, "teams: []\n", source="/etc/retaguarda/office.yaml")
        assert str(caught.value) == "/etc/retaguarda/office.yaml: teams: unknown key"


class TestAllOrNothing:
    ONE_BAD_AMONG_GOOD = (
        "areas:\n"
        "  - {key: sales, name: Sales}\n"  # good, new
        "  - {key: finance, name: Finanças}\n"  # good, an update
        "skills: [negotiation]\n"  # good, new
        "case_types:\n"
        "  - {key: upsell, name: Upsell, area: sales, tier: first_level, skills: [negotiation]}\n"
        "agents:\n"
        "  - {key: zeca, name: Zeca, areas: [sales], skills: {juggling: 2}}\n"  # bad skill
        "users:\n"
        "  - {name: zeca, role: specialist, agent: zeca, areas: [sales]}\n"
    )

    def test_one_bad_entry_applies_nothing_of_the_file(self, engine: Engine) -> None:
        apply(engine, EXAMPLE)
        before = load(engine)

        assert rejected(engine, self.ONE_BAD_AMONG_GOOD) == [
            "office.yaml: agents[0].skills: unknown skill 'juggling'"
        ]

        assert load(engine) == before

    def test_nothing_is_written_even_inside_the_callers_transaction(self, engine: Engine) -> None:
        apply(engine, EXAMPLE)
        before = load(engine)
        with unit_of_work(engine) as conn:
            with pytest.raises(InvalidConfig):
                config.apply(conn, self.ONE_BAD_AMONG_GOOD, source="office.yaml", now=NOW)
            # Checked before any write: the same transaction still sees the old catalog.
            assert catalog_repo.load(conn) == before

    def test_the_same_file_fixed_applies_whole(self, engine: Engine) -> None:
        apply(engine, EXAMPLE)
        fixed = self.ONE_BAD_AMONG_GOOD.replace("juggling", "negotiation")

        changes = apply(engine, fixed)

        assert [(c.section, c.key, c.kind) for c in changes] == [
            ("skills", "negotiation", "created"),
            ("areas", "sales", "created"),
            ("areas", "finance", "updated"),
            ("case_types", "upsell", "created"),
            ("agents", "zeca", "created"),
            ("users", "zeca", "created"),
        ]
        assert apply(engine, fixed) == []


class TestCheck:
    def test_reports_the_changes_apply_would_make_and_writes_nothing(self, engine: Engine) -> None:
        seed(engine)
        before = export(engine)
        text = yaml.safe_dump(
            {"areas": [{"key": "legal", "name": "Legal"}], "routing": {"default": "fifo"}}
        )

        with unit_of_work(engine) as conn:
            would = config.check(conn, text, source="office.yaml")

        assert export(engine) == before
        assert would == [
            Change("areas", "legal", "created"),
            Change("routing", "routing", "created"),
        ]
        assert apply(engine, text) == would

    def test_raises_what_apply_raises(self, engine: Engine) -> None:
        seed(engine)
        text = yaml.safe_dump(
            {"case_types": [{"key": "x", "name": "X", "area": "nowhere", "tier": "backoffice_l1"}]}
        )
        with unit_of_work(engine) as conn, pytest.raises(InvalidConfig) as caught:
            config.check(conn, text, source="office.yaml")
        assert [p.path for p in caught.value.problems] == ["case_types[0].area"]

    def test_catalog_is_the_stored_one(self, engine: Engine) -> None:
        seed(engine)
        with engine.connect() as conn:
            found = config.catalog(conn)
        assert found == load(engine)
