"""Management reviews (ISO 9001 9.3), part 1: who plans and reads them, and the inputs compiled
from the data of the period, checked against counts worked out here from the records made."""

import hashlib
import json
import re
import subprocess
from datetime import timedelta

import pytest

from audits.reviews import inputs as compiled
from audits.reviews import services
from audits.reviews.models import ManagementReview
from core.accounts.services import site_by_code
from core.clock import local_time, today
from core.database import commit, db
from core.metrics import services as metrics
from core.plugins import ReviewInput, hookimpl
from tests.audits.conftest import TEST_PASSWORD, record, started, user

pytestmark = pytest.mark.usefixtures("cast")
FIVE_WHY = {"method": "5why", "chain": [{"why": "Visitors waited", "because": "No rota for lunch breaks"}]}
RED_KPI = "sales.lead_conversion"  # kept by hand, higher is better


def _period():
    """The last three complete months: whatever the day, the period's last month is complete."""
    last = today().replace(day=1) - timedelta(days=1)
    first_month = (last.replace(day=1) - timedelta(days=1)).replace(day=1)
    first = (first_month - timedelta(days=1)).replace(day=1)
    return first, last


def _at(day, hour=12):
    return local_time(day.year, day.month, day.day, hour)


def _plan(app, actor="qo", **overrides):
    first, last = _period()
    fields = dict(site="MAIN", period_from=first, period_to=last, planned_date=today(), chair="qo")
    fields.update(overrides)
    with app.app_context():
        review = services.plan(user(actor), **fields)
        commit()
        return review.reference


def _compile(app, reference, actor="qo"):
    with app.app_context():
        review = services.review_by_reference(reference)
        services.compile_inputs(user(actor), review)
        commit()
        return review.inputs, review.inputs_sha256


def _section(inputs, key):
    return next(section for section in inputs["sections"] if section["key"] == key)


def _table(inputs, section, table):
    return next(t for t in _section(inputs, section)["tables"] if t["key"] == table)["rows"]


def _nc(title, severity="minor", department="SALES", raised_at=None):
    from audits.services import nonconformities as ncs

    nc = ncs.raise_nonconformity(
        user("qo"), title=title, description="Seen", severity=severity, site="MAIN", department=department
    )
    if raised_at is not None:
        nc.raised_at = raised_at
    commit()
    return nc


def test_a_quality_officer_plans_in_scope_and_the_people_of_the_review_read_it(app, api_as, make_user):
    from core.accounts import services as accounts

    with app.app_context():
        accounts.create_site(None, "NORTH", "North dealership")
        commit()
    make_user("group.qo", "quality_officer", department="QUALITY", site=None)
    make_user("north.qo", "quality_officer", department="QUALITY", site="NORTH")
    first, last = _period()
    body = {
        "site": "MAIN",
        "period_from": first.isoformat(),
        "period_to": last.isoformat(),
        "planned_date": today().isoformat(),
        "chair": "qo",
        "participants": ["head", "head"],
    }
    for who in ("staff", "head", "auditor", "north.qo"):
        assert api_as(who).post("/api/v1/reviews", json=body).status_code == 403, who
    created = api_as("qo").post("/api/v1/reviews", json=body)
    assert created.status_code == 201, created.get_json()
    review = created.get_json()
    assert re.fullmatch(r"MR-\d{4}-01", review["reference"]) and review["state"] == "planned"
    assert review["participants"] == ["head"] and review["inputs"] is None
    group = {**body, "site": None, "chair": "group.qo", "participants": []}
    assert api_as("qo").post("/api/v1/reviews", json=group).status_code == 403
    assert api_as("group.qo").post("/api/v1/reviews", json=group).get_json()["reference"].endswith("-02")
    url = f"/api/v1/reviews/{review['reference']}"
    for who, status in [("head", 200), ("auditor", 200), ("group.qo", 200), ("staff", 404), ("north.qo", 404)]:
        assert api_as(who).get(url).status_code == status, who
    assert [r["reference"] for r in api_as("head").get("/api/v1/reviews").get_json()] == [review["reference"]]
    assert api_as("staff").get("/api/v1/reviews").get_json() == []
    # A participant reads it but neither compiles it nor writes its inputs.
    assert api_as("head").post(url + "/compile").status_code == 403
    assert api_as("head").patch(url, json={"resources": "x", "row_version": 1}).status_code == 403
    assert api_as("staff").post(url + "/compile").status_code == 404


