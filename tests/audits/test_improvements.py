"""The improvement register: audit observations and OFIs raise (and withdraw) items, staff
suggest, owners take them through PDCA in the trail, DMAIC figures, red KPIs and SERVQUAL gaps
raise items once, the Pareto of NC root causes, the API and the Chinese page."""

from __future__ import annotations

import re

import pytest

from audits.improvements import kpis, pareto, services, sixsigma
from audits.improvements.models import Improvement
from audits.services import nonconformities as ncs
from audits.services.common import department_named
from core.accounts.services import create_site, site_by_code
from core.clock import add_months, current_period, local, utcnow
from core.database import commit, db
from core.metrics import services as metrics
from core.metrics.models import Measurement
from core.trail.models import TrailEvent
from tests.audits.conftest import record, started, user

# Page forms are posted outside the test's app context: Flask would share one ``g`` (and its CSRF
# token) between the test and every request made inside it.
pytestmark = pytest.mark.usefixtures("cast")


def _items() -> list[Improvement]:
    db.session.expire_all()
    return list(db.session.execute(db.select(Improvement).order_by(Improvement.id)).scalars())


def _suggest(login="staff", **fields) -> Improvement:
    fields.setdefault("title", "Text customers when the car is ready")
    item = services.raise_improvement(user(login), **fields)
    commit()
    return item


def _suggested(app, **fields) -> tuple[str, int]:
    """A staff suggestion made outside the requests that follow: its reference and its id."""
    with app.app_context():
        item = _suggest(**fields)
        return item.reference, item.id


