"""The dashboard's "Actions waiting for effectiveness verification" (issue #20): the done actions a
reader may read, found through the NCs they may read — their site's (their department's, for a
head) and the ones they raised, own or own an action of — instead of testing every done action of
the group against the reader's clause (12,000 at the large demo size: 75–190 ms for a site's
quality officer). Still exactly what the reader may read, never another site's."""

from __future__ import annotations

from datetime import timedelta

from audits.models import ActionState, CorrectiveAction
from audits.services import actions, nonconformities
from core.clock import today
from core.database import commit, db
from tests.audits.conftest import user
from tests.audits.test_scope import _raise, _with_action
from tests.audits.test_scope import world as world  # a fixture: MAIN and NORTH with their people
from tests.query_plans import postgres_plan, sqlite_plan

READERS = ("qo", "head", "aftersales.head", "north.qo", "north.sales.head")

# The statistics SQLite keeps of the large demo's actions and NCs (``ANALYZE``): the plan a query
# gets there, where this test's handful of rows would make walking them all as good as any.
LARGE_STATISTICS = [
    ("nonconformity", "ix_nonconformity_site_id", "20000 400"),
    ("nonconformity", "ix_nonconformity_site_raised_at", "20000 400 2 1"),
    ("nonconformity", "ix_nonconformity_owner_state_due", "20000 58 28 2 1"),
    ("nonconformity", "ix_nonconformity_owner_raised_at", "20000 58 2 1"),
    ("nonconformity", "ix_nonconformity_raised_by_raised_at", "20000 50 2 1"),
    ("nonconformity", "ix_nonconformity_raised_at", "20000 3 1"),
    ("nonconformity", "ix_nonconformity_owner_id", "20000 58"),
    ("nonconformity", "ix_nonconformity_raised_by_id", "20000 12"),
    ("nonconformity", "ix_nonconformity_department_id", "20000 2858"),
    ("nonconformity", "ix_nonconformity_state", "20000 3334"),
    ("nonconformity", "ix_nonconformity_due_date", "20000 27"),
    ("corrective_action", "ix_corrective_action_owner_nc", "40000 124 4"),
    ("corrective_action", "ix_corrective_action_nc_state", "40000 4 3"),
    ("corrective_action", "ix_corrective_action_owner_state_due", "40000 124 80 5 1"),
    ("corrective_action", "ix_corrective_action_state_due", "40000 13334 19 1"),
    ("corrective_action", "ix_corrective_action_state", "40000 13334"),
    ("corrective_action", "ix_corrective_action_owner_id", "40000 124"),
    ("corrective_action", "ix_corrective_action_nonconformity_id", "40000 4"),
    ("corrective_action", "ix_corrective_action_due_date", "40000 56"),
]


def _searched(plan: list[str], index: str, columns: str) -> bool:
    return any(
        step.startswith(f"SEARCH nonconformity USING COVERING INDEX {index}") and step.endswith(columns)
        for step in plan
    )


def _done(action):
    actions.complete_action(user(action.owner.login), action, note="Done", row_version=action.row_version)
    commit()
    return action


def _open_actions_past_due() -> None:
    # Set on the records: the services refuse a due date in the past.
    for action in db.session.execute(
        db.select(CorrectiveAction).where(CorrectiveAction.state == ActionState.OPEN)
    ).scalars():
        action.due_date = today() - timedelta(days=3)


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
        if db.engine.dialect.name == "sqlite":
            plan = sqlite_plan(listing, LARGE_STATISTICS)
            # Each readable NC's done actions by one seek; walking the (state, due date) index
            # tested every done action of the group.
            assert (
                "SEARCH corrective_action USING COVERING INDEX ix_corrective_action_nc_state"
                " (nonconformity_id=? AND state=?)" in plan
            )
            # By any index that starts with the column (the NC list's (site, raised at) ones serve too).
            assert _searched(plan, "ix_nonconformity_site_", "(site_id=?)")
            assert _searched(plan, "ix_nonconformity_raised_by_", "(raised_by_id=?)")
            assert not [step for step in plan if "ix_corrective_action_state_due" in step or step.startswith("SCAN")]
        else:
            plan = postgres_plan(listing)
            assert "ix_nonconformity_raised_by_" in plan and "ix_nonconformity_site_" in plan
            assert "Seq Scan" not in plan, plan


