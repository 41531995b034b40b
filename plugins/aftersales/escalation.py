"""Who hears of a complaint left waiting (ISO 10002:2018 §7.4 acknowledgement, §7.9 closing): the
site's after-sales head when nobody has contacted the complainant 24 h after receipt and when
it passes its closing date; the site's quality officers when it is still open some days later."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from core.plugins import (
    NotificationKind,
    add_months,
    department_head,
    notify,
    open_records_between,
    period_of,
    plugin_config,
    quality_officers,
    submissions_url,
)
from plugins.aftersales import computations, definitions

COMPLAINT = "aftersales.complaint"
UNACKNOWLEDGED = "aftersales.complaint_unacknowledged"
OVERDUE = "aftersales.complaint_overdue"
ESCALATED = "aftersales.complaint_escalated"
# The instance may change it: DEALERQMS_PLUGIN_CONFIG_AFTERSALES='{"escalate_to_quality_after_days": 3}'.
DEFAULTS = {"escalate_to_quality_after_days": 7}
# How far back open complaints are looked for: one read for the panel, the overdue list and the
# tick; a complaint without an entry for two years is out of sight (the register still lists it).
WINDOW_MONTHS = 24

KINDS = [
    NotificationKind(
        key=UNACKNOWLEDGED,
        title=_l("A complaint has waited 24 hours for a first contact"),
        subject=_l("Complaint %(complaint)s, received %(received)s, is not acknowledged yet"),
        message=_l(
            "Nobody has recorded a contact with the complainant within 24 hours of receipt. "
            "Call them and record the acknowledgement on the complaint register."
        ),
    ),
    NotificationKind(
        key=OVERDUE,
        title=_l("A complaint is past its closing date"),
        subject=_l("Complaint %(complaint)s is still open after %(due)s"),
        message=_l("Owner: %(owner)s. Close it, or agree a new date with the customer and record it on the register."),
    ),
    NotificationKind(
        key=ESCALATED,
        title=_l("A complaint at your site is long past its closing date"),
        subject=_l("Complaint %(complaint)s has been open %(days)s days past %(due)s"),
        message=_l("Owner: %(owner)s. The after-sales head was told when it became overdue."),
    ),
]


def escalate_after() -> timedelta:
    days = plugin_config("aftersales").get("escalate_to_quality_after_days", DEFAULTS["escalate_to_quality_after_days"])
    return timedelta(days=int(days))


def open_complaints(site, now) -> list[computations.OpenComplaint]:
    """The site's open complaints, oldest first, from the last two years' register: the entries
    of the complaints whose latest entry does not close them (reading every entry was most of
    the after-sales panel's time at a site with years of complaints)."""
    latest = period_of(now, site.zone)
    entries = open_records_between(COMPLAINT, site, add_months(latest, 1 - WINDOW_MONTHS), latest)
    return computations.open_complaints(entries, site.zone, now)


def escalate(site, now) -> int:
    """Tell who must act on the site's waiting complaints; each step once per complaint and the
    date it is about (a new closing date is a new step). Returns how many people were told anew."""
    today = now.astimezone(site.zone).date()
    url = submissions_url(COMPLAINT, site)
    head = department_head(definitions.AREA, site)
    told = 0
    for waiting in open_complaints(site, now):
        complaint = waiting.complaint
        reference = f"{site.code}:{complaint.complaint_id}"
        if waiting.unacknowledged:
            told += notify(
                [head],
                UNACKNOWLEDGED,
                {"complaint": complaint.complaint_id, "received": complaint.received_on},
                url=url,
                event=f"complaint-unacknowledged:{reference}:{complaint.received_on}",
            )
        if not waiting.overdue:
            continue
        due = complaint.close_by()
        params = {"complaint": complaint.complaint_id, "due": due, "owner": complaint.latest.get("owner", "")}
        told += notify([head], OVERDUE, params, url=url, event=f"complaint-overdue:{reference}:{due}")
        if today - due >= escalate_after():
            told += notify(
                quality_officers(site),
                ESCALATED,
                {**params, "days": (today - due).days},
                url=url,
                event=f"complaint-escalated:{reference}:{due}",
            )
    return told
