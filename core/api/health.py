"""``GET /healthz``: liveness for load balancers, without a token."""

from __future__ import annotations

import logging

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.api.problems import problem
from core.database import db

log = logging.getLogger("dealerqms.api")

bp = Blueprint("health", __name__, description="Liveness of the service.")


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "`ok`"})


@bp.route("/healthz")
@bp.doc(security=[])
@bp.response(200, HealthSchema)
@bp.alt_response(503, response="SERVICE_UNAVAILABLE")
def healthz():
    """The service and its database answer.

    503 when the database does not: a process that cannot reach it should be
    taken out of the load balancer's rotation.
    """
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.error("health check: the database is unreachable: %s", error)
        db.session.rollback()
        return problem(503, "The database is unreachable.")
    return {"status": "ok"}
