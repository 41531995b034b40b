"""``dealerqms review``: management reviews from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.cli import domain_errors
from core.database import commit


@click.group("review", help="Management reviews (ISO 9001 9.3).")
def review_group():
    pass


@review_group.command("compile")
@click.argument("reference")
@click.option("--as", "login", required=True, help="Who compiles: a quality officer who plans such reviews.")
@with_appcontext
@domain_errors
def compile_command(reference, login):
    """Compile a review's inputs from the data of its period; one line per section."""
    from audits.reviews import inputs, services
    from core.accounts.services import user_by_login

    actor = user_by_login(login)
    review = services.review_by_reference(reference)
    services.compile_inputs(actor, review)
    commit()
    for section in review.inputs["sections"]:
        click.echo(inputs.section_summary(section))
    click.echo(f"{review.reference} compiled, SHA-256 {review.inputs_sha256}.")
