"""The pages: planning, the field view keeping what was typed, prefilled NCs, evidence serving, dashboard."""

import html
import io
import re
from datetime import timedelta

import pytest

from core.clock import today
from tests.audits.conftest import JPEG

pytestmark = pytest.mark.usefixtures("cast")


def _token(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _plan_and_start(client):
    page = client.get("/audits/new").get_data(as_text=True)
    response = client.post(
        "/audits/new",
        data={
            "csrf_token": _token(page),
            "title": "Showroom audit",
            "site": "MAIN",
            "departments": "SALES",
            "lead_auditor": "auditor",
            "auditors": "qo",
            "checklists": "fieldcheck.showroom",
            "planned_date": (today() + timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    reference = response.headers["Location"].rsplit("/", 1)[-1]
    view = client.get(f"/audits/{reference}").get_data(as_text=True)
    version = re.search(r'name="row_version" value="(\d+)"', view).group(1)
    assert (
        client.post(f"/audits/{reference}/start", data={"csrf_token": _token(view), "row_version": version}).status_code
        == 302
    )
    return reference


def test_planning_refusal_keeps_the_form_and_names_the_reason(client_as):
    client = client_as("qo")
    page = client.get("/audits/new").get_data(as_text=True)
    response = client.post(
        "/audits/new",
        data={
            "csrf_token": _token(page),
            "title": "My typed title",
            "site": "MAIN",
            "departments": "SALES",
            "lead_auditor": "salesauditor",
            "checklists": "fieldcheck.showroom",
            "planned_date": today().isoformat(),
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "own department" in body and 'value="My typed title"' in body


def test_the_field_view_records_results_and_keeps_a_note_that_failed_to_save(client_as):
    client = client_as("auditor")
    reference = _plan_and_start(client)
    page = client.get(f"/audits/{reference}").get_data(as_text=True)
    assert page.count('name="result"') == 3 * 6 and 'capture="environment"' in page
    assert "0 of 3 answered" in page
    item_id = re.search(r'id="item-(\d+)"', page).group(1)
    token = _token(page)
    version = re.search(rf'id="item-{item_id}".*?name="row_version" value="(\d+)"', page, re.S).group(1)
    unversioned = client.post(
        f"/audits/{reference}/items/{item_id}",
        data={"csrf_token": token, "result": "conforming", "note": "Greeted at once"},
    )
    assert unversioned.status_code == 422 and "reload it" in unversioned.get_data(as_text=True)
    saved = client.post(
        f"/audits/{reference}/items/{item_id}",
        data={"csrf_token": token, "result": "conforming", "note": "Greeted at once", "row_version": version},
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"#item-{item_id}")
    stale = client.post(
        f"/audits/{reference}/items/{item_id}",
        data={"csrf_token": token, "result": "observation", "note": "Typed on the showroom floor", "row_version": "1"},
    )
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Typed on the showroom floor" in body and "changed by someone else" in body
    missing_note = client.post(
        f"/audits/{reference}/items/{item_id}",
        data={"csrf_token": token, "result": "major_nc", "note": "", "row_version": str(int(version) + 1)},
    )
    assert missing_note.status_code == 422
    photo = client.post(
        f"/audits/{reference}/items/{item_id}/evidence",
        data={"csrf_token": token, "file": (io.BytesIO(JPEG), "door.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 302
    page = client.get(f"/audits/{reference}").get_data(as_text=True)
    evidence_id = re.search(r"/evidence/(\d+)", page).group(1)
    shown = client.get(f"/evidence/{evidence_id}")
    assert shown.data == JPEG and shown.headers["Content-Disposition"].startswith("inline")
    assert client.get(f"/evidence/{evidence_id}?download=1").headers["Content-Disposition"].startswith("attachment")
    lying = client.post(
        f"/audits/{reference}/items/{item_id}/evidence",
        data={"csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4 x"), "x.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert lying.status_code == 422 and "its content is application/pdf" in lying.get_data(as_text=True)


def test_an_upload_over_the_limit_answers_413(app, client_as):
    app.config["DEALERQMS_EVIDENCE_MAX_BYTES"] = 100
    client = client_as("auditor")
    reference = _plan_and_start(client)
    page = client.get(f"/audits/{reference}").get_data(as_text=True)
    item_id = re.search(r'id="item-(\d+)"', page).group(1)
    response = client.post(
        f"/audits/{reference}/items/{item_id}/evidence",
        data={"csrf_token": _token(page), "file": (io.BytesIO(JPEG * 10), "big.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_raise_nonconformity_from_a_metric_is_prefilled(client_as):
    client = client_as("head")
    page = client.get("/nonconformities/new?source=metric&metric=sales.lead_response&site=MAIN&period=2026-05")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="metric:sales.lead_response/MAIN/2026-05"' in body and "2026-05" in body
    assert '<option value="SALES" selected>' in body
    response = client.post(
        "/nonconformities/new",
        data={
            "csrf_token": _token(body),
            "title": "Lead response off target",
            "severity": "minor",
            "site": "MAIN",
            "department": "SALES",
            "source": "metric",
            "source_ref": "metric:sales.lead_response/MAIN/2026-05",
        },
    )
    assert response.status_code == 302
    nc_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "metric:sales.lead_response/MAIN/2026-05" in nc_page


def test_overdue_work_and_my_actions_show_on_the_dashboard(app, client_as):
    from audits.services import actions
    from audits.services import nonconformities as ncs
    from core.accounts.services import user_by_login
    from core.database import commit

    with app.app_context():
        nc = ncs.raise_nonconformity(
            user_by_login("qo"),
            title="Late delivery",
            description="",
            severity="major",
            site="MAIN",
            department="SALES",
        )
        ncs.transition(
            user_by_login("head"), nc, to="contained", containment="Called customer", row_version=nc.row_version
        )
        ncs.transition(
            user_by_login("head"),
            nc,
            to="root_cause_identified",
            root_cause={"method": "fishbone", "causes": {"method": ["No delivery plan"]}},
            row_version=nc.row_version,
        )
        actions.add_action(user_by_login("head"), nc, description="Delivery plan", owner="staff", due_date=today())
        nc.due_date = today() - timedelta(days=3)
        commit()
        reference = nc.reference
    dashboard = client_as("staff").get("/").get_data(as_text=True)
    assert "Do " in dashboard and "Delivery plan" in dashboard and "Overdue" in dashboard
    assert reference in dashboard
    nc_page = client_as("head").get(f"/nonconformities/{reference}").get_data(as_text=True)
    assert "<svg" in nc_page and "No delivery plan" in nc_page
    assert client_as("staff").get("/actions/mine").status_code == 200


def test_staff_cannot_open_audits(client_as):
    assert client_as("staff").get("/audits/").status_code == 403
    assert client_as("staff").get("/audits/new").status_code == 403
    assert client_as("qo").get("/audits/programme").status_code == 200


@pytest.fixture
def fresh_translations(app):
    # Flask-Babel caches catalogs per process, not per app: start and leave
    # with an empty cache so no other test app sees catalogs built for this one.
    from flask_babel import get_domain

    with app.app_context():
        cache = get_domain().cache
    cache.clear()
    yield
    cache.clear()


def test_the_pages_speak_chinese(app, client_as, fresh_translations):
    from flask_babel import gettext

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert gettext("Raise a nonconformity") == "提出不符合"
    client = client_as("qo")
    token = _token(client.get("/nonconformities/").get_data(as_text=True))
    client.post("/language", data={"csrf_token": token, "locale": "zh_CN", "next": "/nonconformities/"})
    page = client.get("/nonconformities/").get_data(as_text=True)
    assert "提出不符合" in page and "仅逾期" in page


def test_planning_from_the_programme_prefills_what_planning_accepts(app, client_as, make_user):
    """A QUALITY audit planned by a quality officer of QUALITY: the form offers an impartial lead
    auditor and no past date, only auditors who work at the site, and submitting it as offered
    plans the audit."""
    from audits.services import audits, programme
    from core.accounts.services import create_site
    from core.database import commit

    with app.app_context():
        create_site(None, "NORTH", "North")
        commit()
    make_user("north.auditor", "auditor", department="TRAINING", site="NORTH")
    with app.app_context():
        past = today().replace(day=1) - timedelta(days=40)
        entry = programme.add_entry(None, year=past.year, month=past.month, site="MAIN", department="QUALITY")
        commit()
        entry_id = entry.id
        assert audits.next_working_day(today()).weekday() < 5
    client = client_as("qo")
    page = client.get(f"/audits/new?entry={entry_id}").get_data(as_text=True)
    lead = re.search(r'<select id="f-lead" name="lead_auditor">(.*?)</select>', page, re.S).group(1)
    chosen = re.search(r'<option value="([^"]+)" selected>', lead).group(1)
    assert chosen == "auditor", "qo belongs to QUALITY and may not lead its audit"
    assert 'value="north.auditor"' not in page, "an auditor of another site is not offered"
    # The date is the next working day, not the past month of the programme.
    planned_for = re.search(r'name="planned_date"[^>]*value="([^"]+)"', page).group(1)
    assert planned_for == audits.next_working_day(today()).isoformat()
    values = dict(re.findall(r'<input[^>]*name="(title|scope)"[^>]*value="([^"]*)"', page))
    answer = client.post(
        f"/audits/new?entry={entry_id}",
        data={
            "csrf_token": _token(page),
            "title": values.get("title") or "Quality system audit",
            "site": "MAIN",
            "departments": "QUALITY",
            "lead_auditor": chosen,
            "checklists": "audits.quality_system",
            "planned_date": planned_for,
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[-2000:]


def test_planning_where_nobody_can_audit_says_what_to_do(app, client_as, make_user):
    """A site without an auditor: the planning form says so, and whom to ask, instead of an empty list."""
    from audits.services import programme
    from core.accounts.services import create_site
    from core.database import commit

    with app.app_context():
        create_site(None, "EAST", "East dealership")
        entry = programme.add_entry(None, year=today().year, month=12, site="EAST", department="SALES")
        commit()
        entry_id = entry.id
    client = client_as("qo")

    def advice() -> str | None:
        page = client.get(f"/audits/new?entry={entry_id}").get_data(as_text=True)
        found = re.search(r'<div class="alert alert-warning" id="no-auditor" role="status"><p>(.*?)</p>', page, re.S)
        if found:
            assert 'aria-describedby="no-auditor"' in page
        return html.unescape(found.group(1)) if found else None

    said = advice()
    assert said.startswith("Nobody can audit at East dealership yet")
    assert "Ask an administrator to give someone at East dealership the auditor role" in said
    # An auditor there, but from the audited department: impartiality leaves nobody either.
    make_user("east.sales", "auditor", department="SALES", site="EAST")
    assert "nobody may audit their own department" in advice()
    make_user("east.trainer", "auditor", department="TRAINING", site="EAST")
    assert advice() is None
