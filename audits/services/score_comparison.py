"""Scores compared across sites: the ranking of sites on one checklist version and each site's
scores over time (issue #17, "Comparisons").

What counts:

- audits that are reported or closed. A running audit's score moves with every answer (items
  not yet answered count nowhere), so counting it would move a site up and down the ranking
  while the auditor is still walking the floor; a cancelled one was never finished;
- the audit's score on that one checklist (:func:`audits.scoring.score_checklist`), not its
  overall score, which averages every scored checklist the audit had;
- one checklist version at a time: a new version may weigh, add or drop questions, so a
  ranking never puts a site audited against version 1 next to one audited against version 2.
  The history shows every version, each point saying which;
- every site of the group, whoever reads: a score is a performance figure like a KPI value, and
  a dealer group publishes its sites' standings to all of them, as KPI values are (see
  docs/organisation.md). Who may compare at all is who reads audits (not staff); an audit's
  reference is given only to those who may read the audit, so the record itself stays in scope.

An audit's date is the day its fieldwork started on its site's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from audits import scoring
from audits.models import Audit, AuditChecklist, AuditItem, AuditState
from audits.services.audits import can_read, require_read, visible_clause
from core.accounts.models import Site, User
from core.database import db
from core.errors import NotFound
from core.times import zone_of

# Reported or closed: the findings are final (see the module's docstring).
COUNTED_STATES = (AuditState.REPORTED.value, AuditState.CLOSED.value)


@dataclass(frozen=True)
class ScoredChecklist:
    """A scored checklist version with the counted audits the reader may read."""

    key: str
    version: int
    title: str
    area: str
    pass_threshold: float | None
    audits: int
    last_started: object  # the newest audit's start (for "most recently audited first")


@dataclass(frozen=True)
class SiteScore:
    rank: int
    site: Site
    # Percent, None when nothing in the checklist counted (everything not applicable).
    score: float | None
    passed: bool | None
    must_pass_failed: int
    # The audit's reference, None for a reader who may not read the audit itself.
    audit: str | None
    date: date


@dataclass(frozen=True)
class ScorePoint:
    audit: str | None  # None for a reader who may not read the audit itself
    date: date
    score: float | None
    version: int
    passed: bool | None


@dataclass(frozen=True)
class SiteHistory:
    site: Site
    points: list[ScorePoint]


@dataclass(frozen=True)
class Comparison:
    checklist: ScoredChecklist
    ranking: list[SiteScore]
    history: list[SiteHistory]

    @property
    def key(self) -> str:
        return self.checklist.key

    @property
    def version(self) -> int:
        return self.checklist.version


def _counted():
    """The snapshots of scored checklists of the counted audits, at every site."""
    return (
        db.select(AuditChecklist)
        .join(AuditChecklist.audit)
        .where(AuditChecklist.scale != "grades", Audit.state.in_(COUNTED_STATES))
    )


def may_compare(user: User) -> bool:
    """Whether ``user`` reads audits at all (staff do not): which ones is the audit list's rule."""
    return can_read(user)


def scored_checklists(user: User, *, site: Site | None = None, area: str | None = None) -> list[ScoredChecklist]:
    """Every scored checklist version with counted audits (at ``site``, of ``area`` when given),
    the most recently audited first; titles in the reader's language."""
    require_read(user)
    counts = (
        db.select(
            AuditChecklist.key,
            AuditChecklist.version,
            func.count(AuditChecklist.id).label("audits"),
            func.max(Audit.started_at).label("last_started"),
            func.max(AuditChecklist.id).label("newest"),
        )
        .join(AuditChecklist.audit)
        .where(AuditChecklist.scale != "grades", Audit.state.in_(COUNTED_STATES))
        .group_by(AuditChecklist.key, AuditChecklist.version)
    )
    if site is not None:
        counts = counts.where(Audit.site_id == site.id)
    if area is not None:
        counts = counts.where(AuditChecklist.area == area)
    rows = db.session.execute(counts).all()
    # The newest snapshot of each version gives its title and pass mark, in one query.
    newest = {
        snapshot.id: snapshot
        for snapshot in db.session.execute(
            db.select(AuditChecklist).where(AuditChecklist.id.in_([row.newest for row in rows]))
        ).scalars()
    }
    found = [
        ScoredChecklist(
            key=row.key,
            version=row.version,
            title=newest[row.newest].shown("title"),
            area=newest[row.newest].area,
            pass_threshold=newest[row.newest].pass_threshold,
            audits=row.audits,
            last_started=row.last_started,
        )
        for row in rows
    ]
    found.sort(key=lambda c: (c.key, -c.version))
    found.sort(key=lambda c: c.last_started, reverse=True)
    return found


