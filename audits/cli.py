from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from core.cli import UserError, domain_errors
from core.database import commit, read_only


@click.group("audits", help="Internal audits, nonconformities and corrective actions.")
def audits_group():
    pass


@audits_group.command("load-programme")
@click.option("--year", type=int, help="The programme year (default: this year).")
@with_appcontext
@domain_errors
def load_programme_command(year):
    """Put the starter audit programme in place for the default site (skipped when it has one)."""
    from audits.services import programme
    from core.trail import acting_as

    with acting_as("init"):
        added = programme.load_starter_programme(year)
        commit()
    click.echo(f"{added} programme entries added.")


@audits_group.command("overdue")
@with_appcontext
@domain_errors
def overdue_command():
    """List overdue nonconformities and corrective actions (for a daily mail or a cron log)."""
    from audits.services import actions, nonconformities

    ncs = nonconformities.overdue_nonconformities()
    overdue_actions = actions.overdue_actions()
    for nc in ncs:
        click.echo(f"{nc.reference}\t{nc.due_date}\t{nc.owner.login if nc.owner else '-'}\t{nc.title}")
    for action in overdue_actions:
        click.echo(f"{action.label}\t{action.due_date}\t{action.owner.login}\t{action.description}")
    click.echo(f"{len(ncs)} overdue nonconformities, {len(overdue_actions)} overdue corrective actions.", err=True)


class PackGroup(click.Group):
    """``pack AUDIT_REF …`` builds a pack; ``pack verify FILE`` checks one.

    Any first argument that is not a subcommand is the audit reference of
    the default ``build`` command.
    """

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands:
            return "build", self.commands["build"], args
        return super().resolve_command(ctx, args)

    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, "AUDIT_REF -o FILE.pdf [OPTIONS] | verify FILE")


@click.group(
    "pack",
    cls=PackGroup,
    help="Build an audit's PDF evidence pack, or verify one. The options of a build: dealerqms pack AUDIT_REF --help.",
)
def pack_group():
    pass


@pack_group.command("build", hidden=True)
@click.argument("reference")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="Where to write the PDF."
)
@click.option(
    "--html",
    "html_output",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the final HTML (with its print CSS) that was rendered.",
)
@click.option(
    "--sign-key",
    type=click.Path(exists=True, dir_okay=False),
    help="PEM private key for a PAdES signature (default: the instance's DEALERQMS_PACK_SIGN_KEY, if set).",
)
@click.option("--sign-cert", type=click.Path(exists=True, dir_okay=False), help="PEM certificate of that key.")
@click.option("--locale", help="Language of the pack (default: the instance's).")
@with_appcontext
@domain_errors
def pack_build_command(reference, output, html_output, sign_key, sign_cert, locale):
    """Write the evidence pack of audit REFERENCE to a PDF/A-3b file."""
    # The pack brings WeasyPrint (over a second to import): only the commands that build or check one pay for it.
    from audits.pack import write_pack
    from audits.pack.build import PackError

    if bool(sign_key) != bool(sign_cert):
        raise UserError("Signing needs both --sign-key and --sign-cert.")
    bar = None

    def progress(done: int, total: int, label: str) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(
                length=total, label="Rendering the pack", file=sys.stderr, item_show_func=lambda item: item
            )
            bar.__enter__()
        bar.update(done - bar.pos, label)

    try:
        with read_only():
            result = write_pack(
                reference.upper(),
                output,
                html_output=html_output,
                sign_key=sign_key,
                sign_cert=sign_cert,
                locale=locale,
                progress=progress,
            )
    except PackError as error:
        raise UserError(f"The pack was not written: {error}.") from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(
        f"{result.reference}: {output} ({len(result.pdf)} bytes, {len(result.manifest['files'])} evidence "
        f"files, manifest {result.manifest_sha256}{', signed' if result.signed else ''})."
    )


@pack_group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--trust",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="PEM or DER certificate to trust as a root for the signature (repeatable).",
)
def pack_verify_command(file, trust):
    """Check a pack's attachments against its manifest, and its signature when it has one."""
    # The pack brings WeasyPrint: imported by the one command that needs it.
    from audits.pack import verify_pack

    report = verify_pack(file, trust_roots=list(trust))
    for finding in report.findings:
        click.echo(finding)
    for problem in report.problems:
        click.echo(f"MISMATCH: {problem}", err=True)
    if not report.ok:
        raise SystemExit(1)
    click.echo("OK: the pack matches its manifest" + (" and its signature." if report.signed else "."))
