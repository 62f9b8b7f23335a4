"""Customer satisfaction (CSAT): the customer's answer to the survey about an item.

Invariants:
- An answer is an event (`csat_recorded`, data `{score, comment}`), never a transition:
  the item's status, area, tier, assignee and SLA clocks stay as they are, and so does
  its place in (or out of) the routing queue. The item keeps the last score (`csat`);
  the log keeps every answer.
- Answers are accepted only for a resolved or closed item (a Conflict naming its
  status otherwise); several answers are allowed.
- Like transitions, an answer is never dated before the item's last event, and it
  never reads the clock (`at` is the instant).
"""

from __future__ import annotations

from datetime import datetime

from retaguarda.domain.errors import Conflict, InvalidInput
from retaguarda.domain.item.events import CSAT_RECORDED, Event
from retaguarda.domain.item.model import Status, WorkItem
from retaguarda.domain.item.replay import evolve
from retaguarda.domain.types import require_aware

SCORE_MIN = 1
SCORE_MAX = 5
COMMENT_MAX = 2000
ANSWERABLE = frozenset({Status.RESOLVED, Status.CLOSED})


def record(
    item: WorkItem, *, score: int, comment: str | None, at: datetime, actor: str
) -> tuple[WorkItem, Event]:
    """The customer's answer about `item`: its new state (`csat` = `score`) and the event.

    Raises:
        Conflict: the item is not resolved or closed (`field` "status").
        InvalidInput: a score outside 1-5, a comment over 2,000 characters, or an
            instant without offset or before the item's last event.
    """
    if item.status not in ANSWERABLE:
        raise Conflict(
            f"satisfaction is recorded only for resolved or closed items; "
            f"item {item.id} is {item.status.value!r}",
            field="status",
        )
    if isinstance(score, bool) or not isinstance(score, int):
        raise InvalidInput("score", f"must be a whole number from {SCORE_MIN} to {SCORE_MAX}")
    if not SCORE_MIN <= score <= SCORE_MAX:
        raise InvalidInput("score", f"must be from {SCORE_MIN} to {SCORE_MAX}, not {score}")
    if comment is not None and len(comment) > COMMENT_MAX:
        raise InvalidInput("comment", f"at most {COMMENT_MAX} characters, got {len(comment)}")
    require_aware(at, field="at")
    if at < item.updated_at:
        raise InvalidInput(
            "at",
            f"{at.isoformat()} is before the item's last event "
            f"({item.updated_at.isoformat()}); events of an item are chronological",
        )
    event = Event(
        type=CSAT_RECORDED,
        at=at,
        actor=actor,
        data={"score": score, "comment": comment},
        item_id=item.id,
    )
    return evolve(item, event), event
