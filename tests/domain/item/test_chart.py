"""The generated lifecycle diagram, and the doc that embeds it (which must never drift).

Regenerate the diagram in docs/lifecycle.md with:

    .venv/bin/python -m tests.domain.item.test_chart
"""

from __future__ import annotations

import re
from pathlib import Path

from retaguarda.domain.item.chart import mermaid
from retaguarda.domain.item.events import EVENT_TYPE
from retaguarda.domain.item.lifecycle import ACTIONS
from retaguarda.domain.item.model import Action, Status

DOC = Path(__file__).resolve().parents[3] / "docs" / "lifecycle.md"
BEGIN = "<!-- BEGIN GENERATED lifecycle diagram -->\n"
END = "<!-- END GENERATED lifecycle diagram -->\n"
REGENERATE = ".venv/bin/python -m tests.domain.item.test_chart"
EDGE = re.compile(r"^    (\w+) --> (\w+): (\w+)$")


def generated_block() -> str:
    return f"{BEGIN}```mermaid\n{mermaid()}```\n{END}"


def with_current_diagram(doc: str) -> str:
    """`doc` with the text between the markers replaced by the current diagram."""
    start, end = doc.index(BEGIN), doc.index(END) + len(END)
    return doc[:start] + generated_block() + doc[end:]


def _edges(diagram: str) -> list[tuple[str, str, str]]:
    """(source, action, target) for each edge line, in order."""
    return [
        (m[1], m[3], m[2]) for line in diagram.splitlines() if (m := EDGE.match(line)) is not None
    ]


class TestMermaid:
    def test_is_a_state_diagram_starting_at_new(self) -> None:
        lines = mermaid().splitlines()

        assert lines[:2] == ["stateDiagram-v2", "    [*] --> new"]

    def test_has_one_edge_per_legal_status_action_pair(self) -> None:
        edges = _edges(mermaid())

        # new 5 + queued 4 + assigned 6 + in_progress 8 + pending_customer 3
        # + pending_area 3 + resolved 3 = 32 legal pairs (see test_lifecycle.EXPECTED).
        assert len(edges) == len(set(edges)) == 32
        assert set(edges) == {
            (source.value, action.value, rule.target.value)
            for action, rule in ACTIONS.items()
            for source in rule.sources
        }

    def test_labels_each_edge_with_its_action(self) -> None:
        lines = mermaid().splitlines()

        assert "    in_progress --> pending_area: pend_area" in lines
        assert "    resolved --> queued: escalate" in lines
        assert "    assigned --> assigned: assign" in lines  # a self-loop is drawn too
        assert "    in_progress --> queued: transfer" in lines

    def test_ends_the_statuses_that_accept_no_action(self) -> None:
        lines = mermaid().splitlines()

        assert lines[-2:] == ["    closed --> [*]", "    cancelled --> [*]"]

    def test_orders_edges_by_status_then_action_declaration(self) -> None:
        edges = _edges(mermaid())
        status_rank = {s.value: i for i, s in enumerate(Status)}
        action_rank = {a.value: i for i, a in enumerate(Action)}

        keys = [(status_rank[s], action_rank[a]) for s, a, _ in edges]

        assert keys == sorted(keys)
        assert edges[:4] == [
            ("new", "queue", "queued"),
            ("new", "assign", "assigned"),
            ("new", "escalate", "queued"),
            ("new", "transfer", "queued"),
        ]

    def test_is_deterministic_and_ends_with_a_newline(self) -> None:
        assert mermaid() == mermaid()
        assert mermaid().endswith("cancelled --> [*]\n")


class TestLifecycleDoc:
    def test_embeds_exactly_the_current_diagram(self) -> None:
        doc = DOC.read_text()

        assert doc.count(BEGIN) == doc.count(END) == 1, "keep exactly one pair of markers"
        assert generated_block() in doc, (
            f"{DOC} shows an outdated lifecycle diagram; regenerate it with `{REGENERATE}`"
        )

    def test_action_table_matches_the_state_machine(self) -> None:
        rows = {}
        for line in DOC.read_text().splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) == 6 and cells[0].strip("`") in {a.value for a in Action}:
                rows[cells[0].strip("`")] = cells

        assert set(rows) == {a.value for a in Action}, "one table row per action"
        for action, rule in ACTIONS.items():
            _, sources, target, event, _, _ = rows[action.value]
            assert set(re.findall(r"`(\w+)`", sources)) == {s.value for s in rule.sources}, action
            assert target == f"`{rule.target.value}`", action
            assert event == f"`{EVENT_TYPE[action]}`", action


if __name__ == "__main__":
    DOC.write_text(with_current_diagram(DOC.read_text()))
