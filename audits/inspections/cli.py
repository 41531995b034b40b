"""``dealerqms checks``: recurring checks from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.cli import UserError, domain_errors
from core.database import commit, db


@click.group("checks", help="Recurring checks: schedules and the inspections they create (see dealerqms tick).")
def checks_group():
    pass


def _days(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UserError(f"--weekly takes weekday numbers separated by commas (Monday 0), not {text!r}.") from None


@checks_group.command("schedule")
@click.argument("site")
@click.argument("checklist")
@click.option("--as", "login", required=True, help="A quality officer, or the head of the department at the site.")
@click.option("--daily", "frequency", flag_value="daily", default=True, help="Every day (the default).")
@click.option("--weekly", "weekdays", help="Every week on these weekdays, e.g. 0,3 for Monday and Thursday.")
@click.option("--monthly", "day_of_month", type=int, help="Every month on this day (the last day in a shorter month).")
@click.option("--assignee", help="Who does it (default: anyone of the department at the site).")
@click.option("--from", "starts_on", type=click.DateTime(formats=["%Y-%m-%d"]), help="First day (default: today).")
@click.option("--title", help="Its name (default: the checklist's title).")
@with_appcontext
@domain_errors
def schedule_command(site, checklist, login, frequency, weekdays, day_of_month, assignee, starts_on, title):
    """Schedule CHECKLIST at SITE."""
    from audits.inspections import services
    from core.accounts.services import user_by_login
    from core.trail import acting_as

    if weekdays and day_of_month:
        raise UserError("Choose --weekly or --monthly, not both.")
    actor = user_by_login(login)
    with acting_as(actor.login):
        schedule = services.create_schedule(
            actor,
            site=site.upper(),
            checklist=checklist,
            frequency="weekly" if weekdays else "monthly" if day_of_month else frequency,
            weekdays=_days(weekdays) if weekdays else None,
            day_of_month=day_of_month,
            assignee=assignee,
            starts_on=starts_on.date() if starts_on else None,
            title=title,
        )
        commit()
    click.echo(f"Scheduled {schedule.title} at {schedule.site.code} ({schedule.frequency}), schedule {schedule.id}.")


@checks_group.command("list")
@click.option("--as", "login", required=True, help="Whose view: the checks this user may see.")
@click.option("--open", "open_only", is_flag=True, help="Only those still to do.")
@with_appcontext
@domain_errors
def list_command(login, open_only):
    """List the inspections a user may see, latest day first."""
    from audits.inspections import services
    from core.accounts.services import user_by_login

    rows = db.session.execute(services.inspections_query(user_by_login(login), open_only=open_only)).scalars().all()
    for inspection in rows:
        click.echo(
            f"{inspection.occurs_on.isoformat()}  {inspection.site.code}  {inspection.state:<5}  {inspection.title}"
        )
    click.echo(f"{len(rows)} inspection(s).")
