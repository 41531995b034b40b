"""Downloads of the audit area's pages: the lists as XLSX or CSV (the rows their filters select
and the reader may see), an audit's results, and its blank checklist to print."""

from __future__ import annotations

from audits import exports
from audits.checklist_pdf import checklist_download
from audits.services import audits as audit_services
from audits.views.shared import audit_filters, bp, nonconformity_filters, user
from core.exports import download

# "/audits/export.xlsx" and not "/audits.xlsx": beside the list page, whose filters it takes.
KINDS = ("csv", "xlsx")


def _routes(rule: str, endpoint: str):
    """One rule per format, so the access matrix names each (``kind`` chosen by the URL)."""

    def register(view):
        for kind in KINDS:
            bp.add_url_rule(f"{rule}.{kind}", endpoint, view, defaults={"kind": kind})
        return view

    return register


@_routes("/audits/export", "audits_export")
def audits_export(kind):
    return download(kind, "audits", [exports.audits_sheet(user(), **audit_filters())])


@_routes("/nonconformities/export", "nonconformities_export")
def nonconformities_export(kind):
    return download(kind, "nonconformities", [exports.nonconformities_sheet(user(), **nonconformity_filters())])


@_routes("/actions/mine", "my_actions_export")
def my_actions_export(kind):
    return download(kind, "my-actions", [exports.my_actions_sheet(user())])


@_routes("/audits/<reference>/results", "audit_results")
def audit_results(reference, kind):
    audit = audit_services.audit_by_reference(reference)
    audit_services.require_visible(user(), audit)
    return download(kind, f"{audit.reference}-results", exports.results_sheets(audit))


@bp.route("/audits/<reference>/checklist.pdf")
def blank_checklist(reference):
    audit = audit_services.audit_by_reference(reference)
    audit_services.require_visible(user(), audit)
    return checklist_download(audit)
