"""A Mermaid state diagram generated from the lifecycle table.

Invariants:
- The diagram is derived from `lifecycle.ACTIONS` alone: one edge per
  (source status, action), labelled with the action, so it can never show a
  move the state machine does not allow, nor miss one.
- The output is deterministic: edges are ordered by the declaration order of
  `Status` and then of `Action`, never by set iteration order, so the copy in
  `docs/lifecycle.md` only changes when the table does.
- Pure: it builds a string and performs no I/O.
"""

from __future__ import annotations

from retaguarda.domain.item.lifecycle import ACTIONS, allowed_actions
from retaguarda.domain.item.model import Action, Status

_INDENT = "    "


def mermaid() -> str:
    """The lifecycle as a Mermaid `stateDiagram-v2`.

    Returns:
        The diagram text, ending with a newline: the initial state `new`, one
        `source --> target: action` edge per legal (status, action) pair, and an
        end marker for each status that accepts no action.
    """
    status_rank = {status: rank for rank, status in enumerate(Status)}
    action_rank = {action: rank for rank, action in enumerate(Action)}
    edges = sorted(
        (
            (source, action, rule.target)
            for action, rule in ACTIONS.items()
            for source in rule.sources
        ),
        key=lambda edge: (status_rank[edge[0]], action_rank[edge[1]]),
    )
    lines = ["stateDiagram-v2", f"{_INDENT}[*] --> {Status.NEW.value}"]
    lines += [
        f"{_INDENT}{source.value} --> {target.value}: {action.value}"
        for source, action, target in edges
    ]
    lines += [
        f"{_INDENT}{status.value} --> [*]" for status in Status if not allowed_actions(status)
    ]
    return "\n".join(lines) + "\n"