@pytest.mark.parametrize(
    "change, field",
    [
        ({"period_to": "2020-01-01"}, "period_to"),
        ({"chair": "nobody"}, "chair"),
        ({"participants": ["head", "nobody"]}, "participants"),
        ({"site": "NOWHERE"}, "site"),
        ({"planned_date": "not a date"}, "planned_date"),
    ],
)
def test_bad_input_names_the_field_and_plans_nothing(app, api_as, change, field):
    first, last = _period()
    body = {
        "site": "MAIN",
        "period_from": first.isoformat(),
        "period_to": last.isoformat(),
        "planned_date": today().isoformat(),
        "chair": "qo",
    }
    refused = api_as("qo").post("/api/v1/reviews", json={**body, **change})
    assert refused.status_code == 422 and refused.headers["Content-Type"] == "application/problem+json"
    assert field in str(refused.get_json()["errors"])
    with app.app_context():
        assert db.session.execute(db.select(ManagementReview)).first() is None


class FigurePlugin:
    @hookimpl
    def review_inputs(self, site, period_from, period_to):
        return [ReviewInput(key="figures.calls", title="Calls answered", rows=[("Calls", 3), ("Site", site.code)])]


def test_the_inputs_are_compiled_from_the_records_of_the_period(app, register_plugin):
    from audits.objectives import services as objectives
    from audits.services import audits

    register_plugin(FigurePlugin(), "figures")
    first, last = _period()
    inside = _at(last - timedelta(days=5))
    reference = _plan(app, participants=["head"])
    with app.app_context():
        analysed = _nc("Visitors wait", raised_at=inside)
        analysed.root_cause = FIVE_WHY
        analysed.state, analysed.closed_at = "closed", inside + timedelta(days=1)
        _nc("Brake fluid spilt", severity="major", department="AFTERSALES", raised_at=_at(first))
        _nc("Old finding", raised_at=_at(last - timedelta(days=100)))
        _nc("After the period")  # raised now: after the period's end, counted nowhere
        commit()
        objective = objectives.create(
            user("qo"),
            site="MAIN",
            department="SALES",
            title="Certify every consultant",
            measure="Share certified",
            unit="%",
            direction="higher",
            target=100,
            starts_on=first,
            due_date=today() + timedelta(days=200),
            owner="head",
            plan_what="Courses",
        )
        commit()
        expected_status, objective_reference = objectives.progress(objective).status, objective.reference
        metric = metrics.definitions_by_key()[RED_KPI]
        metrics.record(None, metric, site_by_code("MAIN"), f"{last:%Y-%m}", 0, entered_by=user("qo"))
        commit()
        red_name = str(metric.name)
        audit = started()
        for position, result in enumerate(["minor_nc", "observation", "conforming"]):
            record(audit, position, result, note="Seen on the floor")
        audit = audits.audit_by_reference(audit.reference)
        audits.report_audit(
            user("auditor"),
            audit,
            summary="Done",
            conclusion="Mostly fine",
            password=TEST_PASSWORD,
            row_version=audit.row_version,
        )
        audit.reported_at = inside
        commit()
        audit_reference = audit.reference

    inputs, sha = _compile(app, reference)
    counts = dict(_table(inputs, "nonconformities", "nc_counts"))
    # Raised in the period: the analysed one and the major one; the old one and today's are not.
    assert counts == {"raised": 2, "closed": 1, "open_at_end": 2, "overdue_at_end": counts["overdue_at_end"]}
    # Open at the end: the major one, raised on the first day, and the old one, 100 days before the end.
    ages = [(last - first).days, 100]
    assert dict(_table(inputs, "nonconformities", "nc_ageing")) == {
        "0-30": sum(age <= 30 for age in ages),
        "31-90": sum(30 < age <= 90 for age in ages),
        ">90": sum(age > 90 for age in ages),
    }
    assert _table(inputs, "nonconformities", "nc_by_severity") == [["minor", 1, 1], ["major", 1, 1]]
    assert _table(inputs, "nonconformities", "nc_by_area") == [["AFTERSALES", 1, 1], ["SALES", 1, 1]]
    assert _table(inputs, "nonconformities", "root_cause_causes") == [["No rota for lunch breaks", 1, 100.0]]
    assert _table(inputs, "objectives", "objective_list") == [
        [objective_reference, "Certify every consultant", "MAIN", expected_status, None, 100]
    ]
    assert _table(inputs, "process_performance", "kpi_status") == [["SALES", 0, 0, 1, red_name]]
    findings = dict(_table(inputs, "audits", "findings"))
    assert (findings["minor_nc"], findings["observation"], findings["conforming"]) == (1, 1, 1)
    assert _table(inputs, "audits", "audits_reported")[0][:2] == [audit_reference, "MAIN"]
    plugin = _section(inputs, "figures.calls")
    assert plugin["title"] == "Calls answered" and plugin["tables"][0]["rows"] == [["Calls", 3], ["Site", "MAIN"]]
    assert _section(inputs, "previous_reviews")["notes"] == ["no_previous_review"]
    assert sha == compiled.sha256_of(inputs) and len(sha) == 64

    # Compiling again replaces the inputs with what the data say now.
    with app.app_context():
        _nc("One more", raised_at=inside)
    again, again_sha = _compile(app, reference)
    assert dict(_table(again, "nonconformities", "nc_counts"))["raised"] == 3 and again_sha != sha
    with app.app_context():
        review = services.review_by_reference(reference)
        assert review.state == "compiled" and review.inputs_sha256 == again_sha
        # Part 2 holds the meeting: from then on the inputs are kept as they were.
        review.state = "held"
        commit()
    with pytest.raises(Exception, match="has been held"), app.app_context():
        services.compile_inputs(user("qo"), services.review_by_reference(reference))


