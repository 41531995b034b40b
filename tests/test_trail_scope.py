"""The audit trail shows each user what they may read: an administrator everything,
a quality officer or auditor what is in their site scope, a head only the records of
their department at their site, staff nothing."""

from __future__ import annotations

import pytest

from tests.query_plans import postgres_plan, sqlite_plan


@pytest.fixture
def world(app, users, make_user):
    """A SALES procedure at MAIN, an AFTERSALES one at MAIN, a SALES one at NORTH."""
    from core.accounts.services import create_site, department_by_code, site_by_code, user_by_login
    from core.database import commit
    from procedures import services

    with app.app_context():
        create_site(None, "NORTH", "North")
        commit()
    make_user("servicehead", "department_head", department="AFTERSALES")
    make_user("northhead", "department_head", department="SALES", site="NORTH")
    make_user("northqo", "quality_officer", department="QUALITY", site="NORTH")
    ids = {}
    with app.app_context():
        for code, author, department, site in [
            ("SA-PR-001", "head", "SALES", "MAIN"),
            ("AS-PR-001", "servicehead", "AFTERSALES", "MAIN"),
            ("SA-PR-NORTH", "northhead", "SALES", "NORTH"),
        ]:
            procedure = services.create_procedure(
                user_by_login(author),
                code=code,
                title=code,
                department=department_by_code(department),
                body="# Text\n\nSteps.\n",
                site=site_by_code(site),
            )
            commit()
            ids[code] = str(procedure.id)
    return ids


