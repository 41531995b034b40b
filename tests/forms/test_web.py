"""Filling in a form in the browser's way: field errors beside the field, what was typed kept."""

import io
import re

from openpyxl import load_workbook

from tests.forms.conftest import VIN, token


def post(client, data):
    return client.post("/forms/sample.inspection/new", data={"csrf_token": token(client), "site": "MAIN", **data})


def test_the_page_renders_every_field_type(app, users, sample, client_as):
    page = client_as("staff").get("/forms/sample.inspection/new").get_data(as_text=True)
    for fragment in (
        'name="mileage" required type="number"',
        'type="date"',
        'type="datetime-local"',
        'type="email"',
        'type="tel"',
        'name="areas" type="checkbox"',
        'name="rating" type="radio"',
        'name="whys-0-why"',
        'data-visible-when-field="complaint"',
        'data-visible-when-value="yes"',
    ):
        assert fragment in page, fragment
    # Hidden until "yes" is chosen; the script that shows it is a file, not inline.
    assert re.search(r'data-visible-when-value="yes" hidden', page)
    assert "<script>" not in page and " style=" not in page


def test_a_link_may_start_the_form_with_values_read_as_typed_and_nothing_is_stored(
    app, users, sample, client_as, api_as
):
    client = client_as("staff")
    page = client.get(
        "/forms/sample.inspection/new?site=MAIN&customer=Wang+Fang&mileage=12000&areas=paint&areas=tyres&junk=1"
    ).get_data(as_text=True)
    assert 'value="Wang Fang"' in page and 'value="12000"' in page
    assert re.search(r'checked[^>]*value="paint"|value="paint"[^>]*checked', page)
    assert re.search(r'checked[^>]*value="tyres"|value="tyres"[^>]*checked', page)
    assert 'name="junk"' not in page
    # A value a field cannot take is shown as typed, refused only when the form is sent.
    assert 'value="lots"' in client.get("/forms/sample.inspection/new?mileage=lots").get_data(as_text=True)
    assert api_as("qo").get("/api/v1/forms/sample.inspection/submissions").json == []


def test_errors_show_beside_the_field_and_keep_what_was_typed(app, users, sample, client_as):
    client = client_as("staff")
    response = post(
        client,
        {
            "customer": "Li Wei",
            "mileage": "lots",
            "severity": "low",
            "complaint": "yes",
            "vin": "1M8GDM9A1KP042788",
            "whys-0-because": "x",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Li Wei"' in page and 'value="1M8GDM9A1KP042788"' in page
    for message in ("Not a valid integer value.", "check digit", "This field is required."):
        assert message in page
    # The conditional field stays visible after "yes" and shows its own error.
    assert 'data-visible-when-value="yes" hidden' not in page


def test_a_valid_post_is_stored_and_shown(app, users, sample, client_as):
    client = client_as("staff")
    response = post(
        client,
        {
            "customer": "Li Wei",
            "mileage": "42000",
            "severity": "high",
            "complaint": "no",
            "complaint_text": "ignored",
            "vin": VIN.lower(),
            "areas": ["paint", "tyres"],
            "rating": "5",
            "whys-0-why": "Late",
            "whys-0-because": "Parts",
            "whys-1-why": "",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Li Wei" in page and VIN in page and "paint; tyres" in page and "Parts" in page
    assert "ignored" not in page
    # The next one is a click away, at the same site; someone else reading it is not offered it.
    assert 'href="/forms/sample.inspection/new?site=MAIN">Log another' in page
    assert "Log another" not in client_as("qo").get(response.headers["Location"]).get_data(as_text=True)
    assert sample.submitted[0][3]["whys"] == [{"why": "Late", "because": "Parts"}]


def test_list_filter_and_csv_export(app, users, sample, client_as, api_as):
    api = api_as("qo")
    for name in ("=HYPERLINK(1)", "Zhang"):
        api.post(
            "/api/v1/forms/sample.inspection/submissions",
            json={
                "site": "MAIN",
                "data": {"customer": name, "mileage": 10, "severity": "low", "complaint": False, "vin": VIN},
            },
        )
    client = client_as("auditor")
    listing = client.get("/forms/sample.inspection/submissions?site=MAIN").get_data(as_text=True)
    assert listing.count("/forms/submissions/") == 2
    assert "/forms/submissions/" not in client.get("/forms/sample.inspection/submissions?to=2000-01-01").get_data(
        as_text=True
    )
    export = client.get("/forms/sample.inspection/submissions.csv")
    assert export.mimetype == "text/csv"
    # A byte-order mark first, so that Excel reads UTF-8; columns by their labels.
    lines = export.get_data(as_text=True).removeprefix("\ufeff").splitlines()
    assert lines[0].startswith("Number,Form,Version,Site,Submitted at,Submitted by,Customer,")
    assert any(",Zhang," in line for line in lines)
    # A formula is exported as text, not run by the spreadsheet.
    assert any(",'=HYPERLINK(1)," in line for line in lines)


def test_xlsx_export_has_the_filtered_rows_a_reader_may_see_and_runs_no_formula(app, users, sample, client_as, api_as):
    for who, name in (("qo", "=SUM(1)"), ("staff", "Zhang")):
        api_as(who).post(
            "/api/v1/forms/sample.inspection/submissions",
            json={
                "site": "MAIN",
                "data": {"customer": name, "mileage": 10, "severity": "low", "complaint": False, "vin": VIN},
            },
        )

    def rows(client, query=""):
        response = client.get(f"/forms/sample.inspection/submissions.xlsx{query}")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.get_data())).active
        return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]

    sheet, seen = rows(client_as("auditor"))
    assert seen[0][:7] == ["Number", "Form", "Version", "Site", "Submitted at", "Submitted by", "Customer"]
    assert sorted(row[6] for row in seen[1:]) == ["=SUM(1)", "Zhang"]
    formula_row = next(index for index, row in enumerate(seen, start=1) if row[6] == "=SUM(1)")
    # Kept as typed, as text: the spreadsheet shows it and does not compute it.
    assert sheet.cell(row=formula_row, column=7).data_type == "s"
    assert rows(client_as("auditor"), "?to=2000-01-01")[1][1:] == []
    # Staff export their own submissions only, as the list shows them.
    assert [row[6] for row in rows(client_as("staff"))[1][1:]] == ["Zhang"]
    assert (
        client_as("auditor")
        .get("/forms/sample.inspection/submissions")
        .get_data(as_text=True)
        .count("/forms/sample.inspection/submissions.xlsx")
    )


def test_unknown_form_is_404(app, users, sample, client_as):
    assert client_as("staff").get("/forms/sample.nothing/new").status_code == 404


def test_the_forms_are_grouped_by_area_and_found_by_words(app, users, sample, client_as):
    client = client_as("staff")
    page = client.get("/forms/").get_data(as_text=True)
    # Areas by name, forms of no area last under "Other"; no header without words.
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings.index("After-sales") < headings.index("Other")
    assert '<th scope="col"></th>' not in page
    survey = page.index("Customer satisfaction survey")
    assert page.index("<h2>After-sales</h2>") < survey < page.index("<h2>Other</h2>") < page.index("Vehicle inspection")
    found = client.get("/forms/?q=inspection").get_data(as_text=True)
    assert "Vehicle inspection" in found and "Customer satisfaction survey" not in found
    narrowed = client.get("/forms/?area=AFTERSALES").get_data(as_text=True)
    assert "Customer satisfaction survey" in narrowed and "Vehicle inspection" not in narrowed
    assert "No form matches." in client.get("/forms/?q=nothing-like-this").get_data(as_text=True)