def test_the_overdue_actions_each_reader_sees_are_their_sites_and_readable_ones(world):
    """The dashboard's overdue list walked the group's open actions by due date until it had the
    reader's first 20 (for a staff member, who reads a few, most of them); now the site's open
    actions by NC. What each reader sees stays what they may read."""
    _verifications(world)
    with world.app_context():
        _open_actions_past_due()
        commit()
        for login in (*READERS, "staff", "north.staff"):
            reader = user(login)
            site = reader.site
            listed = sorted(a.id for a in actions.overdue_actions(site, limit=20, reader=reader))
            opened = db.session.execute(
                db.select(CorrectiveAction).where(CorrectiveAction.state == ActionState.OPEN)
            ).scalars()
            expected = sorted(
                a.id
                for a in opened
                if (site is None or a.nonconformity.site_id == site.id) and actions.is_visible(reader, a)
            )
            assert listed == expected, login
            assert actions.overdue_actions_count(site, reader=reader) == len(expected), login
        # Their own, and one of an NC they have an action in.
        assert actions.overdue_actions_count(user("north.staff").site, reader=user("north.staff")) == 2
        assert actions.overdue_actions_count(user("staff").site, reader=user("staff")) == 0
        assert actions.overdue_actions_count(user("north.qo").site, reader=user("north.qo")) == 2
        if db.engine.dialect.name != "sqlite":
            return
        for login in ("north.sales.head", "north.staff"):
            reader = user(login)
            query = actions._overdue_query(reader.site, None, reader).limit(20)
            listing = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
            plan = sqlite_plan(listing, LARGE_STATISTICS)
            # By any index that starts with the site (the NC list's (site, raised at) serves too).
            by_site = [
                step
                for step in plan
                if step.startswith("SEARCH nonconformity USING COVERING INDEX ix_nonconformity_site_")
                and step.endswith("(site_id=?)")
            ]
            per_nc = "ix_corrective_action_nc_state (nonconformity_id=? AND state=?)"
            of_each = [step for step in plan if per_nc in step]
            assert not [step for step in plan if "ix_corrective_action_state_due" in step or step.startswith("SCAN")]
            if login == "north.staff":
                # Staff read their own NCs' actions only: found from the NCs they raised, own or
                # have an action in, not from the site's hundreds.
                assert not by_site, plan
                assert any("ix_corrective_action_owner_nc (owner_id=?)" in step for step in plan), plan
            else:
                # The site's NCs, then each one's open actions, once: looked up again as an "id IN"
                # list, they were probed twice (5.1 ms against 0.3 for head0001 at large).
                assert len(by_site) == 1 and len(of_each) == 1, plan
                assert plan.index(of_each[0]) == plan.index(by_site[0]) + 1, plan
        # Their overdue NCs too: from their own, not the site's.
        staff = user("north.staff")
        query = nonconformities._overdue_query(staff.site, None, staff).limit(20)
        plan = sqlite_plan(str(query.compile(db.engine, compile_kwargs={"literal_binds": True})), LARGE_STATISTICS)
        assert not [step for step in plan if "ix_nonconformity_site_" in step or step.startswith("SCAN")], plan


def test_the_dashboard_s_overdue_list_reads_the_columns_it_shows(world):
    """The dashboard's overdue list loaded each NC and action as an object with its NC, site and
    owner: four statements for the actions and most of the list's time at the large demo size.
    It reads the columns it shows: the same rows in the same order, no record made an object."""
    from audits.models import Nonconformity
    from audits.plugin import dashboard_overdue
    from audits.services import nonconformities
    from tests.statements import loaded

    _verifications(world)
    with world.app_context():
        _open_actions_past_due()
        for nc in db.session.execute(db.select(Nonconformity)).scalars():
            if nc.is_open:
                nc.due_date = today() - timedelta(days=2)
        commit()
        shown = []
        for login in (*READERS, "staff", "north.staff"):
            reader = user(login)
            with world.test_request_context("/"):
                expected = [
                    (f"{nc.reference} {nc.shown('title')}", nc.owner.display_name if nc.owner else None, nc.due_date)
                    for nc in nonconformities.overdue_nonconformities(reader.site, limit=20, reader=reader)
                ] + [
                    (f"{a.label} {a.description[:60]}", a.owner.display_name, a.due_date)
                    for a in actions.overdue_actions(reader.site, limit=20, reader=reader)
                ]
                db.session.expunge_all()
                reader = user(login)
                with loaded(CorrectiveAction, Nonconformity) as objects:
                    listed = dashboard_overdue(reader.site, reader)
            assert [(item.label, item.owner, item.due) for item in listed] == expected, login
            assert not objects, login
            shown += listed
        assert any("/A" in item.label for item in shown) and any("/A" not in item.label for item in shown)


def test_a_sites_overdue_action_rows_come_from_its_ncs_not_from_the_groups_actions_by_date(world):
    """Asked for the first overdue actions by due date, SQLite walked the group's open actions in
    due-date order until it had found the site's (3,895 at the large demo size: 27 ms for a head
    whose site had 5). The site's are found from its NCs and then sorted."""
    from sqlalchemy import event

    _verifications(world)
    with world.app_context():
        _open_actions_past_due()
        commit()
        reader = user("north.qo")
        seen = []

        def keep(conn, cursor, statement, parameters, context, executemany):
            if "corrective_action" in statement:
                seen.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            rows = actions.overdue_action_rows(reader.site, 20, reader)
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
        assert [row.id for row in rows] == [a.id for a in actions.overdue_actions(reader.site, limit=20, reader=reader)]
        assert len(rows) == 2
        [(statement, parameters)] = seen
        if db.engine.dialect.name == "sqlite":
            plan = sqlite_plan(statement, LARGE_STATISTICS, parameters)
            per_nc = "SEARCH corrective_action USING INDEX ix_corrective_action_nc_state"
            assert f"{per_nc} (nonconformity_id=? AND state=?)" in plan, plan
            assert not [step for step in plan if "ix_corrective_action_state_due" in step or step.startswith("SCAN c")]
        else:
            plan = postgres_plan(statement, parameters)
            assert "ix_nonconformity_site_" in plan and "Seq Scan" not in plan, plan
