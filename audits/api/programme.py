"""The audit programme: a site's year of planned audits."""

from __future__ import annotations

from types import SimpleNamespace

from audits.api.schemas import (
    ProgrammeArgs,
    ProgrammeEntryCreateSchema,
    ProgrammeEntrySchema,
    ProgrammeSchema,
)
from audits.api.shared import bp
from audits.services import programme as programme_services
from audits.services.common import site_named
from core.accounts.permissions import Permission
from core.api import api_user, token_required
from core.database import commit


def _entry_row(entry, status, audit) -> SimpleNamespace:
    return SimpleNamespace(id=entry.id, year=entry.year, month=entry.month, status=status, entry=entry, audit=audit)


@bp.route("/audit-programme")
@token_required(Permission.READ_DRAFTS)
@bp.arguments(ProgrammeArgs, location="query")
@bp.response(200, ProgrammeSchema)
def get_programme(args):
    """A site's programme for a year, with each entry's status, and departments not audited in 12 months."""
    site = site_named(args["site"])
    rows = programme_services.coverage(site, args["year"])
    return {
        "entries": [_entry_row(c.entry, c.status, c.audit) for c in rows],
        "not_audited_in_12_months": [d.code for d, _ in programme_services.not_audited_recently(site)],
    }


@bp.route("/audit-programme", methods=["POST"])
@token_required(Permission.RUN_AUDITS)
@bp.arguments(ProgrammeEntryCreateSchema)
@bp.response(201, ProgrammeEntrySchema)
def add_programme_entry(data):
    """Plan a department's audit in a month of the site's programme."""
    entry = programme_services.add_entry(api_user(), **data)
    commit()
    return _entry_row(entry, "planned", None), 201
