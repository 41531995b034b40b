"""``dealerqms improvements``: the improvement register from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from audits.improvements.models import Stage
from core.cli import domain_errors
from core.clock import utcnow
from core.database import commit, db


@click.group("improvements", help="The improvement register: opportunities for improvement through PDCA and DMAIC.")
def improvements_group():
    pass


@improvements_group.command("scan")
@click.option("--period", help="The month to look at, YYYY-MM (default: each site's last complete month).")
@click.option("--site", "site_code", help="One site (default: every active site).")
@with_appcontext
@domain_errors
def scan_command(period, site_code):
    """Raise an improvement for each KPI red two months running and each SERVQUAL gap below the
    threshold (what the scheduler's tick does for last month; safe to repeat)."""
    from audits.improvements import kpis
    from audits.services.common import site_named
    from core.metrics.services import check_period

    month = check_period(period) if period else None
    sites = [site_named(site_code)] if site_code else None
    created = kpis.scan(utcnow(), sites=sites, period=month)
    commit()
    click.echo(f"{created} improvement(s) raised.")


@improvements_group.command("list")
@click.option("--as", "login", required=True, help="Whose view: the improvements this user may see.")
@click.option("--stage", help="open, or one stage: " + ", ".join(stage.value for stage in Stage))
@click.option("--site", help="A site code.")
@with_appcontext
@domain_errors
def list_command(login, stage, site):
    """List the improvements a user may see, newest first."""
    from audits.improvements import services
    from core.accounts.services import user_by_login

    rows = db.session.execute(services.list_query(user_by_login(login), stage=stage, site=site)).scalars().all()
    for item in rows:
        owner = item.owner.login if item.owner else "-"
        click.echo(f"{item.reference}\t{item.site.code}\t{item.stage}\t{owner}\t{item.title}")
    click.echo(f"{len(rows)} improvement(s).")
