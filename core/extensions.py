"""Flask extensions, created unbound and attached in the app factory."""

from __future__ import annotations

import importlib
from pathlib import Path

import click
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from core.database import db

# The core's Alembic scripts; each plugin adds its own folder (register_migrations).
MIGRATIONS = Path(__file__).parent / "migrations"


class CommandLoadedWhenRun(click.Command):
    """The command (or group) at ``target`` (``module:name``), imported when it runs: its
    name and help are all that listing it needs, and its module may be costly to import."""

    def __init__(self, name: str, help: str, target: str):
        super().__init__(name, help=help, add_help_option=False)
        self.target = target

    def make_context(self, info_name, args, parent=None, **extra):
        module, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        # The context is the real command's: click then invokes it, subcommands, options and help alike.
        return command.make_context(info_name, args, parent=parent, **extra)


class Migrate:
    """Flask-Migrate's ``Migrate``, with Flask-Migrate itself loaded when a migration needs it.

    Flask-Migrate imports Alembic, a tenth of a second that only ``init``, upgrades,
    backups and ``/readyz`` need, so the app gets what Flask-Migrate's ``init_app``
    would give it (``app.extensions["migrate"]`` and the ``db`` command group) and
    Flask-Migrate's own objects are made on first use.
    """

    def __init__(self):
        self._callbacks = []

    def configure(self, callback):
        """Flask-Migrate's ``@migrate.configure``: ``callback(config)`` returns the Alembic config to use."""
        self._callbacks.append(callback)
        return callback

    def init_app(self, app, db, directory: str) -> None:
        app.extensions["migrate"] = _MigrateConfig(self, db, directory)
        app.cli.add_command(CommandLoadedWhenRun("db", "Perform database migrations.", "flask_migrate.cli:db"))


class _MigrateConfig:
    """What Flask-Migrate keeps at ``app.extensions["migrate"]``, read by its commands and ``env.py``."""

    def __init__(self, owner: Migrate, db, directory: str):
        self.db = db
        self.directory = str(directory)
        self.configure_args = {"compare_type": True, "render_as_batch": True}
        self._owner = owner
        self._migrate = None

    @property
    def migrate(self):
        """Flask-Migrate's ``Migrate`` of this app (``.get_config()``), made on first use."""
        if self._migrate is None:
            from flask_migrate import Migrate as FlaskMigrate

            migrate_ = FlaskMigrate(db=self.db, directory=self.directory, **self.configure_args)
            migrate_.configure_callbacks = self._owner._callbacks
            self._migrate = migrate_
        return self._migrate


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

__all__ = ["MIGRATIONS", "CommandLoadedWhenRun", "babel", "csrf", "db", "login_manager", "migrate"]
