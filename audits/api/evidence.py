"""Evidence files: their description and their content."""

from __future__ import annotations

from flask import send_file

from audits.api.schemas import EvidenceSchema
from audits.api.shared import bp
from audits.services import evidence as evidence_services
from core.api import api_user, file_responses, may_refuse, token_required


@bp.route("/evidence/<int:evidence_id>")
@token_required()
@bp.response(200, EvidenceSchema)
@may_refuse(bp, 403)
def get_evidence(evidence_id):
    """Name, type, size, SHA-256, uploader and time of an evidence file."""
    evidence = evidence_services.evidence_by_id(evidence_id)
    evidence_services.require_read(api_user(), evidence)
    return evidence


@bp.route("/evidence/<int:evidence_id>/content")
@token_required()
@bp.doc(
    responses=file_responses(
        sorted(evidence_services.ACCEPTED),
        "The file itself, as an attachment, in the media type its content was recognised as.",
    )
)
@may_refuse(bp, 403)
def evidence_content(evidence_id):
    """The file itself, as an attachment."""
    evidence = evidence_services.evidence_by_id(evidence_id)
    evidence_services.require_read(api_user(), evidence)

    return send_file(
        evidence_services.open_content(evidence),
        mimetype=evidence.media_type,
        as_attachment=True,
        download_name=evidence_services.download_name(evidence),
        etag=evidence.sha256,
        conditional=True,
    )
