"""The evidence pack, built in the background."""

from __future__ import annotations

from audits.api.schemas import PackJobSchema
from audits.api.shared import bp
from audits.jobs import start_pack_export
from audits.services import audits as audit_services
from core.accounts.permissions import Permission
from core.api import api_user, token_required
from core.database import commit
from core.jobs.api import job_url


def _exporting(user, reference):
    return audit_services.export_refusal(user, audit_services.audit_by_reference(reference))


@bp.route("/audits/<reference>/packs", methods=["POST"])
@token_required(Permission.EXPORT_PACK, guard=_exporting)
@bp.response(202, PackJobSchema, headers={"Location": {"description": "The job's URL.", "schema": {"type": "string"}}})
@bp.alt_response(404, response="NOT_FOUND")
def start_pack(reference):
    """Start building the audit's evidence pack in the background; fetch it from the job once done."""
    job = start_pack_export(api_user(), reference)
    url = job_url(job)
    body = {"id": job.id, "state": job.state, "progress": job.progress, "url": url}
    commit()
    return body, 202, {"Location": url}
