"""The dashboard and the audit-trail pages."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from core.accounts.models import Role, Site
from core.accounts.permissions import Permission, require
from core.database import db, read_only
from core.trail import chain
from core.trail.queries import events_query
from core.web import dashboard as dashboard_content
from core.web.routes import pages as bp

TRAIL_PAGE_SIZE = 50


def _dashboard_site() -> Site | None:
    """The site asked for, else the user's own, else the first active one."""
    code = request.args.get("site")
    if code:
        site = db.session.execute(db.select(Site).filter_by(code=code)).scalar_one_or_none()
        if site is None:
            abort(404)
        return site
    if current_user.site is not None:
        return current_user.site
    return db.session.execute(db.select(Site).filter_by(active=True).order_by(Site.code).limit(1)).scalar()


@bp.route("/")
@login_required
def dashboard():
    site = _dashboard_site()
    user = current_user._get_current_object()
    # Staff work at their site: no site to choose, and their tasks fit on one tablet screen.
    staff_only = not user.roles - {Role.STAFF}
    sites = (
        []
        if staff_only
        else db.session.execute(db.select(Site).filter_by(active=True).order_by(Site.code)).scalars().all()
    )
    content = dashboard_content.build(site, user)
    return render_template("web/dashboard.html", site=site, sites=sites, content=content)


def _positive_int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else None


@bp.route("/trail")
@login_required
def trail():
    require(current_user, Permission.READ_TRAIL)
    entity_type = request.args.get("entity_type", "").strip() or None
    entity_id = request.args.get("entity_id", "").strip() or None
    actor = request.args.get("actor", "").strip() or None
    before, after = _positive_int("before"), _positive_int("after")

    # Keyset pages on seq: as fast on the millionth event as on the first,
    # where OFFSET would read and discard every row before the page.
    query = events_query(
        entity_type=entity_type,
        entity_id=entity_id,
        actor=actor,
        user=current_user._get_current_object(),
        before=before,
        after=after,
        limit=TRAIL_PAGE_SIZE + 1,
    )
    rows = db.session.execute(query).scalars().all()
    more = len(rows) > TRAIL_PAGE_SIZE
    rows = rows[:TRAIL_PAGE_SIZE]
    if after is not None:
        rows.reverse()
    # Which way there is more depends on the direction we came from.
    has_older = more if after is None else bool(rows)
    has_newer = (more if after is not None else before is not None) and bool(rows)

    verification = None
    if request.args.get("verify"):
        with read_only(), db.engine.connect() as connection:
            verification = chain.verify(connection)

    filters = {"entity_type": entity_type or "", "entity_id": entity_id or "", "actor": actor or ""}
    return render_template(
        "web/trail.html",
        events=rows,
        filters=filters,
        verification=verification,
        query_args={name: value for name, value in filters.items() if value},
        older=rows[-1].seq if has_older and rows else None,
        newer=rows[0].seq if has_newer and rows else None,
    )
