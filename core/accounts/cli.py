from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.accounts.models import Role
from core.cli import UserError, domain_errors, read_password_file
from core.database import commit


@click.group("user", help="Manage users.")
def user_group():
    pass


@user_group.command("add")
@click.argument("login")
# The role names are checked by the service, so a wrong one is the same
# one-sentence refusal as any other mistake.
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="ROLE",
    help=f"A role ({', '.join(r.value for r in Role)}); repeat for several.",
)
@click.option("--name", "display_name", help="Printed name (shown with signatures).")
@click.option("--department", help="Department code; a department_head becomes its head.")
@click.option("--site", help="Site code.")
@click.option("--email")
@click.option("--password-file", type=click.Path(dir_okay=False), help="File holding the password.")
@with_appcontext
@domain_errors
def user_add(login, roles, display_name, department, site, email, password_file):
    """Add a user; prints a one-time password unless one is given."""
    from core.accounts import services
    from core.trail import acting_as

    password = read_password_file(password_file)
    generated = password is None
    if generated:
        password = services.make_temporary_password(login.strip().lower())
    with acting_as("cli"):
        user = services.create_user(
            None,
            login=login,
            display_name=display_name,
            roles=roles,
            password=password,
            department=services.department_by_code(department.upper()) if department else None,
            site=services.site_by_code(site.upper()) if site else None,
            email=email,
        )
        commit()
    click.echo(f"Added user {user.login} ({', '.join(sorted(r.value for r in user.roles))}).")
    if generated:
        click.echo(f"One-time password: {password}")


@user_group.command("set-password")
@click.argument("login")
@click.option("--password-file", type=click.Path(dir_okay=False), help="File holding the new password.")
@with_appcontext
@domain_errors
def user_set_password(login, password_file):
    """Set LOGIN's password (prints a one-time password unless one is given); ends all their sessions."""
    from core.accounts import services
    from core.trail import acting_as

    password = read_password_file(password_file)
    user = services.user_by_login(login.strip().lower())
    generated = password is None
    if generated:
        password = services.make_temporary_password(user.login)
    with acting_as("cli"):
        services.set_password(None, user, password)
        commit()
    click.echo(f"Set the password of {user.login}; their sessions have ended.")
    if generated:
        click.echo(f"One-time password: {password}")


@click.group("token", help="Manage API tokens.")
def token_group():
    pass


@token_group.command("create")
@click.argument("login")
@click.option("--name", default="API token", show_default=True)
@with_appcontext
@domain_errors
def token_create(login, name):
    """Print a new API token for LOGIN (shown once; stored hashed)."""
    from core.accounts import services
    from core.trail import acting_as

    user = services.user_by_login(login.lower())
    if not user.active:
        raise UserError(f"User {user.login} is deactivated.")
    with acting_as("cli"):
        _token, plain = services.create_token(None, user, name)
        commit()
    click.echo(plain)
