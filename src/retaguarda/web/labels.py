"""Words for the values the domain names in English, shared by the pages (msgids:
the templates translate them with `_()`)."""

from __future__ import annotations

from retaguarda.domain.item.model import Status
from retaguarda.domain.kpi.backlog import NO_SLA
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.web.i18n import N_

STATUS_NAMES = {
    Status.NEW: N_("new"),
    Status.QUEUED: N_("queued"),
    Status.ASSIGNED: N_("assigned"),
    Status.IN_PROGRESS: N_("in progress"),
    Status.PENDING_CUSTOMER: N_("waiting on the customer"),
    Status.PENDING_AREA: N_("waiting on another area"),
    Status.RESOLVED: N_("resolved"),
    Status.CLOSED: N_("closed"),
    Status.CANCELLED: N_("cancelled"),
}
# (label msgid, badge class, symbol): presence is never told by colour alone.
PRESENCE_NAMES = {
    Presence.AVAILABLE: (N_("available"), "ok", "✓"),
    Presence.BUSY: (N_("busy"), "warn", "●"),
    Presence.AWAY: (N_("away"), "info", "◔"),
    Presence.OFFLINE: (N_("offline"), "met", "○"),
}
METRIC_NAMES = {
    "first_response": N_("first response"),
    "resolution": N_("resolution"),
    "ola": N_("area agreement (OLA)"),
}
# The backlog's aging buckets (domain/kpi/backlog.py): by age, by share of the SLA used.
AGE_NAMES = {
    "0-1d": N_("under 1 day"),
    "1-3d": N_("1 to 3 days"),
    "3-5d": N_("3 to 5 days"),
    "5-10d": N_("5 to 10 days"),
    ">10d": N_("over 10 days"),
}
SHARE_NAMES = {
    "<50%": N_("under 50% used"),
    "50-75%": N_("50 to 75% used"),
    "75-100%": N_("75 to 100% used"),
    ">100%": N_("overdue"),
    NO_SLA: N_("no SLA"),
}
