"""``dealerqms checklists``: import, export, list and retire checklist libraries (the same
services as the web pages and the API)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from core.cli import UserError, domain_errors
from core.database import commit, db

AS_HELP = "Who acts: a quality officer or an administrator (the command line names its user, like the others)."


@click.group("checklists", help="Audit checklists: import brand standards from XLSX or YAML, export, retire.")
def checklists_group():
    pass


@checklists_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--as", "login", required=True, help=AS_HELP)
@with_appcontext
@domain_errors
def import_command(file, login):
    """Import a checklist library from FILE (.xlsx, .yaml or .yml).

    A changed file becomes the checklist's next version; with any problem nothing is imported.
    """
    from core.accounts.services import user_by_login
    from core.checklists import services
    from core.trail import acting_as

    try:
        data = Path(file).read_bytes()
    except OSError as error:
        raise UserError(f"Cannot read {file}: {error.strerror}.") from None
    user = user_by_login(login)
    with acting_as(user.login):
        try:
            row, created = services.import_file(user, Path(file).name, data)
        except services.ChecklistFileProblems as error:
            db.session.rollback()
            for problem in error.problems:
                click.echo(str(problem), err=True)
            count = len(error.problems)
            raise UserError(f"Nothing was imported: {count} problem{'' if count == 1 else 's'} in {file}.") from None
        commit()
    if created:
        click.echo(f"Imported version {row.version} of {row.key} ({row.questions_count} questions).")
    else:
        click.echo(f"{row.key} is unchanged: still version {row.version}.")


@checklists_group.command("export")
@click.argument("key")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="FILE.xlsx or FILE.yaml.")
@click.option("--version", "number", type=int, help="A version's number (default: the one in use).")
@with_appcontext
@domain_errors
def export_command(key, output, number):
    """Write the imported checklist KEY to a file, XLSX or YAML by the file's extension."""
    from core.checklists import services

    kind = services.kind_of(output)
    if kind is None:
        raise UserError(f"Name the file .xlsx, .yaml or .yml, not {output}.")
    filename, data, _media_type = services.export(key, kind, number)
    Path(output).write_bytes(data)
    click.echo(f"Wrote {filename.rsplit('.', 1)[0]} to {output}.")


@checklists_group.command("list")
@with_appcontext
def list_command():
    """Every checklist on offer: key, origin, version, questions and scale."""
    from core.checklists import catalog

    for key, checklist in sorted(catalog.checklists().items()):
        origin = catalog.origin(key) or "?"
        click.echo(
            f"{key}  v{checklist.version}  {origin}  {len(checklist.questions)} questions  {checklist.scale}  "
            f"{checklist.title}"
        )


@checklists_group.command("retire")
@click.argument("key")
@click.argument("version", type=int)
@click.option("--as", "login", required=True, help=AS_HELP)
@with_appcontext
@domain_errors
def retire_command(key, version, login):
    """Retire VERSION of the imported checklist KEY: new audits no longer use it."""
    from core.accounts.services import user_by_login
    from core.checklists import catalog, services
    from core.trail import acting_as

    user = user_by_login(login)
    with acting_as(user.login):
        row = services.retire(user, key, version)
        commit()
    current = catalog.current_versions().get(key)
    after = f"version {current.version} is in use" if current else "no version is in use any more"
    click.echo(f"Retired version {row.version} of {row.key}; {after}.")
