"""``dealerqms metrics``: measurements from the command line (the same import as the web page and the API)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from core.cli import UserError, domain_errors
from core.database import commit


@click.group("metrics", help="KPIs: measurements per site and period.")
def metrics_group():
    pass


@metrics_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--metric", "key", required=True, help="The metric every row of FILE is a value of.")
@click.option(
    "--as",
    "login",
    required=True,
    help="The user entering the values (a quality officer or the head of the metric's area).",
)
@click.option("--valid-rows", is_flag=True, help="Import the valid rows even when other rows have errors.")
@with_appcontext
@domain_errors
def import_command(file, key, login, valid_rows):
    """Import measurements from a CSV file with the columns site,period,value (a metric column is optional).

    Every row is checked first; with any error nothing is imported unless --valid-rows is given.
    """
    from core.accounts.services import user_by_login
    from core.metrics import services
    from core.trail import acting_as

    metric = services.definition(key)
    try:
        text = Path(file).read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise UserError(f"Cannot read {file}: {error.strerror}.") from None
    except UnicodeDecodeError:
        raise UserError(f"{file} is not a UTF-8 text file.") from None
    user = user_by_login(login)
    with acting_as(user.login):
        report = services.import_csv(user, text, import_valid_rows=valid_rows, metric=metric)
        commit()
    for error in report.errors:
        click.echo(f"row {error['row']}, {error['column']}: {error['message']}", err=True)
    click.echo(f"Imported {report.imported} of {report.rows} rows of {metric.key}; {len(report.errors)} with errors.")
    if report.errors and not valid_rows:
        raise UserError("Nothing was imported because of the errors above; correct the file or use --valid-rows.")
