"""Creating and upgrading the schema: Alembic, with one version folder per
package that owns tables (the core's, and any a plugin contributes through
``register_migrations``)."""

from __future__ import annotations

import os

from flask import current_app

from core.extensions import migrate
from core.plugin_engine.manager import migration_locations


@migrate.configure
def add_plugin_version_locations(config):
    locations = [str(current_app.extensions["migrate"].directory) + "/versions"]
    locations += [str(path) for path in migration_locations()]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config


def upgrade() -> None:
    from flask_migrate import upgrade as alembic_upgrade

    alembic_upgrade(revision="heads")
