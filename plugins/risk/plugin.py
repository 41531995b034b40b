"""The risk plugin's hook implementations (entry point ``risk``)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.plugins import (
    DashboardPanel,
    ReviewInput,
    RiskFactor,
    add_months,
    hookimpl,
    raise_nonconformity,
    submissions_url,
    today,
)
from plugins.risk import computations
from plugins.risk.definitions import CHECKLISTS, FORMS, METRICS, PROCEDURE_TEMPLATES, SANBAO_CASE

HERE = Path(__file__).parent
# Risks are re-assessed at least yearly; three calendar years of entries hold
# every open risk, even one left unreviewed for well over a year (it is
# flagged as overdue long before it could fall out of the window).
REGISTER_YEARS = 3
# Fills of the score bands (SVG presentation attributes: the page's CSP allows no inline styles).
FILLS = {"low": "#cfe8cf", "medium": "#fff0a8", "high": "#ffc58a", "critical": "#f29b9b"}
CELL = 46
# The longest overdue risks the panel lists; the heading counts them all (a large site has hundreds).
OVERDUE_SHOWN = 10
# A 三包 case lives through the three-year repair warranty (三包规定 Art.18); one more month covers
# an update filed at its very end.
SANBAO_MONTHS = 37


@hookimpl
def register_checklists():
    return list(CHECKLISTS)


@hookimpl
def register_metrics():
    return list(METRICS)


@hookimpl
def register_forms():
    return list(FORMS)


@hookimpl
def register_procedure_templates():
    return list(PROCEDURE_TEMPLATES)


@hookimpl
def register_translations():
    return [HERE / "translations"]


def register_of(site) -> list[dict]:
    """The site's current risk register (latest entry of each open risk): only the open risks'
    entries are loaded, the closed ones' are left in the database."""
    from core.plugins import open_records_between

    year = today().year
    first, last = f"{year - REGISTER_YEARS + 1}-01", f"{year}-12"
    return computations.current_register(open_records_between("risk.register_entry", site, first, last))


LEVEL_LABELS = {
    "critical": _l("Open risks rated critical"),
    "high": _l("Open risks rated high"),
    "medium": _l("Open risks rated medium"),
    "low": _l("Open risks rated low"),
}


# Which department's processes a risk of a category is found in, for the audit programme.
DEPARTMENT_OF_CATEGORY = {
    "price": "SALES",
    "demand": "SALES",
    "competition": "MARKETING",
    "product": "AFTERSALES",
    "contract": "RISK",
    "ip": "RISK",
    "tax": "RISK",
    "regulatory": "RISK",
    "personal_data": "RISK",
    "other": "RISK",
}


@hookimpl
def audit_risk_factors(site, department):
    """High and critical open risks in the department's processes ask for more audits there."""
    serious = [
        entry
        for entry in register_of(site)
        if DEPARTMENT_OF_CATEGORY.get(entry.get("category")) == department.code
        and computations.level(computations.score(entry)) in ("high", "critical")
    ]
    if not serious:
        return []
    critical = sum(1 for entry in serious if computations.level(computations.score(entry)) == "critical")
    return [
        RiskFactor(
            points=min(4, len(serious) + critical),
            reason=_(
                "%(count)s high or critical risks in the register (%(critical)s critical)",
                count=len(serious),
                critical=critical,
            ),
        )
    ]


@hookimpl
def review_inputs(site, period_from, period_to):
    """Risks and opportunities for the management review (ISO 9001 9.3.2 e): the current register
    by level, and the risks added or re-assessed in the months of the period."""
    from core.plugins import submissions_between

    levels = {name: 0 for name, _lowest in computations.LEVELS}
    for entry in register_of(site):
        levels[computations.level(computations.score(entry))] += 1
    first, last = f"{period_from:%Y-%m}", f"{period_to:%Y-%m}"
    earlier = submissions_between(
        "risk.register_entry", site, f"{period_from.year - REGISTER_YEARS + 1}-01", add_months(first, -1)
    )
    added, changed = computations.register_changes(
        earlier, submissions_between("risk.register_entry", site, first, last)
    )
    rows = [(LEVEL_LABELS[name], count) for name, count in levels.items()]
    rows += [(_l("Risks added in the period"), added), (_l("Risks re-assessed in the period"), changed)]
    return [ReviewInput(key="risk.register", title=_l("Risk register"), rows=rows)]


def _end_of(period: str) -> date:
    """The last day of a month, or today while the month is not over."""
    following = add_months(period, 1)
    last = date(int(following[:4]), int(following[5:]), 1) - timedelta(days=1)
    return min(last, today())


@hookimpl
def compute_metric(metric, site, period):
    from core.plugins import submissions_between

    if metric.key not in ("risk.open_sanbao_cases", "risk.sanbao_days_open"):
        return None
    on = _end_of(period)
    entries = submissions_between(SANBAO_CASE, site, add_months(period, 1 - SANBAO_MONTHS), period)
    cases = computations.open_sanbao_cases(entries, on)
    if cases is None:
        return None
    if metric.key == "risk.open_sanbao_cases":
        return len(cases)
    days = computations.sanbao_days_open(cases, on)
    return None if days is None else round(days, 1)


