"""The yearly audit programme of a site and its coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from audits.models import Audit, AuditDepartment, AuditState, ProgrammeEntry
from audits.services.common import department_named, optional_text, site_named
from core.accounts.models import Department, Site, User
from core.accounts.permissions import Permission, require
from core.checklists import catalog
from core.clock import today
from core.database import db
from core.errors import NotFound, ValidationFailed

STARTER_PROGRAMMES = Path(__file__).resolve().parent.parent / "programmes"
DONE_STATES = (AuditState.REPORTED, AuditState.CLOSED)
COVERAGE_WINDOW_DAYS = 365


def entry_by_id(entry_id: int) -> ProgrammeEntry:
    entry = db.session.get(ProgrammeEntry, entry_id)
    if entry is None:
        raise NotFound(_("There is no programme entry %(entry_id)s.", entry_id=entry_id))
    return entry


def add_entry(
    actor: User | None, *, year: int, month: int, site: str, department: str, area: str = "", note: str | None = None
) -> ProgrammeEntry:
    if actor is not None:
        require(actor, Permission.RUN_AUDITS)
    if not 2000 <= int(year) <= 2100:
        raise ValidationFailed.field("year", _("must be between 2000 and 2100"))
    if not 1 <= int(month) <= 12:
        raise ValidationFailed.field("month", _("must be between 1 and 12"))
    site_row, department_row = site_named(site), department_named(department)
    duplicate = db.session.execute(
        db.select(ProgrammeEntry.id).filter_by(
            site_id=site_row.id, year=year, month=month, department_id=department_row.id
        )
    ).first()
    if duplicate:
        raise ValidationFailed.field(
            "month",
            _(
                "%(department)s is already planned at %(site)s in %(month)s",
                department=department_row.code,
                site=site_row.code,
                month=f"{year}-{int(month):02d}",
            ),
        )
    entry = ProgrammeEntry(
        year=int(year),
        month=int(month),
        site=site_row,
        department=department_row,
        area=(area or "").strip()[:200],
        note=optional_text(note),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def remove_entry(actor: User, entry: ProgrammeEntry) -> None:
    require(actor, Permission.RUN_AUDITS)
    if entry.audits:
        raise ValidationFailed.field("entry", _("audits were planned from this entry; it stays in the programme"))
    db.session.delete(entry)
    db.session.flush()


@dataclass(frozen=True)
class Coverage:
    entry: ProgrammeEntry
    status: str  # planned, scheduled, in_progress, done, overdue
    audit: Audit | None


def _status(entry: ProgrammeEntry, on: date) -> tuple[str, Audit | None]:
    live = [a for a in entry.audits if a.state != AuditState.CANCELLED]
    done = [a for a in live if a.state in DONE_STATES]
    if done:
        return "done", done[-1]
    running = [a for a in live if a.state == AuditState.IN_PROGRESS]
    if running:
        return "in_progress", running[-1]
    month_end = date(entry.year + entry.month // 12, entry.month % 12 + 1, 1) - timedelta(days=1)
    if on > month_end:
        return "overdue", live[-1] if live else None
    return ("scheduled", live[-1]) if live else ("planned", None)


def coverage(site: Site, year: int, on: date | None = None) -> list[Coverage]:
    on = on or today()
    entries = db.session.execute(
        db.select(ProgrammeEntry)
        .filter_by(site_id=site.id, year=year)
        .options(selectinload(ProgrammeEntry.audits), selectinload(ProgrammeEntry.department))
        .order_by(ProgrammeEntry.month, ProgrammeEntry.id)
    ).scalars()
    return [Coverage(entry, *_status(entry, on)) for entry in entries]


def not_audited_recently(site: Site, on: date | None = None) -> list[tuple[Department, date | None]]:
    """Departments with no reported audit at ``site`` in the last 12 months, with their last one."""
    on = on or today()
    last = dict(
        db.session.execute(
            db.select(AuditDepartment.department_id, db.func.max(Audit.planned_date))
            .join(Audit, Audit.id == AuditDepartment.audit_id)
            .where(Audit.site_id == site.id, Audit.state.in_(DONE_STATES))
            .group_by(AuditDepartment.department_id)
        ).all()
    )
    since = on - timedelta(days=COVERAGE_WINDOW_DAYS)
    return [
        (department, last.get(department.id))
        for department in db.session.execute(db.select(Department).order_by(Department.code)).scalars()
        if last.get(department.id) is None or last[department.id] < since
    ]


def suggested_checklists(department_code: str) -> list[str]:
    """Checklists that apply to the department (any of an imported one's departments, not only
    its first): the usual choice when planning from the programme."""
    return [key for key, departments in catalog.departments().items() if department_code in departments]


def load_starter_programme(year: int | None = None, folder: Path = STARTER_PROGRAMMES) -> int:
    """Put the starter programme in place at each listed site that exists; safe to repeat.

    A file names its sites (``sites: [{code, shift}]``, or one ``site``; the
    default site ``MAIN`` when it names none) and its entries; a site that
    already has a programme for the year is left alone, so ``init`` adds it
    once and never overrides what the quality officer planned.
    """
    year = year or today().year
    added = 0
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for code, shift in _sites_of(data):
            site = db.session.execute(db.select(Site).filter_by(code=code)).scalar_one_or_none()
            if site is None:
                continue
            if db.session.execute(db.select(ProgrammeEntry.id).filter_by(site_id=site.id, year=year)).first():
                continue
            added += _add_starter_entries(site, year, data.get("entries", []), shift)
    db.session.flush()
    return added


def _sites_of(data: dict) -> list[tuple[str, int]]:
    if "sites" in data:
        return [(str(line["code"]), int(line.get("shift", 0))) for line in data["sites"]]
    return [(str(data.get("site", "MAIN")), 0)]


def _add_starter_entries(site: Site, year: int, lines: list[dict], shift: int) -> int:
    added = 0
    taken = set()
    for line in lines:
        department = db.session.execute(db.select(Department).filter_by(code=line["department"])).scalar_one_or_none()
        if department is None:
            continue
        # A shift past December wraps round to the start of the same year's programme.
        month = (int(line["month"]) - 1 + shift) % 12 + 1
        if (month, department.id) in taken:
            continue
        taken.add((month, department.id))
        db.session.add(
            ProgrammeEntry(
                year=year,
                month=month,
                site=site,
                department=department,
                area=str(line.get("area", ""))[:200],
                note=line.get("note"),
            )
        )
        added += 1
    return added
