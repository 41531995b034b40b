from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from core.cli import UserError, domain_errors
from core.database import commit


@click.group("procedures", help="Document control: the procedure library.")
def procedures_group():
    pass


@procedures_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--as", "login", default="admin", show_default=True, help="Export what this user may see.")
@with_appcontext
@domain_errors
def export_command(folder, login):
    """Write every procedure's effective text as Markdown with a header into FOLDER."""
    from core.accounts.services import user_by_login
    from procedures import library

    count = library.export_library(user_by_login(login), Path(folder))
    click.echo(f"Exported {count} procedures to {folder}.")


@procedures_group.command("import")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--as", "login", required=True, help="The author of the drafts the import creates.")
@with_appcontext
@domain_errors
def import_command(folder, login):
    """Import a library: new codes and changed texts become drafts; nothing effective is overwritten."""
    from core.accounts.services import user_by_login
    from core.trail import acting_as
    from procedures import library

    if not Path(folder).is_dir():
        raise UserError(f"{folder} is not a folder.")
    author = user_by_login(login)
    with acting_as(author.login):
        report = library.import_library(author, Path(folder))
        commit()
    click.echo(
        f"Created {len(report.created)}, new drafts {len(report.drafted)}, "
        f"unchanged {len(report.unchanged)}, refused {len(report.refused)}."
    )
    for line in report.refused:
        click.echo(f"  refused: {line}", err=True)


@procedures_group.command("apply-due")
@with_appcontext
@domain_errors
def apply_due_command():
    """Make approved revisions whose effective date has come effective (run daily)."""
    from core.trail import acting_as
    from procedures import services

    with acting_as("scheduler"):
        due = services.apply_due()
        commit()
    click.echo(f"{len(due)} revision(s) took effect.")
