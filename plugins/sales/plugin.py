"""The sales plugin's hook implementations."""

from __future__ import annotations

from pathlib import Path

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.plugins import (
    DashboardPanel,
    MenuLink,
    ProcedureTemplate,
    PublicForm,
    current_period,
    hookimpl,
    raise_nonconformity,
)
from plugins.sales import computations, definitions

HERE = Path(__file__).parent


@hookimpl
def register_checklists():
    return definitions.checklists()


@hookimpl
def register_metrics():
    return definitions.metrics()


@hookimpl
def register_forms():
    return definitions.forms()


@hookimpl
def register_public_forms():
    # Each delivery issues the buyer a one-time survey link (SA-PR-002: within a week of
    # delivery); the consultant and the delivery date come from the delivery, so SSI can be
    # read per consultant. No walk-in link: SSI is the buyers' index.
    return [
        PublicForm(
            form=definitions.SURVEY,
            after=definitions.DELIVERY,
            carry={"delivery_date": "delivery_date", "consultant": "consultant"},
        )
    ]


@hookimpl
def register_permissions():
    from plugins.sales import consultants

    return consultants.PERMISSIONS


@hookimpl
def register_blueprints():
    from plugins.sales.routes import bp

    return [bp]


@hookimpl
def register_api_blueprints():
    from plugins.sales.routes import api

    return [api]


@hookimpl
def menu_links(user):
    from plugins.sales import consultants

    # The consultants' own figures for them, their team's for the heads and the quality officers.
    if consultants.may_read_any(user):
        return [MenuLink(label=_l("Sales figures per consultant"), endpoint="sales.consultants_page")]
    return []


@hookimpl
def register_translations():
    return [HERE / "translations"]


@hookimpl
def register_procedure_templates():
    return [
        ProcedureTemplate(
            code="SA-WI-001",
            title=_l("Lead handling and response"),
            department="SALES",
            kind="work_instruction",
            body=_body("SA-WI-001-lead-handling.md"),
            distribution_departments=("SALES",),
        ),
        ProcedureTemplate(
            code="SA-WI-002",
            title=_l("Pre-delivery inspection"),
            department="SALES",
            kind="work_instruction",
            body=_body("SA-WI-002-pre-delivery-inspection.md"),
            distribution_departments=("SALES", "AFTERSALES"),
        ),
    ]


def _body(name: str) -> dict[str, str]:
    """The template's Markdown in each language it is written in: English, and Chinese from ``library/zh_CN``."""
    return {
        "en": (HERE / "library" / name).read_text(encoding="utf-8"),
        "zh_CN": (HERE / "library" / "zh_CN" / name).read_text(encoding="utf-8"),
    }


@hookimpl
def compute_metric(metric, site, period):
    return computations.compute(metric.key, site, period)


@hookimpl
def form_submitted(submission):
    """A delivery that breaks 销管办法 Art.16 (documents missing, configuration
    not as sold) is a nonconformity, not just a form entry: raise it so that
    it gets an owner, a root cause and an action."""
    if submission.form_key != definitions.DELIVERY:
        return
    data = submission.data
    missing = computations.missing_documents(data)
    mismatch = data.get("configuration_matches") is False
    # 销管办法 Art.15: the invoice is a rule of its own (a record made before the field existed has none).
    no_invoice = data.get("invoice_issued") is False
    if not missing and not mismatch and not no_invoice:
        return
    problems = []
    if missing:
        problems.append("documents not handed over (Art.16): " + ", ".join(missing))
    if no_invoice:
        problems.append("no true sales invoice issued (Art.15)")
    if mismatch:
        problems.append("configuration does not match the contract")
    articles = ", ".join(([] if not (missing or mismatch) else ["Art.16"]) + (["Art.15"] if no_invoice else []))
    raise_nonconformity(
        title=f"Delivery of {data.get('vin', '')} incomplete (销管办法 {articles})",
        description=f"Delivery checklist of {data.get('delivery_date', '')}: " + "; ".join(problems) + ".",
        severity="major" if mismatch else "minor",
        site=submission.site.code,
        department="SALES",
        source="plugin:sales",
        source_ref=f"form-submission:{submission.id}",
        raised_by=getattr(submission.submitted_by, "login", None),
    )


@hookimpl
def dashboard_panels(site):
    from core.plugins import count_text, metric_values, submission_count

    # Counts from the index and the metrics the core keeps: the panel reads no month's records,
    # so it costs the same in a busy month as in a quiet one.
    period = current_period()
    figures = metric_values(("sales.lead_response_time", "sales.nps"), site, period)
    rows = [
        (_("Leads"), count_text(submission_count(definitions.LEAD_LOG, site, period))),
        (_("Mean minutes to first response"), _number(figures["sales.lead_response_time"])),
        (
            _("Test drives"),
            count_text(submission_count(definitions.LEAD_LOG, site, period, where={"test_drive": True})),
        ),
        (_("Deliveries"), count_text(submission_count(definitions.DELIVERY, site, period))),
        (_("Survey answers"), count_text(submission_count(definitions.SURVEY, site, period))),
        (_("Net promoter score"), _number(figures["sales.nps"])),
    ]
    body = Markup("").join(
        Markup('<tr><th scope="row">{}</th><td class="num">{}</td></tr>').format(label, value) for label, value in rows
    )
    html = Markup(
        '<div class="table-wrap"><table class="data"><caption>{}</caption><tbody>{}</tbody></table></div>'
    ).format(_("Month %(period)s", period=escape(period)), body)
    return [
        DashboardPanel(title=_("Sales this month"), html=str(html)),
        DashboardPanel(title=_("Sales satisfaction index (SSI)"), chart="sales.ssi"),
    ]


def _number(value) -> str:
    return "–" if value is None else format_decimal(round(value, 1))


@hookimpl
def populate_instance(demo):
    from plugins.sales import demo as demo_records

    if demo:
        demo_records.populate()