def _token(client, path="/improvements/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


# From audit findings ----------------------------------------------------------------------------


def test_an_ofi_raises_one_improvement_kept_in_step_with_its_finding_and_withdrawn_with_it(ctx):
    audit = started()
    finding = record(audit, 1, "ofi", note="Offer the test drive before the price talk")
    [item] = _items()
    assert item.reference == f"OFI-{local(utcnow()).year}-0001"
    assert (item.source, item.source_ref, item.stage) == ("audit_ofi", f"{audit.reference}#item-{finding.id}", "plan")
    assert (item.site.code, item.department.code, item.owner.login) == ("MAIN", "SALES", "head")
    assert (
        item.title == f"Showroom: {finding.text}" and item.description == "Offer the test drive before the price talk"
    )

    # Recorded again, as an observation with another note: the same item, updated.
    record(audit, 1, "observation", note="Test drives are offered late")
    [item] = _items()
    assert (item.source, item.description) == ("audit_observation", "Test drives are offered late")

    # Graded conforming after all: withdrawn (kept for the trail), and back when graded so again.
    record(audit, 1, "conforming")
    [item] = _items()
    assert item.stage == "rejected" and "conforming" in item.stage_reason
    record(audit, 1, "ofi", note="Offer it earlier")
    [item] = _items()
    assert (item.stage, item.stage_reason, item.description) == ("plan", None, "Offer it earlier")

    # NC grades raise NCs, not improvements.
    record(audit, 0, "minor_nc", note="Visitors waited")
    assert len(_items()) == 1


def test_once_someone_worked_on_it_a_changed_finding_leaves_the_improvement_standing(ctx):
    audit = started()
    record(audit, 2, "observation", note="Handover checklist signed late")
    [item] = _items()
    services.update_improvement(user("head"), item, row_version=item.row_version, expected_benefit="Fewer calls")
    commit()
    record(audit, 2, "conforming", note="Fine on second look")
    [item] = _items()
    assert (item.stage, item.description) == ("plan", "Handover checklist signed late")


# Suggestions and who may --------------------------------------------------------------------


def test_staff_suggest_on_the_page_and_follow_their_own(app, client_as, make_user):
    make_user("staff2", "staff", department="SALES")
    staff = client_as("staff")
    form = staff.get("/improvements/suggest").get_data(as_text=True)
    assert 'value="MAIN" selected' in form and 'value="SALES" selected' in form

    refused = staff.post("/improvements/suggest", data={"csrf_token": _token(staff), "title": " "})
    assert refused.status_code == 422 and "field-error" in refused.get_data(as_text=True)
    with app.app_context():
        assert _items() == []

    response = staff.post(
        "/improvements/suggest",
        data={"csrf_token": _token(staff), "title": "A children's corner", "site": "MAIN", "department": "SALES"},
    )
    assert response.status_code == 302
    with app.app_context():
        [item] = _items()
        assert (item.source, item.stage, item.raised_by.login, item.owner.login) == (
            "suggestion",
            "plan",
            "staff",
            "head",
        )
        reference = item.reference
    assert response.headers["Location"].endswith(f"/improvements/{reference}")
    assert reference in staff.get("/improvements/").get_data(as_text=True)
    assert staff.get(f"/improvements/{reference}").status_code == 200

    other = client_as("staff2")
    assert reference not in other.get("/improvements/").get_data(as_text=True)
    assert other.get(f"/improvements/{reference}").status_code == 404


def test_who_sees_and_who_works_on_an_improvement(app, api_as, make_user):
    with app.app_context():
        create_site(None, "NORTH", "North")
        commit()
    make_user("northqo", "quality_officer", department="QUALITY", site="NORTH")
    make_user("servicehead", "department_head", department="AFTERSALES")
    reference, _id = _suggested(app)
    path = f"/api/v1/improvements/{reference}"

    for outsider in ("northqo", "servicehead"):
        assert api_as(outsider).get(path).status_code == 404, outsider
    assert api_as("auditor").get(path).status_code == 200

    # Its author sees it but does not work on it; its owner (the head) does.
    move = {"to": "do", "row_version": 1}
    assert api_as("staff").post(f"{path}/stage", json=move).status_code == 403
    handed = api_as("head").patch(path, json={"owner": "staff", "actions": "Ask names", "row_version": 1})
    assert handed.status_code == 200 and handed.json["owner"] == "staff"

    # Now staff own it: they move it on, but rejecting it or handing it on is a manager's decision.
    version = handed.json["row_version"]
    assert api_as("staff").post(f"{path}/stage", json={"to": "do", "row_version": version}).status_code == 200
    reject = {"to": "rejected", "reason": "no", "row_version": version + 1}
    assert api_as("staff").post(f"{path}/stage", json=reject).status_code == 403
    assert api_as("staff").patch(path, json={"owner": "head", "row_version": version + 1}).status_code == 403
    rejected = api_as("qo").post(f"{path}/stage", json=reject)
    assert rejected.status_code == 200 and rejected.json["stage"] == "rejected"

    # Staff suggest at their own site only; raising an item of one's own is a manager's.
    north = api_as("staff").post("/api/v1/improvements", json={"title": "x", "site": "NORTH"})
    assert north.status_code == 403
    manual = api_as("staff").post("/api/v1/improvements", json={"title": "x", "source": "manual"})
    assert manual.status_code == 403
    assert api_as("head").post("/api/v1/improvements", json={"title": "x", "source": "manual"}).status_code == 201


def test_the_pdca_stages_need_their_content_and_are_in_the_trail(app, client_as, api_as):
    reference, item_id = _suggested(app)
    path = f"/api/v1/improvements/{reference}"
    head = api_as("head")
    early = head.post(f"{path}/stage", json={"to": "do", "row_version": 1})
    assert early.status_code == 422 and early.json["errors"][0]["field"] == "actions"
    assert head.post(f"{path}/stage", json={"to": "closed", "row_version": 1}).status_code == 409
    version = head.patch(path, json={"actions": "Name badges for visitors", "row_version": 1}).json["row_version"]
    for to in ("do", "check"):
        version = head.post(f"{path}/stage", json={"to": to, "row_version": version}).json["row_version"]
    no_result = head.post(f"{path}/stage", json={"to": "act", "row_version": version})
    assert no_result.status_code == 422 and no_result.json["errors"][0]["field"] == "result"
    version = head.patch(path, json={"result": "Visitors greeted by name: 18 of 20", "row_version": version}).json[
        "row_version"
    ]
    version = head.post(f"{path}/stage", json={"to": "act", "row_version": version}).json["row_version"]
    closed = head.post(
        f"{path}/stage", json={"to": "closed", "reason": "Adopted at both desks", "row_version": version}
    )
    assert closed.status_code == 200 and closed.json["stage"] == "closed" and closed.json["closed_at"]

    changes = [(change["from"], change["to"]) for change in closed.json["stage_changes"]]
    assert changes == [(None, "plan"), ("plan", "do"), ("do", "check"), ("check", "act"), ("act", "closed")]
    assert closed.json["stage_changes"][-1]["reason"] == "Adopted at both desks"
    with app.app_context():
        events = db.session.execute(db.select(TrailEvent).filter_by(entity_type="improvement")).scalars().all()
        assert len(events) >= 6 and {event.entity_id for event in events} == {str(item_id)}

    page = client_as("head").get(f"/improvements/{reference}").get_data(as_text=True)
    assert "Stage changes" in page and "Adopted at both desks" in page
    trail = head.get("/api/v1/trail?entity_type=improvement").json
    assert {event["entity_id"] for event in trail} == {str(item_id)}
    assert api_as("staff").get("/api/v1/trail").status_code == 403
    # Closed is closed.
    assert head.patch(path, json={"result": "x", "row_version": closed.json["row_version"]}).status_code == 409


def test_an_owner_finds_the_improvements_due_in_their_inbox(app, api_as):
    _suggested(app)
    tasks = api_as("head").get("/api/v1/tasks?kind=audits.improvement").json
    assert [task["kind"] for task in tasks] == ["audits.improvement"] and "OFI-" in tasks[0]["record"]
    assert api_as("staff").get("/api/v1/tasks?kind=audits.improvement").json == []


# DMAIC ------------------------------------------------------------------------------------------


def test_dpmo_and_sigma_level_from_hand_worked_figures(ctx):
    assert sixsigma.dpmo(12, 400, 5) == pytest.approx(6000)
    assert sixsigma.sigma_level(6000) == pytest.approx(4.012, abs=0.001)
    assert sixsigma.sigma_level(3.4) == pytest.approx(6.0, abs=0.01)
    assert sixsigma.sigma_level(66807) == pytest.approx(3.0, abs=0.01)
    assert sixsigma.sigma_level(0) is None and sixsigma.sigma_level(1_000_000) is None
    with pytest.raises(ValueError):
        sixsigma.dpmo(2001, 400, 5)


def test_a_dmaic_project_shows_its_baseline_and_current_sigma(app, api_as, client_as):
    reference, _id = _suggested(app)
    path = f"/api/v1/improvements/{reference}/dmaic"
    head = api_as("head")
    too_early = head.put(path, json={"phase": "analyse", "row_version": 1})
    assert too_early.status_code == 422 and too_early.json["errors"][0]["field"] == "baseline_defects"
    impossible = {"phase": "measure", "opportunities": 5, "baseline_defects": 2001, "baseline_units": 400}
    assert head.put(path, json={**impossible, "row_version": 1}).status_code == 422
    figures = {
        "phase": "control",
        "defect_metric": "sales.lead_conversion",
        "opportunities": 5,
        "baseline_defects": 12,
        "baseline_units": 400,
        "current_defects": 3,
        "current_units": 400,
    }
    answer = head.put(path, json={**figures, "row_version": 1})
    assert answer.status_code == 200, answer.json
    dmaic = answer.json["dmaic"]
    assert dmaic["baseline"]["dpmo"] == pytest.approx(6000) and round(dmaic["baseline"]["sigma"], 2) == 4.01
    assert dmaic["current"]["dpmo"] == pytest.approx(1500) and dmaic["current"]["sigma"] > 4.4
    page = client_as("head").get(f"/improvements/{reference}").get_data(as_text=True)
    assert "6,000" in page and "4.01" in page and "Control: Lead conversion at MAIN" in page


# From the numbers -------------------------------------------------------------------------------


def test_a_kpi_red_two_months_running_raises_one_improvement_once(ctx):
    site, metric = site_by_code("MAIN"), metrics.definition("sales.lead_conversion")
    first, second, third = (add_months(current_period(), months) for months in (-3, -2, -1))
    for period, value in ((first, 11), (second, 4), (third, 5)):
        metrics.record(user("qo"), metric, site, period, value)
    commit()
    # One red month is not yet a pattern (first is amber).
    assert kpis.raise_for_red_kpis(site, second) == []
    [item] = kpis.raise_for_red_kpis(site, third)
    commit()
    assert (item.source, item.source_ref) == ("red_kpi", f"metric:sales.lead_conversion/MAIN/{third}")
    assert (item.department.code, item.owner.login, item.raised_by) == ("SALES", "head", None)
    assert kpis.raise_for_red_kpis(site, third) == []
    # While it is open, a further red month adds nothing either; the tick runs the same scan.
    metrics.record(user("qo"), metric, site, current_period(), 3)
    commit()
    assert kpis.raise_for_red_kpis(site, current_period()) == []
    assert kpis.scan(utcnow()) == 0
    assert len(_items()) == 1


def test_the_scheduler_and_the_command_line_raise_what_the_numbers_call_for(app):
    from core.scheduler import run_tick

    with app.app_context():
        site, metric = site_by_code("MAIN"), metrics.definition("sales.lead_conversion")
        for months in (-2, -1):
            metrics.record(user("qo"), metric, site, add_months(current_period(), months), 2)
        commit()
        assert "audits: improvements raised from KPIs: 1" in run_tick()
        assert not any("improvements raised" in line for line in run_tick())
    runner = app.test_cli_runner()
    again = runner.invoke(args=["improvements", "scan", "--period", add_months(current_period(), -1)])
    assert again.exit_code == 0 and "0 improvement(s) raised." in again.output
    listed = runner.invoke(args=["improvements", "list", "--as", "head", "--stage", "open"])
    assert listed.exit_code == 0 and "1 improvement(s)." in listed.output and "red in" in listed.output
    refused = runner.invoke(args=["improvements", "scan", "--period", "last month"])
    assert refused.exit_code == 1 and "YYYY-MM" in refused.output


def test_a_servqual_gap_below_the_threshold_raises_an_improvement(app, ctx):
    site, period = site_by_code("MAIN"), add_months(current_period(), -1)
    for dimension, gap in (("empathy", -1.4), ("tangibles", -0.3)):
        db.session.add(
            Measurement(
                metric_key=f"aftersales.servqual_{dimension}", site=site, period=period, value=gap, source="computed"
            )
        )
    commit()
    [item] = kpis.raise_for_servqual_gaps(site, period)
    commit()
    assert (item.source, item.department.code) == ("servqual_gap", "AFTERSALES")
    assert item.source_ref == f"metric:aftersales.servqual_empathy/MAIN/{period}"
    assert kpis.raise_for_servqual_gaps(site, period) == []
    assert [i.source_ref for i in kpis.raise_for_servqual_gaps(site, period, threshold=0)] == [
        f"metric:aftersales.servqual_tangibles/MAIN/{period}"
    ]


# The Pareto of root causes -----------------------------------------------------------------------


def _analysed(title, analysis):
    nc = ncs.raise_nonconformity(
        user("qo"), title=title, description="", severity="minor", site="MAIN", department="SALES"
    )
    ncs.transition(user("head"), nc, to="contained", containment="Watched", row_version=nc.row_version)
    ncs.transition(user("head"), nc, to="root_cause_identified", root_cause=analysis, row_version=nc.row_version)
    commit()
    return nc


def test_the_pareto_counts_fishbone_categories_and_5_why_causes(app, client_as):
    with app.app_context():
        fishbone = {"method": "fishbone", "causes": {"method": ["No checklist"], "man": ["New hire"]}}
        _analysed("Keys mixed up", fishbone)
        _analysed("Wrong invoice", {"method": "fishbone", "causes": {"method": ["Two templates"]}})
        for title, because in (("Waited", "No rota for lunch breaks"), ("Waited again", " no rota for  lunch breaks.")):
            _analysed(title, {"method": "5why", "chain": [{"why": "Nobody at the desk", "because": because}]})
        _analysed("Late call", {"method": "5why", "chain": [{"why": "Forgot", "because": "No reminder"}]})

        causes = pareto.root_causes(user("qo"))
        assert causes.analysed == 5
        assert [(bar.key, bar.count, bar.cumulative, bar.vital) for bar in causes.fishbone] == [
            ("method", 2, 66.7, True),
            ("man", 1, 100.0, True),
        ]
        assert [(bar.key, bar.count, bar.vital) for bar in causes.five_why] == [
            ("No rota for lunch breaks", 2, True),
            ("No reminder", 1, True),
        ]
        assert pareto.root_causes(user("qo"), department=department_named("AFTERSALES")).analysed == 0
        # Staff count only the NCs they may read.
        assert pareto.root_causes(user("staff")).analysed == 0

    page = client_as("qo").get("/improvements/").get_data(as_text=True)
    assert "Where nonconformities come from (Pareto)" in page and page.count("<svg") == 2
    assert "No rota for lunch breaks" in page


# API and languages -------------------------------------------------------------------------------


def test_the_api_lists_creates_and_answers_bad_input_with_problem_details(app, api_as):
    staff = api_as("staff")
    created = staff.post("/api/v1/improvements", json={"title": "Coffee while waiting", "description": "A machine"})
    assert created.status_code == 201, created.json
    reference = created.json["reference"]
    assert created.headers["Location"].endswith(f"/api/v1/improvements/{reference}")
    assert (created.json["source"], created.json["site"], created.json["owner"]) == ("suggestion", "MAIN", "head")

    listed = api_as("head").get("/api/v1/improvements?stage=open&source=suggestion&site=MAIN")
    assert listed.status_code == 200 and [row["reference"] for row in listed.json] == [reference]
    assert listed.headers["X-Total-Count"] == "1"
    assert api_as("head").get("/api/v1/improvements?stage=closed").json == []

    for body in ({}, {"title": ""}, {"title": "x", "due_date": "soon"}, {"title": "x", "owner": "head"}):
        bad = staff.post("/api/v1/improvements", json=body)
        assert bad.status_code == 422 and bad.headers["Content-Type"].startswith("application/problem+json"), body
        assert bad.json["errors"], body
    assert staff.get("/api/v1/improvements?stage=someday").status_code == 422
    missing = staff.get("/api/v1/improvements/OFI-1999-0001")
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("application/problem+json")
    past = staff.post("/api/v1/improvements", json={"title": "x", "source": "suggestion", "due_date": "2000-01-01"})
    assert past.status_code == 422
    with app.app_context():
        assert len(_items()) == 1


def test_the_register_reads_in_chinese(app, client_as):
    reference, _id = _suggested(app)
    with app.app_context():
        user("head").locale = "zh_CN"
        commit()
    client = client_as("head")
    page = client.get("/improvements/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "改进登记册" in page and "合理化建议" in page
    item_page = client.get(f"/improvements/{reference}").get_data(as_text=True)
    assert "PDCA 阶段" in item_page and "六西格玛 DMAIC" in item_page
