"""Serving an evidence file to whoever may see the record it belongs to."""

from __future__ import annotations

from flask import request, send_file

from audits.services import evidence as evidence_services
from audits.views.shared import bp, user


@bp.route("/evidence/<int:evidence_id>")
def evidence(evidence_id):
    item = evidence_services.evidence_by_id(evidence_id)
    evidence_services.require_read(user(), item)
    inline = evidence_services.shown_inline(item) and request.args.get("download") != "1"
    return send_file(
        evidence_services.open_content(item),
        mimetype=item.media_type,
        as_attachment=not inline,
        download_name=evidence_services.download_name(item),
        etag=item.sha256,
        conditional=True,
    )
