"""The risk-based audit programme (ISO 9001 9.2.2 a, ISO 19011 5.3): for a site and year,
how often each department should be audited, from what is known about it — its last audit's
findings, its open nonconformities, its red KPIs, the time since it was last audited, and what
the area plugins add (the risk register) — with the reasons written next to each line. The
quality officer accepts it, changing any line; the accepted lines replace the year's programme
where no audit was planned from it yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from audits.models import Audit, AuditDepartment, NcState, Nonconformity, ProgrammeEntry
from audits.services.common import site_named
from audits.services.programme import DONE_STATES
from core.accounts.models import Department, Role, Site, User
from core.accounts.permissions import works_at
from core.checklists import catalog
from core.clock import last_complete_period, today
from core.database import db
from core.errors import Refusal, ValidationFailed, enforce
from core.metrics import services as metrics
from core.plugin_engine import manager

# The points that ask for two and four audits a year.
TWICE, FOUR_TIMES = 4, 8
CHOICES = (0, 1, 2, 3, 4)


@dataclass
class Line:
    department: Department
    year: int
    # Departments are shifted a month from each other, so that they do not all fall in January.
    offset: int = 0
    points: int = 0
    reasons: list[str] = field(default_factory=list)
    last_audit: Audit | None = None

    @property
    def audits_a_year(self) -> int:
        if self.points >= FOUR_TIMES:
            return 4
        return 2 if self.points >= TWICE else 1

    def months(self, audits_a_year: int | None = None) -> list[int]:
        """The months of the audits (the proposed number of them unless told another)."""
        return months_for(self.audits_a_year if audits_a_year is None else audits_a_year, self.offset, self.year)

    def add(self, points: int, reason: str) -> None:
        self.points += points
        self.reasons.append(f"{reason} (+{points})" if points else reason)


def role_refusal(user: User, *, accepting: bool = False) -> Refusal | None:
    """Quality officers accept a proposal; auditors may read it too."""
    roles = {Role.QUALITY_OFFICER} if accepting else {Role.QUALITY_OFFICER, Role.AUDITOR}
    if user.roles & roles:
        return None
    return Refusal(_("Only a quality officer of the site plans its audit programme."))


def refusal(user: User, site: Site, *, accepting: bool = False) -> Refusal | None:
    """Quality officers in scope (their site, or every site from the group office) accept a
    proposal; auditors in scope may read it too."""
    return role_refusal(user, accepting=accepting) or (
        None if works_at(user, site.id) else Refusal(_("Only a quality officer of the site plans its audit programme."))
    )


def _departments() -> list[Department]:
    """The departments the programme covers: the areas with checklists to audit them by."""
    areas = {code for departments in catalog.departments().values() for code in departments}
    rows = db.session.execute(db.select(Department).order_by(Department.code)).scalars()
    return [department for department in rows if department.code in areas]


def _last_audit(site: Site, department: Department) -> Audit | None:
    return db.session.execute(
        db.select(Audit)
        .join(AuditDepartment, AuditDepartment.audit_id == Audit.id)
        .where(Audit.site_id == site.id, AuditDepartment.department_id == department.id, Audit.state.in_(DONE_STATES))
        .order_by(Audit.planned_date.desc())
        .limit(1)
    ).scalar_one_or_none()


def _weigh_last_audit(line: Line, site: Site, on: date) -> None:
    audit = line.last_audit = _last_audit(site, line.department)
    if audit is None:
        line.add(3, _("never audited here"))
        return
    months = (on.year - audit.planned_date.year) * 12 + on.month - audit.planned_date.month
    found = db.session.execute(
        db.select(Nonconformity.severity, db.func.count())
        .where(
            Nonconformity.audit_id == audit.id,
            Nonconformity.department_id == line.department.id,
            Nonconformity.state != NcState.CANCELLED,
        )
        .group_by(Nonconformity.severity)
    ).all()
    counts = dict(found)
    majors, minors = counts.get("major", 0), counts.get("minor", 0)
    points = min(6, 3 * majors + minors)
    line.add(
        points,
        _(
            "last audit %(reference)s (%(month)s): %(majors)s major and %(minors)s minor findings",
            reference=audit.reference,
            month=f"{audit.planned_date:%Y-%m}",
            majors=majors,
            minors=minors,
        ),
    )
    if months > 12:
        line.add(3, _("%(months)s months since the last audit", months=months))
    elif months > 9:
        line.add(1, _("%(months)s months since the last audit", months=months))


def _weigh_open_ncs(line: Line, site: Site) -> None:
    rows = db.session.execute(
        db.select(Nonconformity.severity, db.func.count())
        .where(
            Nonconformity.site_id == site.id,
            Nonconformity.department_id == line.department.id,
            Nonconformity.state.not_in([NcState.CLOSED, NcState.CANCELLED]),
        )
        .group_by(Nonconformity.severity)
    ).all()
    counts = dict(rows)
    total, majors = sum(counts.values()), counts.get("major", 0)
    if total:
        points = min(3, total) + min(2, majors)
        line.add(points, _("%(total)s open nonconformities (%(majors)s major)", total=total, majors=majors))


def _weigh_red_kpis(line: Line, site: Site) -> None:
    period = last_complete_period()
    red = []
    for metric in metrics.definitions():
        if metric.area != line.department.code:
            continue
        measurement = metrics.find(metric, site, period)
        if measurement is not None:
            thresholds = metrics.thresholds_for(metric, site)
            if metrics.status(metric, thresholds, measurement.value) == metrics.RED:
                red.append(str(metric.name))
    if red:
        line.add(min(3, len(red)), _("red KPIs in %(period)s: %(names)s", period=period, names=", ".join(red)))


def propose(site: Site, year: int, on: date | None = None) -> list[Line]:
    """One line per department, with its points, its reasons and the audits a year they ask for."""
    on = on or today()
    lines = []
    for offset, department in enumerate(_departments()):
        line = Line(department, year=year, offset=offset)
        _weigh_last_audit(line, site, on)
        _weigh_open_ncs(line, site)
        _weigh_red_kpis(line, site)
        for plugin, factor in manager.audit_risk_factors(site, department):
            line.add(factor.points, f"{factor.reason} [{plugin}]")
        lines.append(line)
    return lines


def months_for(audits_a_year: int, offset: int, year: int, on: date | None = None) -> list[int]:
    """Months spread evenly over the year, shifted by ``offset`` so that departments do not all
    fall in January; in the current year only months still to come."""
    if audits_a_year <= 0:
        return []
    step = 12 // audits_a_year
    months = sorted({(offset % step) + 1 + step * n for n in range(audits_a_year)})
    on = on or today()
    if year == on.year:
        months = [month for month in months if month >= on.month] or [on.month]
    return months


def accept(actor: User, *, site: str, year: int, audits_a_year: dict[str, int] | None = None) -> list[ProgrammeEntry]:
    """The proposal, with the quality officer's changes (``{department: audits a year}``), as the
    site's programme for ``year``: its lines without an audit planned from them are replaced."""
    site_row = site_named(site)
    enforce(refusal(actor, site_row, accepting=True))
    if not 2000 <= int(year) <= 2100:
        raise ValidationFailed.field("year", _("must be between 2000 and 2100"))
    if year < today().year:
        raise ValidationFailed.field(
            "year", _("a past year's programme is history; propose this year's or a later one")
        )
    changes = audits_a_year or {}
    lines = {line.department.code: line for line in propose(site_row, year)}
    unknown = sorted(set(changes) - set(lines))
    if unknown:
        raise ValidationFailed.field("audits_a_year", _("no programme line for %(lines)s", lines=", ".join(unknown)))
    bad = sorted(code for code, count in changes.items() if count not in CHOICES)
    if bad:
        raise ValidationFailed.field("audits_a_year", _("0 to 4 audits a year (%(lines)s)", lines=", ".join(bad)))
    existing = db.session.execute(db.select(ProgrammeEntry).filter_by(site_id=site_row.id, year=year)).scalars().all()
    kept = {(entry.department_id, entry.month) for entry in existing if entry.audits}
    for entry in existing:
        if not entry.audits:
            db.session.delete(entry)
    db.session.flush()
    created = []
    for code, line in sorted(lines.items()):
        count = changes.get(code, line.audits_a_year)
        note = "; ".join(line.reasons)
        if code in changes and changes[code] != line.audits_a_year:
            note += "; " + _(
                "proposed %(proposed)s a year, set to %(chosen)s by %(who)s",
                proposed=line.audits_a_year,
                chosen=count,
                who=actor.display_name,
            )
        for month in line.months(count):
            if (line.department.id, month) in kept:
                continue
            entry = ProgrammeEntry(
                year=year, month=month, site=site_row, department=line.department, area="", note=note[:4000]
            )
            db.session.add(entry)
            created.append(entry)
    db.session.flush()
    return created
