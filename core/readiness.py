"""Whether this process can serve requests: what ``/readyz`` reports to a load balancer.

Each check answers ok or failed; why one failed goes to the log, never to the
(unauthenticated) caller.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import text

from core import storage
from core.database import db

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

log = logging.getLogger("dealerqms.readiness")

SCRIPTS = "dealerqms-migration-scripts"


def _database() -> None:
    db.session.execute(text("SELECT 1"))


def _scripts() -> ScriptDirectory:
    # Alembic (0.1 s to import) and Redis's client are imported when /readyz asks, not at start-up.
    from alembic.script import ScriptDirectory

    # The migration scripts of the core and the plugins cannot change while the process runs: read them once.
    scripts = current_app.extensions.get(SCRIPTS)
    if scripts is None:
        config = current_app.extensions["migrate"].migrate.get_config()
        scripts = current_app.extensions[SCRIPTS] = ScriptDirectory.from_config(config)
    return scripts


def _applied(script: ScriptDirectory, current: tuple[str, ...]) -> set[str]:
    """Every revision the database has: its recorded heads and all they come from or depend on.

    Alembic records only the heads; a plugin's migration that another
    depends on (``depends_on``) is no head there, though it is one of the scripts.
    """
    from alembic.util import to_tuple

    applied: set[str] = set()
    waiting = list(current)
    while waiting:
        revision = script.get_revision(waiting.pop())
        if revision is None or revision.revision in applied:
            continue
        applied.add(revision.revision)
        waiting += [*to_tuple(revision.down_revision, default=()), *to_tuple(revision.dependencies, default=())]
    return applied


def _migrations() -> None:
    from alembic.runtime.migration import MigrationContext

    scripts = _scripts()
    current = MigrationContext.configure(db.session.connection()).get_current_heads()
    behind = set(scripts.get_heads()) - _applied(scripts, current)
    if behind:
        raise RuntimeError(f"the database is not at the migration heads {', '.join(sorted(behind))}")


def _redis() -> None:
    from redis import Redis

    client = Redis.from_url(current_app.config["DEALERQMS_REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def _object_store() -> None:
    storage.file_store().check()


def checks() -> dict[str, bool]:
    """Each check that applies here, by name: True when it passed.

    Migrations are checked only when the database answers; Redis and the
    object store only when they are configured.
    """
    planned = [("database", _database), ("migrations", _migrations)]
    if current_app.config.get("DEALERQMS_REDIS_URL"):
        planned.append(("redis", _redis))
    if storage.uses_object_store():
        planned.append(("object_store", _object_store))
    results: dict[str, bool] = {}
    for name, check in planned:
        if name == "migrations" and not results["database"]:
            results[name] = False
            continue
        try:
            check()
            results[name] = True
        except Exception as error:  # any failure means "not ready"; the reason is for the log
            log.error("readiness check %s failed: %s", name, error)
            results[name] = False
        finally:
            if name in ("database", "migrations"):
                db.session.rollback()
    return results