def test_a_group_review_counts_every_site_and_names_the_previous_review(app, make_user, register_plugin):
    from core.accounts import services as accounts

    register_plugin(FigurePlugin(), "figures")
    with app.app_context():
        accounts.create_site(None, "NORTH", "North dealership")
        commit()
    make_user("group.qo", "quality_officer", department="QUALITY", site=None)
    first, last = _period()
    earlier = _plan(app, "group.qo", site=None, chair="group.qo", period_to=first + timedelta(days=10))
    reference = _plan(app, "group.qo", site=None, chair="group.qo")
    with app.app_context():
        _nc("Visitors wait", raised_at=_at(last - timedelta(days=3)))
    inputs, _sha = _compile(app, reference, "group.qo")
    assert inputs["site"] is None and inputs["sites"] == ["MAIN", "NORTH"]
    assert _table(inputs, "previous_reviews", "previous_review")[0] == ["reference", earlier]
    assert dict(_table(inputs, "nonconformities", "nc_counts"))["raised"] == 1
    assert _section(inputs, "figures.calls")["tables"][0]["rows"] == [
        ["MAIN", "Calls", 3],
        ["MAIN", "Site", "MAIN"],
        ["NORTH", "Calls", 3],
        ["NORTH", "Site", "NORTH"],
    ]


