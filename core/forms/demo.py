"""Three weeks of the weekly meeting action log at each demo site, scheduled for the COMMS
department every Monday: Beijing wrote up every past meeting; Shanghai missed the latest, which
waits, overdue, in its communication team's tasks (today's, on a Monday, is simply due)."""

from __future__ import annotations

from datetime import timedelta

from core.accounts.services import site_by_code, user_by_login
from core.clock import local_time, utcnow
from core.database import commit, db
from core.demo import DEMO_SITES, demo_text
from core.errors import NotFound
from core.forms import schedules, services
from core.forms.models import FormDue, FormSchedule
from core.plugin_engine.manager import registry
from core.rhythm import site_today

MEETING = "communication.meeting"
MONDAY = 0
HISTORY_DAYS = 20


def populate() -> int:
    if MEETING not in registry().forms:
        return 0
    added = 0
    for code, _name, prefix in DEMO_SITES:
        try:
            site = site_by_code(code)
            head = user_by_login(f"{prefix}.comms.head")
        except NotFound:
            continue
        if db.session.execute(db.select(FormSchedule.id).filter_by(site_id=site.id, form_key=MEETING)).first():
            continue
        started = site_today(site) - timedelta(days=HISTORY_DAYS)
        schedules.create_schedule(
            head, site=code, form=MEETING, frequency="weekly", weekdays=[MONDAY], starts_on=started
        )
        commit()
        schedules.create_due(utcnow(), catch_up=HISTORY_DAYS)
        commit()
        _write_up_the_meetings(site, prefix)
        added += 1
    return added


def _write_up_the_meetings(site, prefix: str) -> None:
    today = site_today(site)
    past = (
        db.session.execute(
            db.select(FormDue.occurs_on)
            .where(FormDue.site_id == site.id, FormDue.form_key == MEETING, FormDue.occurs_on < today)
            .order_by(FormDue.occurs_on)
        )
        .scalars()
        .all()
    )
    # Shanghai's latest log was never written: it stays due, overdue.
    written = past if prefix == "bj" else past[:-1]
    form = services.definition(MEETING)
    writer = user_by_login(f"{prefix}.comms")
    for held in written:
        data = services.validate_json(
            form,
            {
                "meeting_date": held.isoformat(),
                "meeting_type": "coordination",
                "departments": ["SALES", "AFTERSALES", "COMMS"],
                "chair": f"{prefix}.comms.head",
                "decisions": demo_text(
                    "Weekend cover and this week's deliveries agreed; complaints reviewed.",
                    "周末值班与本周交车安排已确定；已复盘客户投诉。",
                ),
            },
        )
        # Submitted the afternoon of the meeting: it closes that Monday's due.
        when = local_time(held.year, held.month, held.day, 17, zone=site.zone)
        services.submit(writer, form, site, data, submitted_at=when)
        commit()
