"""The after-sales plugin's hook implementations."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup

from core.plugins import (
    CapabilityMissing,
    DashboardPanel,
    OverdueItem,
    OverdueList,
    PluginPermission,
    PublicForm,
    ReviewInput,
    add_months,
    form_url,
    hookimpl,
    raise_nonconformity,
    submissions_url,
    utcnow,
)
from plugins.aftersales import computations, definitions

__version__ = "1.0"

# A 三包 case warns of a loan car within the three-year repair warranty (三包规定 Art.18, Art.21)
# and triggers within its two-year 三包 period; one more month covers an update filed at the very end.
SANBAO_MONTHS = 37
# The cases the panel lists (those past a trigger first); its title counts them all.
CASES_SHOWN = 10
# The oldest open complaints the ageing panel names; its table counts them all.
COMPLAINTS_SHOWN = 5
OVERDUE_SHOWN = 50
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
            # The day for the register, the moment for the 24 hours of the acknowledgement.
            received_field=("received_on", "received_at"),
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
def register_notification_kinds():
    from plugins.aftersales import escalation

    return escalation.KINDS


@hookimpl
def tick(now):
    from core.plugins import active_sites
    from plugins.aftersales import escalation

    # Every active site's waiting complaints, each step told once (notify's event key).
    told = sum(escalation.escalate(site, now) for site in active_sites())
    return [f"complaint reminders and escalations: {told}"] if told else []


@hookimpl
def register_procedure_templates():
    return definitions.procedure_templates()


@hookimpl
def register_translations():
    return [Path(__file__).parent / "translations"]


def _computations() -> dict:
    """Metric key → how to compute it; the records are read when a metric is computed."""
    from core.plugins import submissions_between, submissions_in_period

    def _servqual(dimension):
        def compute(site, period):
            return computations.servqual_gaps(submissions_in_period("aftersales.servqual", site, period)).get(dimension)

        return compute

    return {
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
        # The next month too: a complaint of the month's last day is acknowledged, or registered, in it.
        "aftersales.complaints_acknowledged_24h": lambda site, period: computations.acknowledged_within_rate(
            submissions_between("aftersales.complaint", site, period, add_months(period, 1)),
            period,
            site.zone,
            utcnow(),
        ),
        **{f"aftersales.servqual_{dimension}": _servqual(dimension) for dimension in computations.SERVQUAL_DIMENSIONS},
    }


@hookimpl
def compute_metric(metric, site, period):
    compute = _computations().get(metric.key)
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
    """Open 三包 cases of a site (their latest entry) that reach or approach a trigger: only the
    open cases' entries are read (folding every case of three years was most of the panel's time)."""
    from core.plugins import open_records_between
    from core.plugins import today as local_today

    latest = (today or local_today()).strftime("%Y-%m")
    entries = open_records_between("aftersales.sanbao_case", site, add_months(latest, 1 - SANBAO_MONTHS), latest)
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
    from core.plugins import can

    department = getattr(user, "department", None)
    return can(user, REVIEW_SERVICE) or getattr(department, "code", None) == definitions.AREA


@hookimpl
def review_inputs(site, period_from, period_to):
    """Customer feedback for the management review (ISO 9001 9.3.2 c 1): the complaints received
    in the period by category, and how fast those closed in it were closed."""
    from core.plugins import submissions_between

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
    waiting = _open_complaints(site)
    if waiting:
        panels.append(
            DashboardPanel(
                title=_("Open complaints (%(count)d)", count=len(waiting)), html=complaint_ageing(site, waiting)
            )
        )
    return panels


def _open_complaints(site) -> list[computations.OpenComplaint]:
    """The site's open complaints, read once a request: the dashboard's panel and its overdue list
    both show them, and reading two years of the register was a third of the panels' time at
    the large demo size."""
    from plugins.aftersales import escalation

    remembered = g.setdefault("aftersales_open_complaints", {})
    if site.id not in remembered:
        remembered[site.id] = escalation.open_complaints(site, utcnow())
    return remembered[site.id]


def _days_old(days: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", days)


def complaint_ageing(site, waiting: list[computations.OpenComplaint]) -> str:
    """Open complaints by severity and age since receipt; how many are overdue or wait for a first
    contact; the oldest few by name."""
    severities = dict(definitions.SEVERITIES)
    counts = {severity: [0] * (len(computations.AGE_BANDS) + 1) for severity in ("high", "medium", "low")}
    for item in waiting:
        row = counts.get(item.complaint.latest.get("severity")) or counts["medium"]
        row[computations.age_band(item.age_days)] += 1
    bands = (_("≤ 1 day"), _("2–7 days"), _("8–30 days"), _("Over 30 days"))
    head = Markup("").join(Markup('<th class="num">{}</th>').format(band) for band in (*bands, _("Total")))
    rows = Markup("").join(
        Markup("<tr><th>{}</th>{}</tr>").format(
            severities[severity],
            Markup("").join(Markup('<td class="num">{}</td>').format(count or "–") for count in (*row, sum(row))),
        )
        for severity, row in counts.items()
    )
    table = Markup(
        '<div class="table-wrap"><table class="data">'
        "<thead><tr><th>{}</th>{}</tr></thead><tbody>{}</tbody></table></div>"
    ).format(_("Severity"), head, rows)
    overdue = sum(item.overdue for item in waiting)
    silent = sum(item.unacknowledged for item in waiting)
    summary = Markup('<p><span class="badge {}">{}</span> <span class="badge {}">{}</span></p>').format(
        "badge-delete" if overdue else "badge-muted",
        _("Past the closing date: %(count)d", count=overdue),
        "badge-delete" if silent else "badge-muted",
        _("No contact after 24 hours: %(count)d", count=silent),
    )
    register = submissions_url("aftersales.complaint", site)
    oldest = Markup("").join(
        Markup('<li><a href="{}">{}</a> <span class="muted">{} · {} · {}</span>{}{}</li>').format(
            register,
            item.complaint.complaint_id,
            severities.get(item.complaint.latest.get("severity"), ""),
            _days_old(item.age_days),
            item.complaint.latest.get("owner", ""),
            Markup(' <span class="badge badge-delete">{}</span>').format(_("Past its date")) if item.overdue else "",
            Markup(' <span class="badge badge-update">{}</span>').format(_("No contact yet"))
            if item.unacknowledged
            else "",
        )
        for item in waiting[:COMPLAINTS_SHOWN]
    )
    links = Markup('<p><a href="{}">{}</a> · <a href="{}">{}</a></p>').format(
        register, _("Complaint register"), form_url("aftersales.complaint"), _("Record a complaint or an update")
    )
    return str(
        table
        + summary
        + Markup('<p class="muted">{}</p><ul class="plain-list">{}</ul>').format(_("Oldest open complaints"), oldest)
        + links
    )


@hookimpl
def dashboard_overdue(site, user):

    if site is None or not _may_see_aftersales(user):
        return []
    late = [item for item in _open_complaints(site) if item.overdue]
    late.sort(key=lambda item: (item.complaint.close_by(), item.complaint.complaint_id))
    url = submissions_url("aftersales.complaint", site)
    return OverdueList(
        [
            OverdueItem(
                kind=_("Complaint"),
                label=item.complaint.complaint_id,
                url=url,
                due=item.complaint.close_by(),
                owner=item.complaint.latest.get("owner") or None,
            )
            for item in late[:OVERDUE_SHOWN]
        ],
        total=len(late),
    )


@hookimpl
def populate_instance(demo):
    from plugins.aftersales import demo as demo_records

    if demo:
        demo_records.populate()
