"""Whether this process can serve requests: what ``/readyz`` reports to a load balancer.

Each check answers ok or failed; why one failed goes to the log, never to the
(unauthenticated) caller.
"""

from __future__ import annotations

import logging

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from redis import Redis
from sqlalchemy import text

from core import storage
from core.database import db

log = logging.getLogger("dealerqms.readiness")

SCRIPT_HEADS = "dealerqms-migration-heads"


def _database() -> None:
    db.session.execute(text("SELECT 1"))


def _script_heads() -> set[str]:
    # The migration scripts of the core and the plugins cannot change while the process runs: read once.
    heads = current_app.extensions.get(SCRIPT_HEADS)
    if heads is None:
        config = current_app.extensions["migrate"].migrate.get_config()
        heads = current_app.extensions[SCRIPT_HEADS] = frozenset(ScriptDirectory.from_config(config).get_heads())
    return heads


def _migrations() -> None:
    current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    behind = _script_heads() - current
    if behind:
        raise RuntimeError(f"the database is not at the migration heads {', '.join(sorted(behind))}")


def _redis() -> None:
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
