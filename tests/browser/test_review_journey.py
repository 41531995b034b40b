"""Shanghai's quality manager runs a management review on the demo: plans it, reads the inputs
compiled from the dealership's data (checked here against counts made from the records), records
the meeting's decisions, creates two improvement actions and an objective, signs the minutes and
downloads the record as a PDF, in English and in Chinese."""

import subprocess
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from audits.models import Audit, NcState, Nonconformity
from audits.reviews import inputs
from core.accounts.services import site_by_code
from core.clock import local_time, today
from core.database import db
from core.demo import DEMO_PASSWORD
from core.metrics.models import Measurement

pytestmark = pytest.mark.browser
CHAIR, PARTICIPANTS = "sh.quality.head", ("sh.sales.head", "sh.service.head")


def _period():
    """The last six complete months."""
    last = today().replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    for _month in range(5):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, last


def _expected(app, first, last) -> dict:
    """What the inputs must say, counted from the records rather than by the review's own code."""
    with app.test_request_context():
        site = site_by_code("SH01")
        start = local_time(first.year, first.month, first.day)
        after = last + timedelta(days=1)
        end = local_time(after.year, after.month, after.day)
        ncs = db.session.execute(
            db.select(Nonconformity).where(
                Nonconformity.site_id == site.id, Nonconformity.state != NcState.CANCELLED.value
            )
        ).scalars()
        ncs = list(ncs)
        raised = sum(1 for nc in ncs if start <= nc.raised_at < end)
        open_at_end = sum(
            1 for nc in ncs if nc.raised_at < end and not (nc.state == "closed" and nc.closed_at and nc.closed_at < end)
        )
        audits = db.session.execute(
            db.select(Audit).where(Audit.site_id == site.id, Audit.state.in_(["reported", "closed"]))
        ).scalars()
        reported = sorted(a.reference for a in audits if a.reported_at and start <= a.reported_at < end)
        months = db.session.execute(
            db.select(db.func.count())
            .select_from(Measurement)
            .where(
                Measurement.site_id == site.id,
                Measurement.metric_key.in_(inputs.SATISFACTION_KPIS),
                Measurement.period.between(f"{first:%Y-%m}", f"{last:%Y-%m}"),
            )
        ).scalar()
        return {
            "raised": raised,
            "open_at_end": open_at_end,
            "reported": reported,
            "satisfaction_rows": months,
            "labels": {key: str(inputs.label(key)) for key in ("raised", "open_at_end")},
        }


