"""Repeat contacts at intake: link each new item to the earlier one it repeats
(domain.item.repeat), for a whole batch with one read and one write."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from retaguarda.domain.item import repeat
from retaguarda.domain.item.model import ItemDraft
from retaguarda.domain.item.repeat import Contact, RepeatContacts
from retaguarda.storage.repos import item as item_repo
from retaguarda.storage.repos import repeat as repeat_repo


def earlier_contacts(
    conn: Connection,
    settings: RepeatContacts,
    drafts: Sequence[ItemDraft],
    customers: item_repo.StoredCustomers,
) -> list[Contact[int]]:
    """The stored items the drafts may repeat (read before the drafts are stored)."""
    if not settings.enabled:
        return []
    known = [d for d in drafts if d.customer is not None]
    if not known:
        return []
    return repeat_repo.contacts(
        conn,
        sorted({_customer_id(d, customers) for d in known}),
        since=min(d.created_at for d in known) - settings.window,
        until=max(d.created_at for d in known),
    )


def link_new(
    conn: Connection,
    settings: RepeatContacts,
    new: Sequence[tuple[int, ItemDraft]],
    customers: item_repo.StoredCustomers,
    earlier: Sequence[Contact[int]],
) -> dict[int, int]:
    """Link the new items (id and draft, in batch order) to the earlier items or
    earlier new items they repeat; store and return the links (id -> repeat_of)."""
    if not settings.enabled:
        return {}
    contacts = [
        Contact(item_id, _customer_id(d, customers), d.case_type, d.reason, d.created_at)
        for item_id, d in new
        if d.customer is not None
    ]
    links = repeat.link(contacts, earlier, settings)
    repeat_repo.link(conn, links)
    return links


def _customer_id(draft: ItemDraft, customers: item_repo.StoredCustomers) -> int:
    assert draft.customer is not None
    return customers[draft.customer.external_id][0]
