"""The name an evidence file is stored and downloaded under cannot mislead.

A PNG that is also an HTML page, sent as ``poly.html``, downloaded as
``poly.html`` and opened in the browser as a page; a right-to-left override
showed ``invoice<RLO>gnp.exe`` as ``invoiceexe.png``; ``x.png; filename=evil.html``
put a second ``filename`` into the header. Uploaded through the API and the
pages, each is now stored under a name whose extension is its content's,
without invisible characters or separators, and downloaded with a
Content-Disposition werkzeug builds (RFC 6266, ``filename*`` for non-ASCII).
"""

import io
import re

import pytest
from werkzeug.http import parse_options_header

from tests.audits.conftest import started

pytestmark = pytest.mark.usefixtures("cast")

# The PNG signature and header, then a page: filetype sees a PNG, a browser told it is HTML runs the script.
POLYGLOT = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17 + b"<html><script>alert(document.cookie)</script>"
RLO = "\u202e"

CASES = [
    ("poly.html", "poly.png"),
    (f"invoice{RLO}gnp.exe", "invoicegnp.png"),
    ("x.png; filename=evil.html", "x.png_ filename=evil.png"),
    ("../../srv/www/poly.html", "poly.png"),
    ("温度\u200b计.html", "温度计.png"),
]


@pytest.fixture
def item(app):
    with app.app_context():
        audit = started()
        return audit.reference, audit.items[0].id


def _disposition(response) -> tuple[str, dict]:
    header = response.headers["Content-Disposition"]
    assert not re.search(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]", header)
    return parse_options_header(header)


def _assert_offered_as(response, disposition: str, name: str) -> None:
    assert response.status_code == 200 and response.data == POLYGLOT
    assert response.mimetype == "image/png"
    kind, params = _disposition(response)
    assert (kind, params) == (disposition, {"filename": name})
    # The ASCII fallback beside filename* for names that are not ASCII, as RFC 6266 has it.
    if not name.isascii():
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]


@pytest.mark.parametrize(("sent", "stored"), CASES)
def test_an_upload_through_the_api_is_named_by_its_content(api_as, item, sent, stored):
    reference, item_id = item
    api = api_as("auditor")
    uploaded = api.post(
        f"/api/v1/audits/{reference}/items/{item_id}/evidence",
        data={"file": (io.BytesIO(POLYGLOT), sent, "image/png")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    assert uploaded.json["name"] == stored and uploaded.json["media_type"] == "image/png"
    _assert_offered_as(api.get(uploaded.json["url"]), "attachment", stored)


@pytest.mark.parametrize(("sent", "stored"), CASES)
def test_an_upload_through_the_pages_is_named_by_its_content(client_as, item, sent, stored):
    reference, item_id = item
    client = client_as("auditor")
    page = client.get(f"/audits/{reference}").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    uploaded = client.post(
        f"/audits/{reference}/items/{item_id}/evidence",
        data={"csrf_token": token, "file": (io.BytesIO(POLYGLOT), sent, "image/png")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)
    page = client.get(f"/audits/{reference}").get_data(as_text=True)
    evidence_id = re.search(r"/evidence/(\d+)", page).group(1)
    _assert_offered_as(client.get(f"/evidence/{evidence_id}?download=1"), "attachment", stored)
    _assert_offered_as(client.get(f"/evidence/{evidence_id}"), "inline", stored)


def test_the_html_the_browser_says_it_is_is_refused(api_as, item):
    reference, item_id = item
    refused = api_as("auditor").post(
        f"/api/v1/audits/{reference}/items/{item_id}/evidence",
        data={"file": (io.BytesIO(POLYGLOT), "poly.html", "text/html")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "says it is text/html but its content is image/png" in refused.json["detail"]


def test_a_name_stored_before_names_were_cleaned_is_cleaned_when_offered(app, api_as, item):
    from audits.models import Evidence
    from core.database import commit, db

    reference, item_id = item
    api = api_as("auditor")
    uploaded = api.post(
        f"/api/v1/audits/{reference}/items/{item_id}/evidence",
        data={"file": (io.BytesIO(POLYGLOT), "door.png", "image/png")},
        content_type="multipart/form-data",
    ).json
    with app.app_context():
        db.session.get(Evidence, uploaded["id"]).name = f"old{RLO}lmth.png; filename=evil.html"
        commit()
    _assert_offered_as(api.get(uploaded["url"]), "attachment", "oldlmth.png_ filename=evil.png")


@pytest.mark.parametrize(
    ("name", "media_type", "expected"),
    [
        ("report", "application/pdf", "report.pdf"),
        ("photo.2024.05", "image/jpeg", "photo.2024.05.jpg"),
        ("IMG_0001.JPEG", "image/jpeg", "IMG_0001.JPEG"),
        ("run.bat", "text/plain", "run.txt"),
        ("", "text/csv", "evidence.csv"),
        ("a/b\\c:d*e?f|g<h>i.png", "image/png", "c_d_e_f_g_h_i.png"),
        ('"quoted"\r\n;.png', "image/png", "_quoted__.png"),
        ("  spaced \t  out  .pdf", "application/pdf", "spaced out .pdf"),
        ("x" * 300 + ".html", "image/png", "x" * 196 + ".png"),
    ],
)
def test_stored_names(name, media_type, expected):
    from audits.services.evidence import named_for, safe_name

    assert named_for(safe_name(name), media_type) == expected