def latest_versions(checklists: list[ScoredChecklist]) -> list[ScoredChecklist]:
    """The newest version of each checklist key, in the order given."""
    newest: dict[str, int] = {}
    for checklist in checklists:
        newest[checklist.key] = max(newest.get(checklist.key, 0), checklist.version)
    return [c for c in checklists if c.version == newest[c.key]]


def _scores(
    user: User, key: str, version: int | None, *, latest_only: bool = False
) -> list[tuple[AuditChecklist, scoring.ChecklistScore, bool]]:
    """Each counted snapshot of ``key`` (of ``version``, or every version) with its score, oldest
    audit first: the snapshots in one query, their audits in a second, their items in a third,
    whatever their number. ``latest_only``: each site's latest only (a ranking on the dashboard
    costs the same after ten years of audits as after one). The third of each triple: whether
    ``user`` may read the audit itself."""
    query = _counted().where(AuditChecklist.key == key)
    if version is not None:
        query = query.where(AuditChecklist.version == version)
    if latest_only:
        newest_first = (
            func.row_number()
            .over(partition_by=Audit.site_id, order_by=(Audit.started_at.desc(), Audit.id.desc()))
            .label("newest_first")
        )
        latest = query.with_only_columns(AuditChecklist.id, newest_first).subquery()
        query = (
            db.select(AuditChecklist).join(latest, latest.c.id == AuditChecklist.id).where(latest.c.newest_first == 1)
        )
    snapshots = db.session.execute(query).scalars().all()
    if not snapshots:
        return []
    # The audits with their sites in one query (not their teams and departments, which the audit
    # eagerly loads elsewhere), held by their snapshots: no query per audit later.
    audits = {
        audit.id: audit
        for audit in db.session.execute(
            db.select(Audit)
            .where(Audit.id.in_({s.audit_id for s in snapshots}))
            .options(joinedload(Audit.site), lazyload(Audit.department_rows), lazyload(Audit.auditor_rows))
        ).scalars()
    }
    for snapshot in snapshots:
        set_committed_value(snapshot, "audit", audits[snapshot.audit_id])
    readable = set(db.session.execute(db.select(Audit.id).where(Audit.id.in_(audits), visible_clause(user))).scalars())
    items: dict[int, list[AuditItem]] = {s.id: [] for s in snapshots}
    for item in db.session.execute(
        db.select(AuditItem).where(AuditItem.checklist_id.in_(items)).order_by(AuditItem.position)
    ).scalars():
        items[item.checklist_id].append(item)
    snapshots = sorted(snapshots, key=lambda s: (audits[s.audit_id].started_at, s.audit_id))
    return [
        (snapshot, scoring.score_checklist(snapshot, items[snapshot.id]), snapshot.audit_id in readable)
        for snapshot in snapshots
    ]


def _day(audit: Audit) -> date:
    if audit.started_at is None:
        return audit.planned_date
    return audit.started_at.astimezone(zone_of(audit.site)).date()


