"""The ``dealerqms`` command line: a Flask click group, so the same commands
also work as ``flask --app core …``.

User mistakes are one sentence on stderr and exit status 1; each area adds
its commands in its own ``cli`` module, added through the ``register_commands`` hook.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError, ProgrammingError

from core.database import db
from core.errors import DomainError


class UserError(click.ClickException):
    """One sentence, no traceback, exit status 1."""


def domain_errors(command):
    """Turn a service's refusal into a one-sentence CLI error, rolling back first."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            db.session.rollback()
            raise UserError(error.detail) from None
        except (OperationalError, ProgrammingError):
            db.session.rollback()
            # A database `init` never ran on has no tables: the driver's "no such
            # table" is the symptom, not something the user can act on.
            if not _database_set_up():
                raise UserError("This database is not set up yet: run `dealerqms init` first.") from None
            raise

    return wrapper


def _database_set_up() -> bool:
    return inspect(db.engine).has_table("alembic_version")


def read_password_file(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise UserError(f"Cannot read the password file {path}: {error.strerror}.") from None
    if not text:
        raise UserError(f"The password file {path} is empty.")
    return text


def _create_app():
    # Imported when a command runs: this module is imported by the public plugin
    # API (UserError), which must not pull in the app and the plugin manager.
    from core import create_app

    return create_app()


def _command_line_app():
    """The instance's configuration, its plugins and their commands, and nothing else: the
    models, pages and API that ``create_app`` adds are what made ``--help`` take a second."""
    from core.app import collection_paused_for_start_up

    with collection_paused_for_start_up():
        from core import config
        from core.extensions import MIGRATIONS, CommandLoadedWhenRun, migrate
        from core.plugin_engine import manager

        app = config.new_app()
        migrate.init_app(app, db, directory=str(MIGRATIONS))
        manager.init_app(app)
        manager.register_commands(app)
        # What flask-smorest adds to the app's commands (core.api).
        app.cli.add_command(CommandLoadedWhenRun("openapi", "OpenAPI commands.", "flask_smorest.spec:openapi_cli"))
        return app


class DealerqmsGroup(FlaskGroup):
    """Flask's command group, whose help lists the commands without building the app.

    Flask lists the commands of the app it builds; the help of ``dealerqms`` lists those of
    :func:`_command_line_app` instead, the same commands from the same plugins. A command
    that runs still gets the whole app. With ``--app`` or a ``ScriptInfo`` of their own
    (``flask --app core``, tests) the listing is Flask's.
    """

    def format_commands(self, ctx: click.Context, formatter) -> None:
        ctx.meta[_LISTING] = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            del ctx.meta[_LISTING]

    def list_commands(self, ctx: click.Context) -> list[str]:
        if not self._lists_without_the_app(ctx):
            return super().list_commands(ctx)
        self._load_plugin_commands()
        app = self._listing_app(ctx)
        return sorted({*click.Group.list_commands(self, ctx), *(app.cli.list_commands(ctx) if app else ())})

    def get_command(self, ctx: click.Context, name: str):
        if not (ctx.meta.get(_LISTING) and self._lists_without_the_app(ctx)):
            return super().get_command(ctx, name)
        app = self._listing_app(ctx)
        return click.Group.get_command(self, ctx, name) or (app.cli.get_command(ctx, name) if app else None)

    def _lists_without_the_app(self, ctx: click.Context) -> bool:
        info = ctx.ensure_object(ScriptInfo)
        return info.create_app is _create_app and not info.app_import_path

    def _listing_app(self, ctx: click.Context):
        if _LISTING_APP not in ctx.meta:
            try:
                ctx.meta[_LISTING_APP] = _command_line_app()
            except Exception as error:  # a broken plugin or setting: said once, and Flask's own commands listed
                click.secho(f"Error: {error}\n", err=True, fg="red")
                ctx.meta[_LISTING_APP] = None
        return ctx.meta[_LISTING_APP]


_LISTING = "dealerqms.listing"
_LISTING_APP = "dealerqms.listing_app"


@click.group(
    cls=DealerqmsGroup,
    create_app=_create_app,
    add_version_option=False,
    help="dealerqms: quality management for car dealerships.",
)
def main():
    pass


__all__ = ["UserError", "domain_errors", "main", "read_password_file", "with_appcontext"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
