"""The after-sales plugin's hook implementations."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.plugins import (
    CapabilityMissing,
    DashboardPanel,
    PluginPermission,
    PublicForm,
    ReviewInput,
    add_months,
    can,
    hookimpl,
    raise_nonconformity,
    submissions_between,
    submissions_in_period,
    submissions_url,
)
from core.plugins import (
    today as local_today,
)
from plugins.aftersales import computations, definitions
from plugins.aftersales import demo as demo_records

__version__ = "1.0"

# A 三包 case warns of a loan car within the three-year repair warranty (三包规定 Art.18, Art.21)
# and triggers within its two-year 三包 period; one more month covers an update filed at the very end.
SANBAO_MONTHS = 37
# The cases the panel lists (those past a trigger first); its title counts them all.
CASES_SHOWN = 10
REVIEW_SERVICE = "aftersales.review_service"


@hookimpl
def register_permissions():
    # The after-sales figures are the quality team's and the auditors' to review, whatever their
    # department; the after-sales people see them as their own department's (``_may_see_aftersales``).
    return [
        PluginPermission(
            key=REVIEW_SERVICE,
            description="review the after-sales figures and warranty cases",
            roles=("admin", "quality_officer", "auditor"),
        )
    ]


@hookimpl
def register_checklists():
    return [definitions.service_checklist(), definitions.complaint_checklist(), definitions.workshop_5s_checklist()]


@hookimpl
def register_metrics():
    return definitions.metrics()


@hookimpl
def register_forms():
    return definitions.forms()


@hookimpl
def register_public_forms():
    return [
        # Each repair order issues its customer a one-time CSI survey link; walk-in customers
        # answer at the site's link.
        PublicForm(
            form="aftersales.csi_survey",
            after="aftersales.repair_order",
            carry={"ro_number": "ro_number"},
            walk_in=True,
        ),
        # ISO 10002: a complaint is registered as it arrives, numbered, and acknowledged; the
        # customer says what and who, staff triage severity and owner afterwards.
        PublicForm(
            form="aftersales.complaint",
            complaint=True,
            reference_field="complaint_id",
            received_field="received_on",
            asks=("category", "customer", "customer_phone", "vin", "description", "remedy_sought"),
            fixed={"entry": "new", "channel": "web", "severity": "medium", "status": "open", "owner": "待分派"},
            personal=("customer", "customer_phone"),
            labels={
                "customer": _l("Your name"),
                "customer_phone": _l("Your phone number"),
                "description": _l("What happened?"),
                "remedy_sought": _l("What would you like us to do?"),
                "vin": _l("VIN (optional, on the vehicle licence)"),
            },
            handled_within_days=computations.DEFAULT_COMPLAINT_DAYS,
        ),
    ]


@hookimpl
def register_procedure_templates():
    return definitions.procedure_templates()


@hookimpl
def register_translations():
    return [Path(__file__).parent / "translations"]


def _servqual(dimension):
    def compute(site, period):
        return computations.servqual_gaps(submissions_in_period("aftersales.servqual", site, period)).get(dimension)

    return compute


COMPUTATIONS = {
    "aftersales.csi": lambda site, period: computations.weighted_index(
        submissions_in_period("aftersales.csi_survey", site, period),
        computations.CSI_WEIGHTS,
        computations.CSI_SCALE_MAX,
    ),
    "aftersales.first_time_fix": lambda site, period: computations.first_time_fix_rate(
        submissions_in_period("aftersales.repair_order", site, period)
    ),
    "aftersales.technician_efficiency": lambda site, period: computations.technician_efficiency(
        submissions_in_period("aftersales.repair_order", site, period)
    ),
    "aftersales.on_time_delivery": lambda site, period: computations.on_time_delivery_rate(
        submissions_in_period("aftersales.repair_order", site, period)
    ),
    "aftersales.complaints_on_time": lambda site, period: computations.closed_on_time_rate(
        submissions_in_period("aftersales.complaint", site, period)
    ),
    "aftersales.complaint_resolution_days": lambda site, period: computations.mean_resolution_days(
        submissions_in_period("aftersales.complaint", site, period)
    ),
    **{f"aftersales.servqual_{dimension}": _servqual(dimension) for dimension in computations.SERVQUAL_DIMENSIONS},
}


@hookimpl
def compute_metric(metric, site, period):
    compute = COMPUTATIONS.get(metric.key)
    if compute is None:
        return None
    value = compute(site, period)
    return None if value is None else round(value, 2)


@hookimpl
def form_submitted(submission):
    data = submission.data
    if submission.form_key != "aftersales.complaint" or data.get("severity") != "high" or data.get("entry") != "new":
        return
    category = dict(definitions.complaint_register().field("category").choices).get(data.get("category"), "")
    try:
        raise_nonconformity(
            # Lazy: the NC keeps its title in every language (the category's name is translated too).
            title=_l("High-severity complaint %(id)s: %(category)s", id=data["complaint_id"], category=category),
            description=data.get("description", ""),
            severity="major",
            site=submission.site.code,
            department=definitions.AREA,
            source="complaint",
            source_ref=f"form-submission:{submission.id}",
            raised_by=getattr(submission.submitted_by, "login", None),
        )
    except CapabilityMissing:
        # Without the audits feature there is nowhere to raise it; the complaint itself is stored.
        current_app.logger.warning(
            "complaint %s is high-severity but no plugin raises nonconformities", data.get("complaint_id")
        )


def open_sanbao_cases(site, today: date | None = None) -> list[tuple[dict, list]]:
    """Open 三包 cases of a site (their latest entry) that reach or approach a trigger."""
    latest = (today or local_today()).strftime("%Y-%m")
    entries = submissions_between("aftersales.sanbao_case", site, add_months(latest, 1 - SANBAO_MONTHS), latest)
    cases = []
    for case in computations.latest_cases(entries):
        if case.get("status") != "open":
            continue
        flags = computations.sanbao_flags(case)
        if flags:
            cases.append((case, flags))
    # Cases past a trigger first: they need a decision now.
    cases.sort(key=lambda item: item[1][0].level != "trigger")
    return cases


def flag_text(flag: computations.SanbaoFlag) -> str:
    systems = dict(definitions.SYSTEMS)
    subject = str(systems.get(flag.subject, flag.subject))
    values = {"count": flag.count, "limit": flag.limit, "subject": subject}
    trigger = flag.level == "trigger"
    if flag.rule == "repair_days":
        return (
            _("Repairs total %(count)s days (more than %(limit)s): replacement or refund is due.", **values)
            if trigger
            else _("Repairs total %(count)s days; more than %(limit)s triggers replacement or refund.", **values)
        )
    if flag.rule == "same_fault":
        return (
            _("“%(subject)s” repaired %(count)s times (more than %(limit)s): replacement or refund is due.", **values)
            if trigger
            else _(
                "“%(subject)s” repaired %(count)s times; more than %(limit)s triggers replacement or refund.", **values
            )
        )
    if flag.rule == "serious_safety":
        return (
            _("Serious safety fault repaired %(count)s times: if it persists, replacement or refund is due.", **values)
            if trigger
            else _(
                "Serious safety fault repaired %(count)s time(s); if it persists after %(limit)s repairs, "
                "replacement or refund is due.",
                **values,
            )
        )
    if flag.rule in ("part_replaced", "unit_replaced"):
        return (
            _("%(subject)s replaced %(count)s times: if it still fails, replacement or refund is due.", **values)
            if trigger
            else _(
                "%(subject)s replaced once; if it fails after a second replacement, replacement or refund is due.",
                **values,
            )
        )
    if flag.rule == "loan_car":
        return _(
            "A repair took %(count)s days (more than %(limit)s): a loan car or transport compensation is owed "
            "from the 6th day (三包 Art.21).",
            **values,
        )
    if flag.rule == "seven_day":
        return _(
            "%(subject)s or its main part replaced within 7 days of the start of the 三包 period: free "
            "replacement or refund is due.",
            **values,
        )
    return _(
        "Serious %(subject)s fault within 60 days and 3,000 km of purchase: free replacement or refund is due.",
        **values,
    )


def _may_see_aftersales(user) -> bool:
    department = getattr(user, "department", None)
    return can(user, REVIEW_SERVICE) or getattr(department, "code", None) == definitions.AREA


@hookimpl
def review_inputs(site, period_from, period_to):
    """Customer feedback for the management review (ISO 9001 9.3.2 c 1): the complaints received
    in the period by category, and how fast those closed in it were closed."""
    entries = submissions_between("aftersales.complaint", site, f"{period_from:%Y-%m}", f"{period_to:%Y-%m}")
    figures = computations.complaint_figures(entries, period_from, period_to)
    categories = dict(definitions.complaint_register().field("category").choices)
    rows = [(_l("Complaints received"), sum(figures.received_by_category.values()))]
    rows += [
        (categories.get(key, key), count)
        for key, count in sorted(figures.received_by_category.items(), key=lambda pair: (-pair[1], pair[0]))
    ]
    rows.append((_l("Complaints closed"), figures.closed))
    if figures.mean_days_to_close is not None:
        rows.append((_l("Mean days to close"), round(figures.mean_days_to_close, 1)))
    return [ReviewInput(key="aftersales.complaints", title=_l("Complaints by category"), rows=rows)]


@hookimpl
def dashboard_panels(site, user):
    if not _may_see_aftersales(user):
        return []
    panels = [DashboardPanel(title=_l("Customer service index (CSI)"), chart="aftersales.csi")]
    cases = open_sanbao_cases(site)
    if cases:
        rows = Markup("").join(
            Markup('<li><strong>{}</strong> {} <span class="muted">{}</span><ul>{}</ul></li>').format(
                case["case_number"],
                case["vin"],
                case.get("customer", ""),
                Markup("").join(
                    Markup('<li><span class="badge {}">{}</span> {}</li>').format(
                        "badge-delete" if flag.level == "trigger" else "badge-update",
                        _("Trigger") if flag.level == "trigger" else _("Warning"),
                        flag_text(flag),
                    )
                    for flag in flags
                ),
            )
            for case, flags in cases[:CASES_SHOWN]
        )
        html = Markup('<ul class="plain-list">{}</ul>').format(rows)
        if len(cases) > CASES_SHOWN:
            html += Markup('<p class="muted"><a href="{}">{}</a></p>').format(
                submissions_url("aftersales.sanbao_case", site), _("and %(count)d more", count=len(cases) - CASES_SHOWN)
            )
        panels.append(
            DashboardPanel(
                title=_("三包 cases near a replacement or refund trigger (%(count)d)", count=len(cases)), html=str(html)
            )
        )
    return panels


@hookimpl
def populate_instance(demo):
    if demo:
        demo_records.populate()
