"""The used-car plugin's hook implementations."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from core.plugins import (
    Checklist,
    DashboardPanel,
    Field,
    Form,
    MenuLink,
    Metric,
    PluginPermission,
    ProcedureTemplate,
    Question,
    can,
    current_period,
    hookimpl,
    raise_nonconformity,
    require,
    submissions_in_period,
)
from dealerqms_usedcars import computations

HERE = Path(__file__).parent
APPRAISAL_PROCEDURE = "UC-PR-001"
APPRAISAL_RECORD = "usedcars.appraisal_record"
HISTORY_CHECKED = "usedcars.history_checked"
RECONDITIONING_DAYS = "usedcars.reconditioning_days"
REVIEW_STOCK = "usedcars.review_stock"

bp = Blueprint("usedcars", __name__, template_folder="templates")


@hookimpl
def register_permissions():
    # Who may see the used-car figures: the instance's matrix, asked by permission, never by role name.
    return [
        PluginPermission(
            key=REVIEW_STOCK, description="review the used-car stock", roles=("quality_officer", "department_head")
        )
    ]


@hookimpl
def register_checklists():
    return [
        Checklist(
            key="usedcars.appraisal",
            title=_l("Used-car appraisal and reconditioning"),
            area="SALES",
            questions=[
                Question(
                    key="q1",
                    text=_l("Is every trade-in appraised on the appraisal record before a price is offered?"),
                    reference=f"{APPRAISAL_PROCEDURE} §3",
                    guidance=_l("Sample five trade-ins of the last month and find their appraisal records."),
                ),
                Question(
                    key="q2",
                    text=_l("Is the odometer reading checked against the service history?"),
                    reference=f"{APPRAISAL_PROCEDURE} §4",
                    guidance=_l("Look for the service-history check on the sampled records."),
                ),
                Question(
                    key="q3",
                    text=_l("Are defects found at appraisal repaired or disclosed in writing before the car is sold?"),
                    reference=f"{APPRAISAL_PROCEDURE} §5",
                    guidance=_l("Follow two sampled cars from appraisal to the used-car sales contract."),
                ),
                Question(
                    key="q4",
                    text=_l("Are cars older than 90 days in stock reviewed for a price change?"),
                    reference=f"{APPRAISAL_PROCEDURE} §6",
                    guidance=_l("Compare the stock list with the monthly review minutes."),
                ),
            ],
        ),
    ]


@hookimpl
def register_metrics():
    return [
        Metric(
            key="usedcars.stock_age",
            name=_l("Average used-car stock age"),
            unit="days",
            direction="lower",
            target=45,
            warning=60,
            description=_l("Mean days in stock of the used cars on hand at month end."),
        ),
        Metric(
            key=HISTORY_CHECKED,
            name=_l("Appraisals with service history checked"),
            unit="%",
            direction="higher",
            target=95,
            warning=85,
            computed=True,
            inputs=(APPRAISAL_RECORD,),
            formula=_l("appraisal records with 'service history checked' ÷ all appraisal records × 100"),
        ),
        Metric(
            key=RECONDITIONING_DAYS,
            name=_l("Reconditioning time"),
            unit="days",
            direction="lower",
            target=7,
            warning=10,
            computed=True,
            inputs=(APPRAISAL_RECORD,),
            formula=_l("mean of (ready for sale − appraised) over the month's appraisals that are ready for sale"),
        ),
    ]


@hookimpl
def register_forms():
    return [
        Form(
            key=APPRAISAL_RECORD,
            title=_l("Trade-in appraisal record"),
            version=3,
            fields=[
                Field(key="vin", label=_l("VIN"), type="vin", required=True),
                Field(key="appraised_on", label=_l("Appraised on"), type="date", required=True),
                Field(
                    key="odometer_km", label=_l("Odometer (km)"), type="integer", required=True, min=0, max=2_000_000
                ),
                Field(key="condition", label=_l("Overall condition"), type="rating", scale=(1, 5), required=True),
                Field(key="history_checked", label=_l("Service history checked"), type="boolean"),
                Field(
                    key="history_gap",
                    label=_l("What is missing from the history?"),
                    type="textarea",
                    visible_when=("history_checked", False),
                ),
                Field(
                    key="damage",
                    label=_l("Damage found"),
                    type="multiselect",
                    choices=[
                        ("body", _l("Bodywork")),
                        ("glass", _l("Glass")),
                        ("interior", _l("Interior")),
                        ("mechanical", _l("Mechanical")),
                    ],
                ),
                Field(key="offer", label=_l("Offer (CNY)"), type="decimal", min=0, required=True),
                Field(
                    key="ready_for_sale_on",
                    label=_l("Ready for sale on"),
                    type="date",
                    help=_l("Fill in when reconditioning is finished."),
                ),
            ],
        ),
    ]


@hookimpl
def register_procedure_templates():
    return [
        ProcedureTemplate(
            code=APPRAISAL_PROCEDURE,
            title=_l("Used-car appraisal and reconditioning"),
            department="SALES",
            review_interval_months=12,
            distribution_roles=("staff",),
            body=(HERE / "UC-PR-001.md").read_text(encoding="utf-8"),
        ),
    ]


@hookimpl
def compute_metric(metric, site, period):
    if metric.key == HISTORY_CHECKED:
        return computations.history_checked_rate(submissions_in_period(APPRAISAL_RECORD, site, period, metric.period))
    if metric.key == RECONDITIONING_DAYS:
        return computations.reconditioning_days(submissions_in_period(APPRAISAL_RECORD, site, period, metric.period))
    return None


@hookimpl
def form_submitted(submission):
    """A trade-in appraised without a service-history check breaks UC-PR-001 §4."""
    if submission.form_key != APPRAISAL_RECORD or submission.data.get("history_checked") is not False:
        return
    data = submission.data
    raise_nonconformity(
        title=f"Trade-in {data['vin']} appraised without a service-history check",
        description=data.get("history_gap") or "The appraisal record does not say what is missing.",
        severity="minor",
        site=submission.site.code,
        department="SALES",
        source="plugin:usedcars",
        source_ref=f"form-submission:{submission.id}",
        raised_by=getattr(submission.submitted_by, "login", None),
    )


@bp.route("/")
@login_required
def index():
    require(current_user, REVIEW_STOCK)
    site = current_user.site
    period = current_period()
    # An account without a site (the administrator) has no stock of its own to show.
    records = submissions_in_period(APPRAISAL_RECORD, site, period) if site is not None else []
    return render_template(
        "usedcars/index.html",
        site=site,
        period=period,
        appraisals=len(records),
        history_checked=computations.history_checked_rate(records),
        reconditioning=computations.reconditioning_days(records),
        in_workshop=sum(1 for record in records if not record.get("ready_for_sale_on")),
    )


@hookimpl
def register_blueprints():
    return [bp]


@hookimpl
def menu_links(user):
    if can(user, REVIEW_STOCK):
        return [MenuLink(label=_l("Used cars"), endpoint="usedcars.index")]
    return []


@hookimpl
def dashboard_panels(site):
    return [DashboardPanel(title=_l("Used-car reconditioning time"), chart=RECONDITIONING_DAYS)]


@hookimpl
def register_translations():
    return [HERE / "translations"]
