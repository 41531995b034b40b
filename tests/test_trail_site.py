"""Each trail event keeps the site of its record, outside the hashed content: the reader's
page is found by it, it follows a record that moves, and the chain verifies as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.test_trail_scope import records, world  # noqa: F401  (fixtures)


def _sites_of(entity_type: str, entity_id) -> set:
    from core.database import db
    from core.trail.models import TrailEvent

    return set(
        db.session.execute(
            db.select(TrailEvent.site_id).where(
                TrailEvent.entity_type == entity_type, TrailEvent.entity_id == str(entity_id)
            )
        ).scalars()
    )


def _site_id(code: str) -> int:
    from core.accounts.services import site_by_code

    return site_by_code(code).id


@pytest.fixture
def action(app, records):  # noqa: F811
    """A corrective action on the MAIN sales NC, owned by the MAIN sales head."""
    from audits.models import CorrectiveAction, Nonconformity
    from core.accounts.services import user_by_login
    from core.clock import today
    from core.database import commit, db
    from core.trail import acting_as

    with app.app_context(), acting_as("admin"):
        nc = db.session.get(Nonconformity, int(records["nc_main_sales"]))
        row = CorrectiveAction(
            nonconformity=nc,
            number=1,
            description="Retrain the team",
            owner=user_by_login("head"),
            due_date=today() + timedelta(days=30),
        )
        db.session.add(row)
        commit()
        return str(row.id)


def test_each_event_keeps_the_site_of_its_record_or_of_the_record_it_belongs_to(app, world, records, action):  # noqa: F811
    from procedures import services

    with app.app_context():
        main, north = _site_id("MAIN"), _site_id("NORTH")
        assert _sites_of("measurement", records["measured_main"]) == {main}
        assert _sites_of("measurement", records["measured_north"]) == {north}
        assert _sites_of("nonconformity", records["nc_north_sales"]) == {north}
        # Through the record it belongs to: an NC's action, a procedure's revision.
        assert _sites_of("corrective_action", action) == {main}
        revision = services.procedure_by_code("SA-PR-NORTH").revisions[0]
        assert _sites_of("procedure_revision", revision.id) == {north}
        # Records of no site (the group's accounts, departments) keep none.
        assert _sites_of("department", 1) == {None}


def test_a_signature_keeps_the_site_of_what_was_signed(app, world):  # noqa: F811
    from core.accounts.services import user_by_login
    from core.database import commit
    from core.signatures import Signature
    from core.testing import TEST_PASSWORD
    from procedures import services

    with app.app_context():
        revision = services.procedure_by_code("SA-PR-NORTH").revisions[0]
        services.submit(user_by_login("northhead"), revision, row_version=revision.row_version)
        services.sign_revision(user_by_login("northqo"), revision, meaning="approved", password=TEST_PASSWORD)
        commit()
        from core.database import db

        signature = db.session.execute(
            db.select(Signature).where(Signature.entity_type == "procedure_revision")
        ).scalar_one()
        assert _sites_of("signature", signature.id) == {_site_id("NORTH")}


def test_a_deleted_records_events_keep_its_site(app, records):  # noqa: F811
    from core.database import commit, db
    from core.metrics.models import Measurement
    from core.trail import acting_as

    with app.app_context(), acting_as("admin"):
        db.session.delete(db.session.get(Measurement, int(records["measured_north"])))
        commit()
        assert _sites_of("measurement", records["measured_north"]) == {_site_id("NORTH")}


def test_a_record_that_moves_takes_its_whole_history_and_its_parts_to_the_new_site(
    app,
    api_as,
    records,  # noqa: F811
    action,  # noqa: F811
):
    """The trail follows the record, as its page does: the readers of the new site read its
    whole history (its action's too), those of the old one no longer read any of it."""
    from audits.models import Nonconformity
    from core.database import commit, db
    from core.trail import acting_as
    from core.trail.chain import verify

    nc_id = records["nc_main_sales"]
    assert nc_id in _seen_ids(api_as("qo"), "nonconformity")
    with app.app_context(), acting_as("admin"):
        db.session.get(Nonconformity, int(nc_id)).site_id = _site_id("NORTH")
        commit()
        north = _site_id("NORTH")
        assert _sites_of("nonconformity", nc_id) == {north}
        assert _sites_of("corrective_action", action) == {north}
        assert verify(db.session.connection()).ok, "the site is not part of the hashed content"
        db.session.remove()
    assert nc_id in _seen_ids(api_as("northqo"), "nonconformity")
    assert action in _seen_ids(api_as("northqo"), "corrective_action")
    assert nc_id not in _seen_ids(api_as("qo"), "nonconformity")
    assert action not in _seen_ids(api_as("qo"), "corrective_action")


def _seen_ids(api, entity_type: str) -> set[str]:
    response = api.get(f"/api/v1/trail?entity_type={entity_type}&limit=500")
    assert response.status_code == 200, response.get_data(as_text=True)
    return {event["entity_id"] for event in response.get_json()}


def _walk(api, limit: int, order: str = "desc") -> list[int]:
    """Every event the API lists, page by page (``limit`` a page)."""
    seqs, url = [], f"/api/v1/trail?limit={limit}&order={order}"
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        seqs += [event["seq"] for event in response.get_json()]
        link = response.headers.get("Link", "")
        url = link[link.index("<") + 1 : link.index(">")] if 'rel="next"' in link else None
    return seqs


@pytest.mark.parametrize("who", ["qo", "northqo", "auditor", "head", "servicehead", "northhead", "admin"])
def test_the_pages_list_exactly_the_events_the_reader_may_read_newest_first(app, api_as, who, records, action):  # noqa: F811
    """The page is a union of branches, each cut to the page size: paging through it in small
    pages, either way, gives exactly the events of the one rule (``visible_to``), in order."""
    from core.accounts.services import user_by_login
    from core.database import db
    from core.trail.models import TrailEvent
    from core.trail.queries import visible_to

    api = api_as(who)
    with app.app_context():
        expected = list(
            db.session.execute(
                db.select(TrailEvent.seq).where(visible_to(user_by_login(who))).order_by(TrailEvent.seq.desc())
            ).scalars()
        )
    assert expected, "every reader here reads some events"
    assert _walk(api, 3) == expected
    assert _walk(api, 4, "asc") == expected[::-1]


def test_the_database_lets_only_the_site_of_an_event_change(app, records):  # noqa: F811
    from sqlalchemy.exc import DBAPIError

    from core.database import db

    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE trail_event SET site_id = NULL WHERE seq = 1"))
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("UPDATE trail_event SET actor = 'someone' WHERE seq = 1"))
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("DELETE FROM trail_event WHERE seq = 1"))


def test_the_migration_gives_existing_events_the_site_their_records_have(app, records, action):  # noqa: F811
    """An instance upgraded from before the column: its events get, set-based per type, the
    site the recorder would have given them — a deleted record's from its deletion — and the
    chain verifies unchanged."""
    from flask_migrate import downgrade
    from flask_migrate import upgrade as alembic_upgrade

    from core.database import commit, db
    from core.metrics.models import Measurement
    from core.trail import acting_as
    from core.trail.chain import verify

    with app.app_context():
        with acting_as("admin"):
            db.session.delete(db.session.get(Measurement, int(records["measured_north"])))
            commit()
        stamped = db.session.execute(text("SELECT seq, site_id FROM trail_event ORDER BY seq")).all()
        assert any(site is not None for _seq, site in stamped)
        db.session.remove()
        downgrade(revision="0014_trail_reader_indexes")
        alembic_upgrade(revision="heads")
        assert db.session.execute(text("SELECT seq, site_id FROM trail_event ORDER BY seq")).all() == stamped
        assert verify(db.session.connection()).ok
