"""Submissions in scope: one submits for a site in one's scope; submissions are read by
their submitter, quality officers and auditors in their scope, heads of the form's area at their site."""

from tests.forms.conftest import GOOD

SURVEY = "/api/v1/forms/sample.survey/submissions"  # area AFTERSALES
INSPECTION = "/api/v1/forms/sample.inspection/submissions"


def _north(app):
    from core.accounts.services import create_site
    from core.database import commit

    with app.app_context():
        create_site(None, "NORTH", "North")
        commit()


def test_staff_submit_only_for_their_own_site(app, users, sample, make_user, api_as):
    _north(app)
    refused = api_as("staff").post(SURVEY, json={"site": "NORTH", "data": {"score": 9}})
    assert refused.status_code == 403 and "another site" in refused.json["detail"]
    assert api_as("staff").post(SURVEY, json={"site": "MAIN", "data": {"score": 9}}).status_code == 201


def test_the_form_page_offers_only_the_sites_one_may_submit_for(app, users, sample, client_as):
    _north(app)
    staff_page = client_as("staff").get("/forms/sample.survey/new").get_data(as_text=True)
    assert 'value="MAIN"' in staff_page and 'value="NORTH"' not in staff_page
    group_page = client_as("qo").get("/forms/sample.survey/new").get_data(as_text=True)
    assert 'value="MAIN"' in group_page


def test_submissions_are_read_in_scope(app, users, sample, make_user, api_as):
    _north(app)
    make_user("as.head", "department_head", department="AFTERSALES")
    make_user("north.qo", "quality_officer", department="QUALITY", site="NORTH")
    make_user("staff2", "staff")
    mine = api_as("staff").post(SURVEY, json={"site": "MAIN", "data": {"score": 9}}).json["id"]
    api_as("staff").post(INSPECTION, json={"site": "MAIN", "data": GOOD})

    def ids(who, url=SURVEY):
        return [row["id"] for row in api_as(who).get(url).json]

    assert ids("staff") == [mine] and ids("staff2") == []
    assert ids("as.head") == [mine]  # a survey is AFTERSALES'
    assert ids("head") == []  # the SALES head
    assert ids("qo") == [mine] and ids("north.qo") == []
    assert ids("as.head", INSPECTION) == []  # a form of no area is no head's
    for who, status in [("staff", 200), ("as.head", 200), ("head", 404), ("north.qo", 404), ("staff2", 404)]:
        assert api_as(who).get(f"{SURVEY}/{mine}").status_code == status, who