def _procedures_seen(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return {e["entity_id"] for e in response.get_json() if e["entity_type"] == "procedure"}


def test_a_head_reads_only_the_trail_of_their_departments_records_at_their_site(api_as, world):
    events = api_as("head").get("/api/v1/trail?limit=500").get_json()
    assert {e["entity_type"] for e in events} <= {"procedure", "procedure_revision"}
    assert {e["entity_id"] for e in events if e["entity_type"] == "procedure"} == {world["SA-PR-001"]}
    assert _procedures_seen(api_as("servicehead").get("/api/v1/trail?limit=500")) == {world["AS-PR-001"]}
    assert _procedures_seen(api_as("northhead").get("/api/v1/trail?limit=500")) == {world["SA-PR-NORTH"]}
    # Asking for another department's record by id shows nothing either.
    response = api_as("head").get(f"/api/v1/trail?entity_type=procedure&entity_id={world['AS-PR-001']}")
    assert response.get_json() == []


def test_a_head_does_not_read_the_trail_of_accounts(api_as, world):
    assert api_as("head").get("/api/v1/trail?entity_type=user").get_json() == []


def test_quality_officers_read_their_sites_records_and_the_rest(api_as, world):
    assert _procedures_seen(api_as("qo").get("/api/v1/trail?limit=500")) == {world["SA-PR-001"], world["AS-PR-001"]}
    assert _procedures_seen(api_as("northqo").get("/api/v1/trail?limit=500")) == {world["SA-PR-NORTH"]}
    assert api_as("qo").get("/api/v1/trail?entity_type=user").get_json() != []


def test_administrators_read_everything(api_as, world):
    assert _procedures_seen(api_as("admin").get("/api/v1/trail?limit=500")) == set(world.values())


def test_the_trail_page_is_filtered_too(client_as, world):
    page = client_as("head").get("/trail?entity_type=procedure").get_data(as_text=True)
    assert "AS-PR-001" not in page and "SA-PR-NORTH" not in page
    assert "SA-PR-001" in page
    assert client_as("staff").get("/trail").status_code == 403


def test_staff_never_read_the_trail(api_as, world):
    assert api_as("staff").get("/api/v1/trail").status_code == 403


@pytest.fixture
def records(app, world):
    """NCs of SALES and AFTERSALES at MAIN and of SALES at NORTH; a SALES measurement at each site."""
    from audits.services import nonconformities
    from core.accounts.services import site_by_code, user_by_login
    from core.database import commit
    from core.metrics import services as metrics

    ids = {}
    with app.app_context():
        admin = user_by_login("admin")
        for name, site, department in [
            ("nc_main_sales", "MAIN", "SALES"),
            ("nc_main_service", "MAIN", "AFTERSALES"),
            ("nc_north_sales", "NORTH", "SALES"),
        ]:
            nc = nonconformities.raise_nonconformity(
                admin, title=name, description="", severity="minor", site=site, department=department
            )
            commit()
            ids[name] = str(nc.id)
        metric = metrics.definition("sales.lead_conversion")
        for name, site in [("measured_main", "MAIN"), ("measured_north", "NORTH")]:
            measurement = metrics.record(None, metric, site_by_code(site), "2026-01", 50, entered_by=admin)
            commit()
            ids[name] = str(measurement.id)
    return ids


def _seen(api, entity_type) -> set[str]:
    response = api.get(f"/api/v1/trail?entity_type={entity_type}&limit=500")
    assert response.status_code == 200, response.get_data(as_text=True)
    return {event["entity_id"] for event in response.get_json()}


@pytest.mark.parametrize(
    ("who", "ncs", "measurements"),
    [
        ("head", {"nc_main_sales"}, {"measured_main"}),
        ("servicehead", {"nc_main_service"}, set()),
        ("northhead", {"nc_north_sales"}, {"measured_north"}),
        ("qo", {"nc_main_sales", "nc_main_service"}, {"measured_main"}),
        ("northqo", {"nc_north_sales"}, {"measured_north"}),
        ("admin", {"nc_main_sales", "nc_main_service", "nc_north_sales"}, {"measured_main", "measured_north"}),
    ],
)
def test_the_trail_of_ncs_and_measurements_follows_who_may_read_them(api_as, records, who, ncs, measurements):
    api = api_as(who)
    assert _seen(api, "nonconformity") == {records[name] for name in ncs}
    assert _seen(api, "measurement") == {records[name] for name in measurements}


def test_a_signature_is_in_the_trail_of_who_may_read_what_was_signed(app, api_as, world):
    from core.accounts.services import user_by_login
    from core.database import commit
    from core.testing import TEST_PASSWORD
    from procedures import services

    with app.app_context():
        revision = services.procedure_by_code("AS-PR-001").revisions[0]
        services.submit(user_by_login("servicehead"), revision, row_version=revision.row_version)
        services.sign_revision(user_by_login("qo"), revision, meaning="approved", password=TEST_PASSWORD)
        commit()
    for who, sees in [("servicehead", True), ("qo", True), ("admin", True), ("head", False), ("northqo", False)]:
        assert bool(_seen(api_as(who), "signature")) is sees, who


def test_which_measurements_and_submissions_a_quality_officer_reads_is_found_through_indexes(app, users):
    """The trail page walks the newest events and keeps those of records the reader may read: "of
    my site or mine" for measurements and form submissions (and their survey follow-ups). Without an
    index on each side of that OR, the first measurement on the page read every measurement of every
    site, and the first submission every submission (half a million at ``large``)."""
    from core.accounts.services import user_by_login
    from core.database import db
    from core.trail.queries import events_query

    with app.app_context():
        query = events_query(user=user_by_login("qo")).limit(51)
        listing = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        connection = db.session.connection()
        if db.engine.dialect.name == "sqlite":
            plan = [str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {listing}")]
            for index in ("ix_measurement_entered_by_id (entered_by_id=?)", "ix_form_submission_submitted_by_id"):
                assert any(index in step for step in plan), index
            assert not [step for step in plan if step.startswith(("SCAN measurement", "SCAN form_submission"))]
        else:
            # The test's tables are tiny, so PostgreSQL would read them whole whatever their indexes:
            # with sequential scans priced out, the plan shows which indexes the query can use.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {listing.replace('%', '%%')}"))
            for index in ("ix_measurement_entered_by_id", "ix_form_submission_submitted_by_id"):
                assert index in plan
            assert "Seq Scan on measurement" not in plan and "Seq Scan on form_submission" not in plan


@pytest.mark.parametrize("login", ["qo", "head", "auditor"])
def test_the_audits_ncs_and_actions_a_reader_may_read_are_looked_up_not_scanned(app, users, login):
    """The rules of evidence, rechecks, audit items and the other records of audits and NCs start
    from the audits, NCs and actions of the reader's sites and their own, each found by an index.
    From the readers' rules alone (an OR no index serves) each read every audit, NC and action of
    the group: 51 ms for the evidence rule of a site's quality officer at ``large``, who had no
    evidence event at all."""
    from core.accounts.services import user_by_login
    from core.database import db
    from core.trail.queries import events_query

    scanned = ("audit", "nonconformity", "corrective_action")
    with app.app_context():
        query = events_query(user=user_by_login(login)).limit(51)
        listing = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if db.engine.dialect.name == "sqlite":
            plan = sqlite_plan(listing)
            assert not [step for step in plan if step.split(" USING")[0] in {f"SCAN {table}" for table in scanned}], (
                plan
            )
        else:
            plan = postgres_plan(listing)
            assert not [table for table in scanned if f"Seq Scan on {table} " in plan + " "], plan