def test_the_api_writes_the_hand_written_inputs_and_compiles(app, api_as):
    reference = _plan(app, participants=["head"])
    url = f"/api/v1/reviews/{reference}"
    written = api_as("qo").patch(url, json={"external_providers": "Parts on time 94%", "row_version": 1})
    assert written.status_code == 200 and written.get_json()["external_providers"] == "Parts on time 94%"
    stale = api_as("qo").patch(url, json={"resources": "One advisor short", "row_version": 1})
    assert stale.status_code == 409
    assert api_as("qo").patch(url, json={"resources": "x"}).status_code == 422
    compiled = api_as("qo").post(url + "/compile")
    assert compiled.status_code == 200, compiled.get_json()
    body = compiled.get_json()
    assert body["state"] == "compiled" and len(body["inputs_sha256"]) == 64
    providers = next(s for s in body["inputs"]["sections"] if s["key"] == "external_providers")
    assert providers["tables"][0]["rows"] == [["external_providers", "Parts on time 94%"]]
    assert api_as("head").get(url).get_json()["inputs_sha256"] == body["inputs_sha256"]
    assert api_as("qo").post("/api/v1/reviews/MR-1999-01/compile").status_code == 404


def test_the_command_line_compiles_one_line_per_section(app):
    reference = _plan(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["review", "compile", reference, "--as", "qo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        sections = services.review_by_reference(reference).inputs["sections"]
    lines = result.output.strip().splitlines()
    assert len(lines) == len(sections) + 1 and lines[-1].startswith(f"{reference} compiled")
    assert lines[0].startswith("Status of actions from previous management reviews")
    for args, words in [
        (["review", "compile", "MR-1999-01", "--as", "qo"], "There is no management review MR-1999-01."),
        (["review", "compile", reference, "--as", "staff"], "There is no management review"),
        (["review", "compile", reference, "--as", "nobody"], "There is no user with login 'nobody'."),
    ]:
        refused = runner.invoke(args=args)
        assert refused.exit_code != 0 and words in refused.output and "Traceback" not in refused.output


def test_the_pages_in_chinese_plan_write_and_compile(app, client_as):
    with app.app_context():
        user("qo").locale = "zh_CN"
        commit()
    client = client_as("qo")
    assert "管理评审" in client.get("/").get_data(as_text=True)
    page = client.get("/reviews/new").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    first, last = _period()
    form = {
        "csrf_token": token,
        "site": "MAIN",
        "period_from": first.isoformat(),
        "period_to": "",
        "planned_date": today().isoformat(),
        "chair": "qo",
        "participants": "head, auditor",
    }
    assert "评审期间" in page and "主持人" in page
    refused = client.post("/reviews/new", data=form)
    assert refused.status_code == 422 and "请填写评审期间至。" in refused.get_data(as_text=True)
    created = client.post("/reviews/new", data={**form, "period_to": last.isoformat()})
    assert created.status_code == 302
    url = created.headers["Location"]
    written = client.post(url, data={"csrf_token": token, "row_version": "1", "resources": "一名服务顾问空缺"})
    assert written.status_code == 302
    compiled = client.post(url + "/compile", data={"csrf_token": token})
    assert compiled.status_code == 302
    shown = client.get(url).get_data(as_text=True)
    assert "一名服务顾问空缺" in shown and "审核结果" in shown and "不符合项和纠正措施" in shown
    assert "Audit results" not in shown
    # The area plugins' sections, compiled in English, read in Chinese too.
    assert "按类别的投诉" in shown and "期间内收到的投诉" in shown and "风险登记册" in shown
    assert client_as("staff").get(url).status_code == 404
    # A participant reads the review; planning one is a quality officer's.
    assert client_as("head").get(url).status_code == 200
    assert client_as("head").get("/reviews/new").status_code == 403
    with app.app_context():
        assert services.review_by_reference(url.rsplit("/", 1)[1]).participants == ["head", "auditor"]


# Part 2a: the meeting record and its outputs (9.3.3) -----------------------------------------


def _held(app, api_as):
    """A compiled review of MAIN chaired by qo with head, its meeting recorded and held."""
    reference = _plan(app, participants=["head"])
    _compile(app, reference)
    url = f"/api/v1/reviews/{reference}"
    recorded = api_as("qo").post(
        url + "/record",
        json={
            "present": ["qo", "head"],
            "guests": "Wang, the general manager",
            "decisions": {"audits": {"discussion": "Two minor NCs", "decision": "Audit SALES again"}},
            "row_version": api_as("qo").get(url).get_json()["row_version"],
        },
    )
    assert recorded.status_code == 200, recorded.get_json()
    assert api_as("qo").post(url + "/hold").status_code == 200
    return reference, url


def test_the_meeting_is_recorded_and_holding_it_freezes_the_inputs(app, api_as):
    reference = _plan(app, participants=["head"])
    url = f"/api/v1/reviews/{reference}"
    # Nothing to record before the inputs are compiled; a participant records nothing.
    assert api_as("qo").post(url + "/record", json={"present": ["qo"], "row_version": 1}).status_code == 409
    assert api_as("qo").post(url + "/hold").status_code == 409
    _compile(app, reference)
    version = api_as("qo").get(url).get_json()["row_version"]
    assert api_as("head").post(url + "/record", json={"present": ["qo"], "row_version": version}).status_code == 403
    assert api_as("staff").post(url + "/record", json={"present": ["qo"], "row_version": version}).status_code == 404
    for body, field in [
        ({"present": ["qo", "staff"]}, "present"),
        ({"decisions": {"no_such_section": {"decision": "x"}}}, "decisions"),
    ]:
        refused = api_as("qo").post(url + "/record", json={**body, "row_version": version})
        assert refused.status_code == 422 and field in str(refused.get_json()), refused.get_json()
    # Holding wants to know who was there.
    held = api_as("qo").post(url + "/hold")
    assert held.status_code == 422 and "present" in str(held.get_json())
    recorded = (
        api_as("qo")
        .post(
            url + "/record",
            json={
                "present": ["head", "qo"],
                "guests": "Wang",
                "decisions": {"audits": {"discussion": "Two minor NCs", "decision": "Audit SALES again"}},
                "row_version": version,
            },
        )
        .get_json()
    )
    assert recorded["present"] == ["head", "qo"] and recorded["guests"] == "Wang"
    assert recorded["decisions"] == {"audits": {"discussion": "Two minor NCs", "decision": "Audit SALES again"}}
    held = api_as("qo").post(url + "/hold").get_json()
    assert held["state"] == "held" and held["held_at"]
    with app.app_context():
        assert services.review_by_reference(reference).held_at.date() <= today() + timedelta(days=1)
    # Held: compiled and hand-written inputs and the record are frozen.
    version = held["row_version"]
    assert api_as("qo").post(url + "/compile").status_code == 409
    assert api_as("qo").patch(url, json={"resources": "x", "row_version": version}).status_code == 409
    assert api_as("qo").post(url + "/record", json={"guests": "x", "row_version": version}).status_code == 409
    assert api_as("qo").post(url + "/hold").status_code == 409


def test_each_output_creates_its_record_linked_back(app, api_as):
    from audits.improvements.models import Improvement
    from audits.models import Nonconformity
    from audits.objectives.models import Objective

    reference, url = _held(app, api_as)
    due = (today() + timedelta(days=60)).isoformat()
    improvement = api_as("qo").post(
        url + "/outputs",
        json={"kind": "improvement", "title": "Lunch rota", "department": "SALES", "owner": "head", "due_date": due},
    )
    assert improvement.status_code == 201, improvement.get_json()
    objective = api_as("qo").post(
        url + "/outputs",
        json={
            "kind": "objective",
            "title": "Answer leads faster",
            "target": 90,
            "owner": "head",
            "due_date": due,
            "department": "SALES",
            "description": "A rota",
        },
    )
    assert objective.status_code == 201, objective.get_json()
    nc = api_as("qo").post(url + "/outputs", json={"kind": "nonconformity", "title": "No rota", "department": "SALES"})
    assert nc.status_code == 201, nc.get_json()
    listed = api_as("head").get(url + "/outputs").get_json()
    assert [(o["kind"], o["state"]) for o in listed] == [
        ("improvement", "plan"),
        ("objective", "no_data"),
        ("nonconformity", "open"),
    ]
    with app.app_context():
        item = db.session.execute(
            db.select(Improvement).filter_by(reference=improvement.get_json()["reference"])
        ).scalar_one()
        assert (item.source, item.source_ref, item.owner.login, item.due_date.isoformat()) == (
            "review",
            reference,
            "head",
            due,
        )
        goal = db.session.execute(db.select(Objective).where(Objective.title == "Answer leads faster")).scalar_one()
        assert goal.reference == objective.get_json()["reference"] and goal.target == 90
        raised = db.session.execute(
            db.select(Nonconformity).filter_by(reference=nc.get_json()["reference"])
        ).scalar_one()
        assert (raised.source, raised.source_ref) == ("review", reference)


def test_an_objective_decided_without_an_owner_is_the_department_heads(app, api_as):
    reference, url = _held(app, api_as)
    due = (today() + timedelta(days=90)).isoformat()
    body = {"kind": "objective", "title": "Fewer repeat repairs", "target": 2, "due_date": due}
    created = api_as("qo").post(url + "/outputs", json={**body, "department": "SALES", "description": "A check"})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["owner"] == "head"


def test_outputs_are_refused_outside_scope_in_the_wrong_state_and_naming_the_field(app, api_as):
    planned = _plan(app)
    body = {"kind": "improvement", "title": "Lunch rota", "department": "SALES"}
    assert api_as("qo").post(f"/api/v1/reviews/{planned}/outputs", json=body).status_code == 409
    reference, url = _held(app, api_as)
    assert api_as("head").post(url + "/outputs", json=body).status_code == 403
    assert api_as("staff").post(url + "/outputs", json=body).status_code == 404
    for change, field in [
        ({"kind": "wish"}, "kind"),
        ({"title": ""}, "title"),
        ({"department": None}, "department"),
        ({"kind": "objective"}, "target"),
        ({"owner": "nobody"}, "owner"),
    ]:
        refused = api_as("qo").post(url + "/outputs", json={**body, **change})
        assert refused.status_code == 422 and field in str(refused.get_json()), (change, refused.get_json())
    assert api_as("qo").get(url + "/outputs").get_json() == []


def test_the_next_review_lists_the_outputs_still_open(app, api_as):
    from audits.models import Nonconformity

    reference, url = _held(app, api_as)
    for title in ("Lunch rota", "Greeting script"):
        created = api_as("qo").post(
            url + "/outputs", json={"kind": "improvement", "title": title, "department": "SALES"}
        )
        assert created.status_code == 201
    nc = api_as("qo").post(url + "/outputs", json={"kind": "nonconformity", "title": "No rota", "department": "SALES"})
    finished = nc.get_json()["reference"]
    with app.app_context():
        row = db.session.execute(db.select(Nonconformity).filter_by(reference=finished)).scalar_one()
        row.state = "cancelled"
        commit()
    first, last = _period()
    later = _plan(app, period_from=first + timedelta(days=1), period_to=last + timedelta(days=1))
    inputs, _sha = _compile(app, later)
    assert _table(inputs, "previous_reviews", "previous_review") == [["reference", reference], ["open_outputs", 2]]
    rows = _table(inputs, "previous_reviews", "open_outputs_of_previous")
    assert [(row[0], row[2], row[5]) for row in rows] == [
        ("improvement", "Lunch rota", "plan"),
        ("improvement", "Greeting script", "plan"),
    ]
    assert finished not in str(rows)


def test_the_meeting_and_outputs_on_the_review_page(app, client_as, api_as):
    reference = _plan(app, participants=["head"])
    _compile(app, reference)
    client = client_as("qo")
    url = f"/reviews/{reference}"
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert "Hold the meeting" in page
    recorded = client.post(
        url + "/record",
        data={
            "csrf_token": token,
            "row_version": "2",
            "present": ["qo", "head"],
            "guests": "Wang",
            "decision-audits": "Audit SALES again",
        },
    )
    assert recorded.status_code == 302
    assert client.post(url + "/hold", data={"csrf_token": token}).status_code == 302
    added = client.post(
        url + "/outputs",
        data={"csrf_token": token, "kind": "improvement", "title": "Lunch rota", "department": "SALES"},
    )
    assert added.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Audit SALES again" in page and "Lunch rota" in page and "/improvements/OFI-" in page
    assert "Hold the meeting" not in page
    # A participant reads the outputs and may add none; the page of an outsider is not there.
    assert "Record the output" not in client_as("head").get(url).get_data(as_text=True)
    assert client_as("staff").get(url).status_code == 404


# Part 2b: the chair's signature and the record as a PDF ----------------------------------------


def _pdf_text(pdf: bytes, tmp_path, name="review.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_the_chair_signs_the_held_minutes_and_nothing_changes_after(app, api_as):
    planned = _plan(app, participants=["head"])
    assert api_as("qo").post(f"/api/v1/reviews/{planned}/sign", json={"password": TEST_PASSWORD}).status_code == 409
    reference, url = _held(app, api_as)
    created = api_as("qo").post(url + "/outputs", json={"kind": "improvement", "title": "Rota", "department": "SALES"})
    assert created.status_code == 201
    # A participant does not sign; an outsider does not see the review; a wrong password signs nothing.
    assert api_as("head").post(url + "/sign", json={"password": TEST_PASSWORD}).status_code == 403
    assert api_as("staff").post(url + "/sign", json={"password": TEST_PASSWORD}).status_code == 404
    wrong = api_as("qo").post(url + "/sign", json={"password": "not it"})
    assert wrong.status_code == 422 and "password" in str(wrong.get_json())
    assert api_as("qo").get(url).get_json()["signature"] is None
    signed = api_as("qo").post(url + "/sign", json={"password": TEST_PASSWORD, "comment": "Approved as minuted"})
    assert signed.status_code == 200, signed.get_json()
    body = signed.get_json()
    assert body["state"] == "signed" and body["signature_intact"] is True
    assert (body["signature"]["signer"], body["signature"]["meaning"]) == ("qo", "approved")
    with app.app_context():
        review = services.review_by_reference(reference)
        content = json.loads(review.signable_content())
        # The signature covers the inputs by their hash, the meeting record and the outputs decided.
        assert content["inputs_sha256"] == review.inputs_sha256
        assert content["decisions"]["audits"]["decision"] == "Audit SALES again"
        assert [row[0] for row in content["outputs"]] == ["improvement"]
        assert body["signature"]["content_sha256"] == hashlib.sha256(review.signable_content()).hexdigest()
    # Signed: no more outputs, no second signature.
    more = {"kind": "improvement", "title": "More", "department": "SALES"}
    assert api_as("qo").post(url + "/outputs", json=more).status_code == 409
    assert api_as("qo").post(url + "/sign", json={"password": TEST_PASSWORD}).status_code == 409
    # A record changed behind the product's back no longer matches what was signed.
    with app.app_context():
        review = services.review_by_reference(reference)
        review.decisions = {**review.decisions, "audits": {"discussion": "", "decision": "Nothing"}}
        commit()
    assert api_as("head").get(url).get_json()["signature_intact"] is False


def test_the_record_pdf_has_every_input_the_decisions_and_the_signature_in_english_and_chinese(app, api_as, tmp_path):
    reference, url = _held(app, api_as)
    api_as("qo").post(
        url + "/outputs",
        json={"kind": "improvement", "title": "Lunch rota", "department": "SALES", "owner": "head"},
    )
    # Unsigned, the record says it is a draft of the minutes.
    draft = _pdf_text(api_as("head").get(url + "/pdf").data, tmp_path, "draft.pdf")
    assert "Not signed" in draft
    assert api_as("qo").post(url + "/sign", json={"password": TEST_PASSWORD}).status_code == 200
    answer = api_as("head").get(url + "/pdf", headers={"Accept-Language": "en"})
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    path = tmp_path / "review.pdf"
    path.write_bytes(answer.data)
    text = _pdf_text(answer.data, tmp_path)
    with app.app_context():
        review = services.review_by_reference(reference)
        sections = review.inputs["sections"]
        name = review.chair.display_name
    flat = " ".join(text.split())
    for section in sections:
        title = str(compiled.SECTION_TITLES.get(section["key"], section.get("title")))
        assert " ".join(title.split()) in flat, title
    assert "Audit SALES again" in flat and "Two minor NCs" in flat and "Lunch rota" in flat
    assert f"{name} — Approved" in flat and "The record is as it was signed." in flat
    pages = int(re.search(r"Pages:\s+(\d+)", _pdfinfo(path)).group(1))
    assert pages >= 2 and f"Page 1 of {pages}" in flat and f"Page {pages} of {pages}" in flat
    metadata = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="B"' in metadata
    # In Chinese: the product's words, the "page n of N" and the signature's meaning.
    chinese = " ".join(
        _pdf_text(
            api_as("head").get(url + "/pdf", headers={"Accept-Language": "zh-CN"}).data, tmp_path, "zh.pdf"
        ).split()
    )
    assert "管理评审" in chinese and f"第 1 页，共 {pages} 页".replace(" ", "") in chinese.replace(" ", "")
    assert "Audit SALES again" in chinese and name in chinese
    assert "Extent to which quality objectives have been met" not in chinese


def _pdfinfo(path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def test_the_review_page_signs_and_offers_the_pdf(app, client_as, api_as):
    reference, url = _held(app, api_as)
    client = client_as("qo")
    page = client.get(f"/reviews/{reference}").get_data(as_text=True)
    assert "Sign the minutes" in page and f"/reviews/{reference}/record.pdf" in page
    assert "Sign the minutes" not in client_as("head").get(f"/reviews/{reference}").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    refused = client.post(f"/reviews/{reference}/sign", data={"csrf_token": token, "password": "wrong"})
    assert refused.status_code == 302
    assert "not the one of your account" in client.get(f"/reviews/{reference}").get_data(as_text=True)
    signed = client.post(f"/reviews/{reference}/sign", data={"csrf_token": token, "password": TEST_PASSWORD})
    assert signed.status_code == 302
    page = client.get(f"/reviews/{reference}").get_data(as_text=True)
    assert "— Approved —" in page and "The record is as it was signed." in page and "Sign the minutes" not in page
    pdf = client.get(f"/reviews/{reference}/record.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client_as("staff").get(f"/reviews/{reference}/record.pdf").status_code == 404


def test_the_review_page_names_a_refused_field_by_its_label_in_the_readers_language(app, client_as):
    reference = _plan(app, participants=["head"])
    _compile(app, reference)
    with app.app_context():
        version = services.review_by_reference(reference).row_version
    for locale, words in [
        ("en", "Present: zz is neither the chair nor a participant"),
        ("zh_CN", "出席人员：zz 既不是主持人也不是参加人员"),
    ]:
        with app.app_context():
            user("qo").locale = locale
            commit()
        client = client_as("qo")
        page = client.get(f"/reviews/{reference}").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        refused = client.post(
            f"/reviews/{reference}/record",
            data={"csrf_token": token, "row_version": str(version), "present": ["qo", "zz"]},
        )
        assert refused.status_code == 302
        shown = client.get(f"/reviews/{reference}").get_data(as_text=True)
        assert words in shown and "present:" not in shown