@hookimpl
def form_submitted(submission):
    """Sensitive personal information processed without separate consent is a
    breach of PIPL Art.29 (a minor's without the guardian's consent, of Art.31):
    it becomes a major nonconformity at once."""
    if submission.form_key != "risk.consent_record":
        return
    data = submission.data
    if data.get("sensitive") is True and (
        data.get("separate_consent") is False or data.get("guardian_consent") is False
    ):
        raise_nonconformity(
            title=f"Sensitive personal information without separate consent: {data.get('customer', '')}"[:300],
            description=(
                "A consent record shows sensitive personal information (PIPL Art.28: biometrics, religious "
                "belief, specific identity, medical and health data, financial accounts, whereabouts, a minor "
                "under 14's information) processed without the separate consent PIPL Art.29 requires, or a "
                "minor's without the guardian's consent (Art.31). Stop the processing, obtain the consent or "
                "delete the data, and find why it was collected."
            ),
            severity="major",
            site=submission.site.code,
            department="RISK",
            source="plugin:risk",
            source_ref=f"form-submission:{submission.id}",
        )


@hookimpl
def dashboard_panels(site, user):
    register = register_of(site)
    everything = submissions_url("risk.register_entry", site) if site else None
    return [DashboardPanel(title=_l("Risk matrix"), html=panel_html(register, today(), everything))]


def panel_html(register, on, everything: str | None = None) -> str:
    return str(heat_map(register) + level_summary(register) + overdue_list(register, on, everything))


def heat_map(register) -> Markup:
    counts = computations.matrix(register)
    left, top = 44, 8
    size = left + 5 * CELL + 8
    cells = []
    for (likelihood, impact), count in sorted(counts.items()):
        x, y = left + (likelihood - 1) * CELL, top + (5 - impact) * CELL
        fill = FILLS[computations.level(likelihood * impact)]
        cells.append(
            Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff" stroke-width="2"/>').format(
                x, y, CELL, CELL, fill
            )
        )
        if count:
            cells.append(
                Markup(
                    '<text x="{}" y="{}" text-anchor="middle" dominant-baseline="central" '
                    'font-size="16" font-weight="bold" fill="#1d2433">{}</text>'
                ).format(x + CELL // 2, y + CELL // 2, count)
            )
    for n in computations.SCALE:
        cells.append(
            Markup('<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="#4a5468">{}</text>').format(
                left + (n - 1) * CELL + CELL // 2, top + 5 * CELL + 16, n
            )
        )
        cells.append(
            Markup(
                '<text x="{}" y="{}" text-anchor="end" dominant-baseline="central" font-size="12" '
                'fill="#4a5468">{}</text>'
            ).format(left - 8, top + (5 - n) * CELL + CELL // 2, n)
        )
    bottom = top + 5 * CELL + 36
    cells.append(
        Markup('<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="#1d2433">{}</text>').format(
            left + 5 * CELL // 2, bottom, _("Likelihood")
        )
    )
    cells.append(
        Markup(
            '<text x="12" y="{}" text-anchor="middle" font-size="12" fill="#1d2433" '
            'transform="rotate(-90 12 {})">{}</text>'
        ).format(top + 5 * CELL // 2, top + 5 * CELL // 2, _("Impact"))
    )
    label = _("Risk matrix: %(count)d open risks by likelihood (1–5) and impact (1–5)", count=len(register))
    return Markup(
        '<svg class="risk-matrix" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>'
    ).format(label, size, bottom + 8, size, bottom + 8, Markup("").join(cells))


def level_summary(register) -> Markup:
    names = {"critical": _("Critical"), "high": _("High"), "medium": _("Medium"), "low": _("Low")}
    tally = dict.fromkeys(names, 0)
    for entry in register:
        tally[computations.level(computations.score(entry))] += 1
    items = Markup("").join(Markup("<li>{}: {}</li>").format(names[name], tally[name]) for name in names)
    return Markup('<ul class="risk-levels">{}</ul>').format(items)


def overdue_list(register, on, everything: str | None = None) -> Markup:
    """The longest overdue risks, ``OVERDUE_SHOWN`` of them, under a heading that counts them all."""
    late = computations.overdue(register, on)
    if not late:
        return Markup("<p>{}</p>").format(_("No open risk is past its review date."))
    rows = Markup("").join(
        Markup("<li><strong>{}</strong> {} ({}): {}</li>").format(
            entry["risk_id"],
            entry["risk"],
            entry["owner"],
            _("review was due %(date)s, score %(score)d", date=entry["review_date"], score=computations.score(entry)),
        )
        for entry in late[:OVERDUE_SHOWN]
    )
    heading = _("Past their review date: %(count)d", count=len(late))
    html = Markup('<h3>{}</h3><ul class="risk-overdue">{}</ul>').format(heading, rows)
    if len(late) > OVERDUE_SHOWN:
        more = _("and %(count)d more", count=len(late) - OVERDUE_SHOWN)
        html += (
            Markup('<p class="muted"><a href="{}">{}</a></p>').format(everything, more)
            if everything
            else Markup('<p class="muted">{}</p>').format(more)
        )
    return html


@hookimpl
def populate_instance(demo):
    from plugins.risk import demo as demo_records

    if demo:
        demo_records.populate()
