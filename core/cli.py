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
from flask.cli import FlaskGroup, with_appcontext
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


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_version_option=False,
    help="dealerqms: quality management for car dealerships.",
)
def main():
    pass


__all__ = ["UserError", "domain_errors", "main", "read_password_file", "with_appcontext"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
