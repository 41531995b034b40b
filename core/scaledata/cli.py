"""``dealerqms demo-data --scale small|medium|large|xlarge [--seed N]``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.cli import UserError, domain_errors
from core.scaledata.sizes import SCALES


@click.command("demo-data")
@click.option(
    "--scale",
    type=click.Choice(list(SCALES)),
    required=True,
    help="How much to make (the sizes of the quality bar's table).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed makes the same data.")
@with_appcontext
@domain_errors
def demo_data_command(scale, seed):
    """Fill a new instance with synthetic data for demos and benchmarks."""
    from core.scaledata.generate import DEMO_PASSWORD, generate

    report = generate(scale, seed)
    width = max(len(name) for name in report.counts)
    for table, count in report.counts.items():
        click.echo(f"  {table:<{width}}  {count:>9,}")
    click.echo(
        f"Made {sum(report.counts.values()):,} rows and {report.events:,} trail events "
        f"at scale {scale} (seed {seed}) in {report.seconds:.1f} s."
    )
    if not report.verified.ok:
        raise UserError(f"The audit trail does not verify after generation: {report.verified.problem}.")
    click.echo(f"Audit trail verified: {report.verified.events:,} events intact ({report.verify_seconds:.1f} s).")
    click.echo(f"Generated users (qo0001, head0001, auditor0001, staff0001 …) have the password {DEMO_PASSWORD!r}.")