def _ranked(latest: list[tuple[AuditChecklist, scoring.ChecklistScore, bool]]) -> list[SiteScore]:
    """Best first; sites with the same score (as shown, to one decimal) share a rank and keep the
    order of their codes; a site whose audit counted nothing comes last."""

    def shown(score):
        return None if score.score is None else round(score.score, 1)

    ordered = sorted(latest, key=lambda pair: pair[0].audit.site.code)
    ordered.sort(key=lambda pair: (shown(pair[1]) is None, -(shown(pair[1]) or 0)))
    ranking = []
    for position, (snapshot, score, readable) in enumerate(ordered):
        tied = ranking and shown(score) == ranking[-1].score
        ranking.append(
            SiteScore(
                rank=ranking[-1].rank if tied else position + 1,
                site=snapshot.audit.site,
                score=shown(score),
                passed=score.passed,
                must_pass_failed=len(score.failed_must_pass),
                audit=snapshot.audit.reference if readable else None,
                date=_day(snapshot.audit),
            )
        )
    return ranking


def site_ranking(user: User, key: str, version: int) -> list[SiteScore]:
    """Per site the latest counted audit's score on ``key`` version ``version``, best first."""
    require_read(user)
    return _ranking(_scores(user, key, version, latest_only=True))


def _ranking(scores) -> list[SiteScore]:
    latest: dict[int, tuple] = {}
    for snapshot, score, readable in scores:  # oldest first: the last one of a site is its latest
        latest[snapshot.audit.site_id] = (snapshot, score, readable)
    return _ranked(list(latest.values()))


def _history(scores) -> list[SiteHistory]:
    by_site: dict[int, SiteHistory] = {}
    for snapshot, score, readable in scores:
        site = snapshot.audit.site
        line = by_site.setdefault(site.id, SiteHistory(site=site, points=[]))
        line.points.append(
            ScorePoint(
                audit=snapshot.audit.reference if readable else None,
                date=_day(snapshot.audit),
                score=None if score.score is None else round(score.score, 1),
                version=snapshot.version,
                passed=score.passed,
            )
        )
    return sorted(by_site.values(), key=lambda line: line.site.code)


def score_history(user: User, key: str, version: int | None = None) -> list[SiteHistory]:
    """Per site (by code) the scores of its counted audits on ``key`` over time, oldest first;
    every version unless ``version`` is given."""
    require_read(user)
    return _history(_scores(user, key, version))


def _unknown(key: str, version: int | None) -> NotFound:
    if version is None:
        return NotFound(_("No audit was scored on the checklist %(key)s.", key=key))
    return NotFound(_("No audit was scored on version %(version)s of the checklist %(key)s.", key=key, version=version))


def comparison(user: User, key: str, version: int | None = None) -> Comparison:
    """The ranking of the sites on ``key`` at ``version`` (default: the newest version with counted
    audits) and the history of that version. 404 when no audit was ever scored on that checklist
    version; a version whose audits are all still open gives an empty ranking."""
    require_read(user)
    available = [c for c in scored_checklists(user) if c.key == key]
    if version is None and available:
        version = max(c.version for c in available)
    chosen = next((c for c in available if c.version == version), None)
    if chosen is None:
        chosen = _known(key, version)
    scores = _scores(user, key, chosen.version)
    return Comparison(checklist=chosen, ranking=_ranking(scores), history=_history(scores))


def _known(key: str, version: int | None) -> ScoredChecklist:
    """A scored checklist version that audits started with, none of them reported yet."""
    query = db.select(AuditChecklist).where(AuditChecklist.key == key, AuditChecklist.scale != "grades")
    if version is not None:
        query = query.where(AuditChecklist.version == version)
    snapshot = db.session.execute(
        query.order_by(AuditChecklist.version.desc(), AuditChecklist.id.desc()).limit(1)
    ).scalar_one_or_none()
    if snapshot is None:
        raise _unknown(key, version)
    return ScoredChecklist(
        key=key,
        version=snapshot.version,
        title=snapshot.shown("title"),
        area=snapshot.area,
        pass_threshold=snapshot.pass_threshold,
        audits=0,
        last_started=None,
    )


def rank_text(rank: int, of: int) -> str:
    """A site's place among ``of`` sites, as the KPI page and the dashboard say it."""
    return _("rank %(rank)s of %(count)s", rank=rank, count=of)
