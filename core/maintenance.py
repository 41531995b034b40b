"""``dealerqms init``: create or upgrade the schema and the starting content."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.cli import domain_errors, read_password_file
from core.database import commit, db
from core.plugin_engine.manager import notify

ADMIN_LOGIN = "admin"


def initialise(*, demo: bool = False, admin_password: str | None = None) -> str | None:
    """Bring an instance to a usable state; safe to repeat.

    Returns the generated admin password when the admin was created without one.
    """
    from core import planner_statistics
    from core.accounts import services
    from core.accounts.models import Role, User
    from core.demo import populate_demo
    from core.metrics.services import drain_all
    from core.migration import upgrade
    from core.trail import acting_as

    upgrade()
    generated = None
    with acting_as("init"):
        site = services.ensure_defaults()
        if db.session.execute(db.select(User.id).filter_by(login=ADMIN_LOGIN)).first() is None:
            if admin_password is None:
                admin_password = generated = services.make_temporary_password(ADMIN_LOGIN)
            services.create_user(
                None,
                login=ADMIN_LOGIN,
                display_name="Administrator",
                roles=[Role.ADMIN.value],
                password=admin_password,
                department=services.department_by_code("QUALITY"),
                site=site,
            )
        commit()
        if demo:
            populate_demo()
            commit()
        notify("populate_instance", demo=demo)
        commit()
        # The metrics of the records the areas just added are computed here, not by the first reader.
        drain_all()
    planner_statistics.refresh()
    return generated


@click.command("init")
@click.option("--demo", is_flag=True, help="Add a demo site with users of every role and sample records.")
@click.option(
    "--admin-password-file",
    type=click.Path(dir_okay=False),
    help="File holding the admin password (otherwise a one-time password is printed).",
)
@with_appcontext
@domain_errors
def init_command(demo, admin_password_file):
    """Create or upgrade the database and the starting content."""
    from core.accounts import services
    from core.demo import DEMO_PASSWORD, DEMO_SITES, DEMO_USERS

    admin_password = read_password_file(admin_password_file)
    if admin_password is not None:
        # Refused before the schema is touched, not after a migration ran.
        services.check_password_strength(admin_password, ADMIN_LOGIN)
    generated = initialise(demo=demo, admin_password=admin_password)
    click.echo("Database is up to date; default site MAIN and departments are in place.")
    if generated:
        click.echo(f"Created user admin. One-time password: {generated}")
    if demo:
        sites = ", ".join(code for code, *_rest in DEMO_SITES)
        click.echo(
            f"Demo dealer group: sites {sites}; {len(DEMO_USERS)} users (e.g. group.quality, bj.quality, sh.quality, "
            f"bj.sales.head; all logins in the README) with the password {DEMO_PASSWORD!r}."
        )
