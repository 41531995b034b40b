"""``dealerqms search reindex`` and ``dealerqms search query``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.cli import UserError, domain_errors
from core.database import commit


@click.group("search")
def search_group():
    """The search index."""


@search_group.command("reindex")
@click.option("--kind", "kinds", multiple=True, help="Only this kind (repeatable), e.g. nonconformity.")
@with_appcontext
@domain_errors
def reindex_command(kinds):
    """Rebuild the search index from the records (after a restore or bulk-loaded data)."""
    from core.search import index

    try:
        counts = index.reindex(kinds or None)
    except KeyError as error:
        raise UserError(f"Unknown kind(s): {error.args[0]}.") from None
    commit()
    for kind, count in counts.items():
        click.echo(f"{kind}: {count}")
    click.echo(f"Indexed {sum(counts.values())} record(s).")


@search_group.command("query")
@click.argument("words")
@click.option("--as", "login", required=True, help="Whose view: only what this user may read.")
@click.option("--limit", default=20, show_default=True)
@with_appcontext
@domain_errors
def query_command(words, login, limit):
    """Search as a user would."""
    from core.accounts.services import user_by_login
    from core.search import query as search

    results = search.search(user_by_login(login), words, limit=limit)
    for hit in results.hits:
        click.echo(f"{hit.kind_label}  {hit.reference}  {hit.title}  {hit.url}")
    click.echo(f"{results.total}{'+' if results.capped else ''} found.")