def _pdf_text(body: bytes, tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(body)
    # In reading order (not -layout), so that a table cell wrapped over lines reads as one text.
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(text.split())


def _count_in(section, label: str) -> int:
    row = section.locator("table").first.locator("tbody tr", has_text=label).first
    return int(row.locator("td").nth(1).inner_text())


def test_the_quality_manager_runs_a_management_review_for_shanghai(demo_instance, page, tmp_path):
    url = demo_instance.url
    first, last = _period()
    expected = _expected(demo_instance.app, first, last)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url + "/login")
    page.get_by_label("Login", exact=True).fill(CHAIR)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Plan the review of Shanghai over the last six months.
    page.goto(url + "/reviews/")
    page.get_by_role("link", name="Plan a review").click()
    page.locator("#f-site").select_option("SH01")
    page.fill("#f-period_from", first.isoformat())
    page.fill("#f-period_to", last.isoformat())
    page.fill("#f-planned_date", today().isoformat())
    page.fill("#f-chair", CHAIR)
    page.fill("#f-participants", " ".join(PARTICIPANTS))
    page.get_by_role("button", name="Plan the review").click()
    expect(page.locator(".flash-success")).to_contain_text("is planned")
    review_url = page.url
    reference = review_url.rstrip("/").rsplit("/", 1)[1]

    # Compile: the inputs agree with the records.
    page.get_by_role("button", name="Compile the inputs").click()
    expect(page.locator(".flash-success")).to_contain_text("compiled")
    for title in inputs.SECTION_TITLES.values():
        expect(page.locator("section.review-input h2", has_text=str(title)).first).to_be_visible()
    ncs = page.locator("section.review-input", has_text="Nonconformities and corrective actions")
    assert _count_in(ncs, expected["labels"]["raised"]) == expected["raised"]
    assert _count_in(ncs, expected["labels"]["open_at_end"]) == expected["open_at_end"]
    audits = page.locator("section.review-input", has_text="Audit results")
    for audit_reference in expected["reported"]:
        expect(audits).to_contain_text(audit_reference)
    satisfaction = page.locator("section.review-input", has_text="Customer satisfaction and feedback")
    assert satisfaction.locator("tbody tr").count() == expected["satisfaction_rows"] > 0
    expect(page.locator("section.review-input", has_text="Complaints by category")).to_contain_text(
        "Complaints received"
    )

    # The meeting: who was there, a discussion and a decision on two inputs; then held.
    for login in (CHAIR, *PARTICIPANTS):
        page.locator(f"input[name=present][value='{login}']").check()
    page.fill("#f-guests", "General manager")
    page.fill("#f-discussion-nonconformities", "Showroom reception NCs keep coming back")
    page.fill("#f-decision-nonconformities", "A lunch-break rota from next month")
    page.fill("#f-decision-customer_satisfaction", "Call back every detractor within two days")
    page.get_by_role("button", name="Save").last.click()
    expect(page.locator(".flash-success")).to_contain_text("meeting record")
    page.get_by_role("button", name="Hold the meeting").click()
    expect(page.locator(".flash-success")).to_contain_text("is held")

    # Outputs: two improvement actions and an objective, each with an owner and a due date.
    due = (today() + timedelta(days=60)).isoformat()
    for kind, title, department, owner in (
        ("improvement", "Lunch-break rota in the showroom", "SALES", "sh.sales.head"),
        ("improvement", "Call back detractors within two days", "AFTERSALES", "sh.service.head"),
        ("objective", "Answer every lead within 5 minutes", "SALES", "sh.sales.head"),
    ):
        page.locator("#f-kind").select_option(kind)
        page.fill("#f-title", title)
        page.fill("#f-description", f"Decided at {reference}")
        page.locator("#f-department").select_option(department)
        page.locator("#f-owner").select_option(owner)
        page.fill("#f-due_date", due)
        if kind == "objective":
            page.fill("#f-target", "5")
            page.locator("#f-metric").select_option("sales.lead_response_time")
        page.get_by_role("button", name="Record the output").click()
        expect(page.locator(".flash-success")).to_contain_text("output is recorded")
    outputs = page.locator("#outputs tbody tr")
    expect(outputs).to_have_count(3)
    expect(outputs.nth(0)).to_contain_text("OFI-")
    expect(outputs.nth(2)).to_contain_text("OBJ-")

    # The chair signs with their password; a wrong one signs nothing.
    page.fill("#f-password", "not my password")
    page.get_by_role("button", name="Sign the minutes").click()
    expect(page.locator(".flash-error")).to_contain_text("not the one of your account")
    page.fill("#f-password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the minutes").click()
    expect(page.locator("#signature")).to_contain_text("— Approved —")
    expect(page.locator("#signature")).to_contain_text("The record is as it was signed.")
    page.screenshot(path=str(tmp_path / "review-en.png"), full_page=True)

    # The record as a PDF: every input, the decisions, the outputs, the signature, page n of N.
    answer = page.request.get(f"{url}/reviews/{reference}/record.pdf")
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    text = _pdf_text(answer.body(), tmp_path, "review-en.pdf")
    with demo_instance.app.test_request_context():
        from audits.reviews import services

        review = services.review_by_reference(reference)
        titles = [
            str(inputs.label(s["key"]) if s["key"] in inputs.SECTION_TITLES else s["title"])
            for s in review.inputs["sections"]
        ]
        chair_name = review.chair.display_name
    for title in titles:
        assert " ".join(title.split()) in text, title
    for words in (
        "A lunch-break rota from next month",
        "Call back every detractor within two days",
        "Lunch-break rota in the showroom",
        "Answer every lead within 5 minutes",
        f"{chair_name} — Approved",
        "Page 1 of",
    ):
        assert words in text, words
    pages = int(text.rsplit("Page ", 1)[1].split(" of ")[1].split()[0])
    assert f"Page {pages} of {pages}" in text and pages >= 3

    # In Chinese: the page and the PDF.
    page.goto(url + "/account")
    page.get_by_role("region", name="Language").get_by_label("Language").select_option("zh_CN")
    page.get_by_role("button", name="Use this language").click()
    page.goto(review_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("管理评审")
    expect(page.locator("#signature")).to_contain_text("批准")
    page.set_viewport_size({"width": 768, "height": 1024})
    page.screenshot(path=str(tmp_path / "review-zh.png"), full_page=True)
    chinese = _pdf_text(page.request.get(f"{url}/reviews/{reference}/record.pdf").body(), tmp_path, "review-zh.pdf")
    for words in (
        "管理评审",
        "顾客满意和反馈",
        "不符合项和纠正措施",
        "审核结果",
        "主持人签字",
        "A lunch-break rota from next month",
    ):
        assert words in chinese, words
    assert f"第 1 页，共 {pages} 页".replace(" ", "") in chinese.replace(" ", "")
    print(f"screenshots and PDFs: {tmp_path}")
