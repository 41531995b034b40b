from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from core.database import db, read_only


@click.group("trail", help="The audit trail.")
def trail_group():
    pass


@trail_group.command("verify")
@with_appcontext
def trail_verify():
    """Verify the whole hash chain; exit 1 naming the first broken event."""
    from core.trail.chain import verify

    with read_only(), db.engine.connect() as connection:
        result = verify(connection)
    if result.ok:
        click.echo(f"Audit trail intact: {result.events} events verified.")
        return
    click.echo(
        f"Audit trail broken at event {result.first_bad_seq}: {result.problem} "
        f"({result.events} events verified before it).",
        err=True,
    )
    sys.exit(1)
