"""``dealerqms forms``: recurring forms from the command line."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from core.cli import UserError, domain_errors
from core.database import commit
from core.rhythm import Frequency


@click.group(
    "forms",
    help="Forms: recurring forms and the dues they create (see dealerqms tick), and follow-ups of low survey scores.",
)
def forms_group():
    pass


def _whole_number(option: str, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise UserError(f"{option} takes a whole number, not {text!r}.") from None


@forms_group.command("schedule")
@click.option("--as", "login", required=True, help="A quality officer, or the head of the form's department there.")
@click.option("--site", required=True, help="Site code, e.g. BJ01.")
@click.option("--form", "form_key", required=True, help="Form key, e.g. communication.meeting.")
@click.option("--frequency", required=True, help="daily, weekly (with --weekday) or monthly (with --day).")
@click.option("--weekday", "weekdays", multiple=True, help="A weekday of a weekly schedule (Monday 0); repeatable.")
@click.option("--day", "day_of_month", help="The day of a monthly schedule (the last day in a shorter month).")
@click.option("--department", help="Whose form it is (default: the form's area).")
@click.option("--assignee", help="Who fills it in (default: anyone of the department at the site).")
@click.option("--title", help="Its name (default: the form's title).")
@click.option("--starts", "starts_on", help="First day, YYYY-MM-DD (default: the site's today).")
@with_appcontext
@domain_errors
def schedule_command(login, site, form_key, frequency, weekdays, day_of_month, department, assignee, title, starts_on):
    """Schedule a form at a site."""
    from core.accounts.services import user_by_login
    from core.forms import schedules
    from core.trail import acting_as

    # Wrong input is one sentence, as the service's own refusals are (click's usage errors are not).
    if weekdays and frequency != Frequency.WEEKLY:
        raise UserError("--weekday goes with --frequency weekly.")
    if day_of_month is not None and frequency != Frequency.MONTHLY:
        raise UserError("--day goes with --frequency monthly.")
    try:
        first_day = date.fromisoformat(starts_on) if starts_on else None
    except ValueError:
        raise UserError(f"--starts takes a date as YYYY-MM-DD, not {starts_on!r}.") from None
    actor = user_by_login(login)
    with acting_as(actor.login):
        schedule = schedules.create_schedule(
            actor,
            site=site,
            form=form_key,
            frequency=frequency,
            weekdays=[_whole_number("--weekday", day) for day in weekdays],
            day_of_month=_whole_number("--day", day_of_month),
            department=department,
            assignee=assignee,
            starts_on=first_day,
            title=title,
        )
        commit()
    click.echo(f"Scheduled {schedule.title} at {schedule.site.code} ({schedule.frequency}), schedule {schedule.id}.")


@forms_group.command("schedules")
@click.option("--as", "login", required=True, help="Whose view: the schedules this user manages.")
@with_appcontext
@domain_errors
def schedules_command(login):
    """List the active form schedules a user manages, with this month's dues done."""
    from core.accounts.services import user_by_login
    from core.forms import schedules

    rows = schedules.schedules_for(user_by_login(login))
    for schedule in rows:
        done, due = schedules.month_counts(schedule)
        when = schedule.frequency
        if schedule.weekdays:
            when += " " + ",".join(str(day) for day in schedule.weekdays)
        if schedule.day_of_month:
            when += f" {schedule.day_of_month}"
        click.echo(
            f"{schedule.id}  {schedule.site.code}  {schedule.department.code:<10}  {when:<16}  "
            f"{done}/{due} this month  {schedule.form_key}  {schedule.title}"
        )
    click.echo(f"{len(rows)} schedule(s).")


@forms_group.command("follow-up")
@click.argument("follow_up_id")
@click.option("--as", "login", required=True, help="The head of the department at the site, or a quality officer.")
@click.option("--result", required=True, help="resolved, complaint (a complaint was registered) or unreachable.")
@click.option("--note", default="", help="What the customer said and what was done (required unless resolved).")
@with_appcontext
@domain_errors
def follow_up_command(follow_up_id, login, result, note):
    """Record the outcome of a low survey score's follow-up (FU-12 or 12)."""
    from core.accounts.services import user_by_login
    from core.forms import follow_ups
    from core.trail import acting_as

    number = _whole_number("ID", follow_up_id.upper().removeprefix("FU-"))
    actor = user_by_login(login)
    with acting_as(actor.login):
        found = follow_ups.follow_up(actor, number)
        follow_ups.record_outcome(actor, found, result=result, note=note)
        commit()
    click.echo(f"Recorded the outcome of {found.reference} ({found.result}) on submission {found.submission_id}.")
