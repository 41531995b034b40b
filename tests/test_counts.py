"""A capped count asked twice in one request is read once, and never outlives a write."""

from __future__ import annotations

from tests.statements import statements


def test_a_count_asked_again_is_read_once_until_the_session_writes(app, users):
    from core.accounts.models import Site
    from core.accounts.services import create_site
    from core.counts import capped_count
    from core.database import commit, db

    active = db.select(Site).where(Site.active.is_(True))
    with app.app_context():
        with statements(app) as sent:
            first = capped_count(active)
            assert capped_count(active) == first
        assert len([statement for statement in sent if "count(*)" in statement]) == 1
        # Every kind of write: an added row not flushed yet, flushed, committed, rolled back.
        db.session.add(Site(code="EAST", name="East", time_zone="Asia/Shanghai"))
        assert capped_count(active) == first + 1
        db.session.flush()
        assert capped_count(active) == first + 1
        commit()
        assert capped_count(active) == first + 1
        create_site(None, "WEST", "West")
        assert capped_count(active) == first + 2
        db.session.rollback()
        assert capped_count(active) == first + 1
        east = db.session.execute(db.select(Site).filter_by(code="EAST")).scalar_one()
        east.active = False
        assert capped_count(active) == first
        db.session.delete(east)
        assert capped_count(db.select(Site)) == first
        # Another count (other parameters) is its own.
        assert capped_count(db.select(Site).where(Site.code == "MAIN")) == 1
