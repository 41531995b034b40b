"""``GET /healthz`` (the process lives) and ``GET /readyz`` (it can serve): for load balancers, without a token."""

from __future__ import annotations

from marshmallow import Schema, fields

from core import readiness
from core.api.problems import problem
from core.api.routes import health as bp


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "`ok`"})


class ReadySchema(Schema):
    status = fields.String(metadata={"description": "`ok`"})
    checks = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "Each check by name (`database`, `migrations`, and `redis` and `object_store` where "
            "configured): `ok` or `failed`."
        },
    )


@bp.route("/healthz")
@bp.doc(security=[])
@bp.response(200, HealthSchema)
def healthz():
    """The process answers; it asks nothing of the database or any other service.

    A liveness probe: restarting a process because the database is down
    would not bring the database back. Readiness is ``/readyz``.
    """
    return {"status": "ok"}


@bp.route("/readyz")
@bp.doc(security=[])
@bp.response(200, ReadySchema)
@bp.alt_response(503, response="SERVICE_UNAVAILABLE")
def readyz():
    """The database answers and its schema is at the migration heads of the core and every plugin; Redis
    and the object store answer where they are configured.

    503 names the failed checks (its `checks` member lists them all): the
    process should be taken out of the load balancer's rotation until they pass.
    """
    results = readiness.checks()
    checks = {name: "ok" if passed else "failed" for name, passed in results.items()}
    failed = [name for name, passed in results.items() if not passed]
    if failed:
        return problem(503, f"Not ready: {', '.join(failed)} failed.", extensions={"checks": checks})
    return {"status": "ok", "checks": checks}
