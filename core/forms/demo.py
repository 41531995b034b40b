"""Three weeks of the weekly meeting action log at each demo site, scheduled for the COMMS
department every Monday: Beijing wrote up every past meeting; Shanghai missed the latest, which
waits, overdue, in its communication team's tasks (today's, on a Monday, is simply due).

And the history's low survey scores followed up: the areas' demo data answer surveys over two
years, and a head does not start with hundreds of calls to make. Each was called the day after;
only those of the last few days still wait in the heads' tasks."""

from __future__ import annotations

import random
from datetime import timedelta

from core.accounts.organisation import head_of
from core.accounts.services import site_by_code, user_by_login
from core.clock import local_time, utcnow
from core.database import commit, db
from core.demo import DEMO_SITES, demo_text
from core.errors import NotFound
from core.forms import follow_ups, schedules, services
from core.forms.models import FormDue, FormSchedule, SurveyFollowUp
from core.plugin_engine.manager import registry
from core.rhythm import site_today

MEETING = "communication.meeting"
MONDAY = 0
HISTORY_DAYS = 20
# The follow-ups due this many days ago or later are left open, the heads' current work; and
# each head's newest one, so that the demo shows a follow-up waiting (the history ends last month).
STILL_OPEN_DAYS = 2


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


def follow_up_the_history() -> int:
    """Record an outcome on every open follow-up of the history but the last few days' and each
    head's newest, as its site's head would have the day after the answer; returns how many."""
    closed = 0
    rows = db.session.execute(
        db.select(SurveyFollowUp).where(SurveyFollowUp.result.is_(None)).order_by(SurveyFollowUp.id)
    ).scalars()
    rows = list(rows)
    newest = {(found.site_id, found.department_id): found.id for found in rows}
    for found in rows:
        if found.due_on >= site_today(found.site) - timedelta(days=STILL_OPEN_DAYS):
            continue
        if newest[(found.site_id, found.department_id)] == found.id:
            continue
        head = head_of(found.department, found.site)
        if head is None:
            continue
        # Seeded by the record: the same demo reads the same every time it is built.
        result, note = _outcome(random.Random(f"follow-up-{found.submission_id}"))
        follow_ups.record_outcome(head, found, result=result, note=note)
        found.recorded_at = min(found.submission.submitted_at + timedelta(days=1), utcnow())
        closed += 1
    commit()
    return closed


def _outcome(rng: random.Random) -> tuple[str, str]:
    draw = rng.random()
    if draw < 0.7:
        return "resolved", demo_text(
            "Called the customer, apologised and agreed a free check at the next visit; the customer is satisfied.",
            "已致电客户致歉，约定下次到店免费检查，客户表示满意。",
        )
    if draw < 0.9:
        return "complaint", demo_text(
            "Customer still unhappy with the handling; registered as a complaint.",
            "客户对处理仍不满意，已登记为投诉。",
        )
    return "unreachable", demo_text(
        "Called three times on two days and sent a text message; no answer.",
        "两天内致电三次并发送短信，均未联系上。",
    )
