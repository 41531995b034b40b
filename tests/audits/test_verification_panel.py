"""The dashboard's "Actions waiting for effectiveness verification" (issue #20): the done actions a
reader may read, found through the NCs they may read — their site's (their department's, for a
head) and the ones they raised, own or own an action of — instead of testing every done action of
the group against the reader's clause (12,000 at the large demo size: 75–190 ms for a site's
quality officer). Still exactly what the reader may read, never another site's."""

from __future__ import annotations

from datetime import timedelta

from audits.models import ActionState, CorrectiveAction
from audits.services import actions
from core.clock import today
from core.database import commit, db
from tests.audits.conftest import user
from tests.audits.test_scope import _raise, _with_action
from tests.audits.test_scope import world as world  # a fixture: MAIN and NORTH with their people

READERS = ("qo", "head", "aftersales.head", "north.qo", "north.sales.head")


def _done(action):
    actions.complete_action(user(action.owner.login), action, note="Done", row_version=action.row_version)
    commit()
    return action


def _second(nc, owner, manager):
    action = actions.add_action(
        user(manager), nc, description="Check", owner=owner, due_date=today() + timedelta(days=2)
    )
    commit()
    return action


def _verifications(world):
    with world.app_context():
        main_sales = _raise()
        _done(_with_action(main_sales, "staff"))
        main_aftersales = _raise(department="AFTERSALES")
        _done(_with_action(main_aftersales, "aftersales.head"))
        north_sales = _raise(site="NORTH", actor="north.qo")
        _done(_with_action(north_sales, "north.staff", manager="north.qo"))
        # The NORTH sales head owns an action of an NC of another department: they read that NC and
        # so its other actions, done by someone else.
        north_aftersales = _raise(site="NORTH", department="AFTERSALES", actor="north.qo")
        _with_action(north_aftersales, "north.sales.head", manager="north.qo")
        _done(_second(north_aftersales, "north.staff", manager="north.qo"))
        # An open action waits for nobody.
        _with_action(_raise(site="NORTH", actor="north.qo"), "north.staff", manager="north.qo")


def _expected(reader):
    done = db.session.execute(db.select(CorrectiveAction).where(CorrectiveAction.state == ActionState.DONE)).scalars()
    return sorted(a.id for a in done if a.owner_id != reader.id and actions.is_visible(reader, a))


def test_each_reader_waits_for_the_done_actions_they_may_read_and_no_other(world):
    _verifications(world)
    with world.app_context():
        found = {}
        for login in READERS:
            reader = user(login)
            listed = sorted(a.id for a in actions.awaiting_verification(reader))
            assert listed == _expected(reader), login
            assert actions.awaiting_verification_count(reader) == len(listed), login
            found[login] = len(listed)
    # Who verifies what: a site's quality officer their site's, a head their department's and the
    # NCs they have an action in (never their own action).
    assert found == {"qo": 2, "head": 1, "aftersales.head": 0, "north.qo": 2, "north.sales.head": 2}


def test_the_dashboard_panel_shows_a_site_readers_own_sites_actions(world, client_as, monkeypatch):
    monkeypatch.setattr("audits.plugin.PANEL_ROWS", 1)
    _verifications(world)
    page = client_as("north.qo").get("/").get_data(as_text=True)
    start = page.index("Actions waiting for effectiveness verification (2)")
    panel = page[start : page.index("</section>", start)]
    with world.app_context():
        labels = {"MAIN": set(), "NORTH": set()}
        for action in db.session.execute(db.select(CorrectiveAction)).scalars():
            labels[action.nonconformity.site.code].add(action.label)
    assert any(label in panel for label in labels["NORTH"])
    assert not any(label in page for label in labels["MAIN"])


def test_a_site_readers_done_actions_are_looked_up_by_nc_not_by_walking_every_done_action(world):
    _verifications(world)
    with world.app_context():
        query = actions._awaiting_verification_query(user("north.qo")).limit(20)
        listing = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        connection = db.session.connection()
        if db.engine.dialect.name == "sqlite":
            plan = [str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {listing}")]
            # Each readable NC's done actions by one seek (at the large demo the whole query starts
            # there, by id; with this test's five actions SQLite may as well walk them all).
            assert (
                "SEARCH corrective_action USING COVERING INDEX ix_corrective_action_nc_state"
                " (nonconformity_id=? AND state=?)" in plan
            )
            assert "SEARCH nonconformity USING COVERING INDEX ix_nonconformity_site_id (site_id=?)" in plan
            assert "SEARCH nonconformity USING COVERING INDEX ix_nonconformity_raised_by_id (raised_by_id=?)" in plan
            assert not [step for step in plan if step.startswith("SCAN")]
        else:
            # The test's tables are tiny: with sequential scans priced out, the plan shows which
            # indexes the query can use.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {listing.replace('%', '%%')}"))
            assert "ix_nonconformity_raised_by_id" in plan and "ix_nonconformity_site_id" in plan
            assert "Seq Scan" not in plan, plan
