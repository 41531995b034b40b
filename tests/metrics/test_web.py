"""KPI pages, charts, the dashboard and the nonconformity button."""

import re

import pytest
from flask import Blueprint

from core.charts import comparison_svg, trend_svg
from tests.forms.conftest import token
from tests.statements import statements_of_page


def record(api_as, key, period, value, site="MAIN", who="qo"):
    response = api_as(who).post(
        f"/api/v1/metrics/{key}/measurements", json={"site": site, "period": period, "value": value}
    )
    assert response.status_code == 201, response.json


def test_trend_chart_is_svg_with_the_series_target_and_bands(app):
    svg = str(
        trend_svg(
            title="First-time fix",
            periods=["2026-01", "2026-02", "2026-03"],
            values=[91, 87, 80],
            target=90,
            warning=85,
            direction="higher",
            statuses=["green", "amber", "red"],
        )
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    for label in ("2026-01", "2026-02", "2026-03", ">91<", ">87<", ">80<", " 90<"):
        assert label in svg, label
    # Bands and markers in the three status colours.
    for colour in ("#2e7d32", "#f9a825", "#c62828"):
        assert colour in svg
    # Inline under the page's Content Security Policy: presentation attributes only.
    assert " style=" not in svg and "<style" not in svg and "<script" not in svg


def test_comparison_chart_ranks_sites(app):
    svg = str(
        comparison_svg(title="NPS", sites=["NORTH", "MAIN"], values=[60, None], statuses=["green", None], target=50)
    )
    assert svg.index(">NORTH<") < svg.index(">MAIN<") or ">NORTH<" in svg
    assert ">60<" in svg.replace(" 60<", ">60<")


def test_chart_in_a_pdf(app):
    from core.pdf import render_pdf

    svg = trend_svg(
        title="Lead response",
        periods=["2026-01", "2026-02"],
        values=[25, 70],
        target=30,
        warning=60,
        direction="lower",
        statuses=["green", "red"],
    )
    pdf = render_pdf(f"<html><body><h1>KPI</h1>{svg}</body></html>")
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


def test_metric_page_shows_chart_and_values(app, users, sample, client_as, api_as):
    record(api_as, "sample.first_time_fix", "2026-01", 93)
    record(api_as, "sample.first_time_fix", "2026-02", 80)
    page = client_as("staff").get("/metrics/sample.first_time_fix?site=MAIN").get_data(as_text=True)
    assert "<svg" in page and ">93.0<" in page and ">80.0<" in page
    assert "status-red" in page and "status-green" in page
    # Staff may look but not record.
    assert 'action="/metrics/sample.first_time_fix/measurements"' not in page
    overview = client_as("staff").get("/metrics/?site=MAIN").get_data(as_text=True)
    assert "First-time fix rate" in overview and "kpi-red" in overview


def test_no_nonconformity_button_without_the_audits_package(app, users, sample, client_as, api_as, monkeypatch):
    # As on an installation whose audits package is not there (or not yet).
    monkeypatch.delitem(app.view_functions, "audits.new_nonconformity", raising=False)
    record(api_as, "sample.first_time_fix", "2026-02", 80)
    page = client_as("qo").get("/metrics/sample.first_time_fix?site=MAIN").get_data(as_text=True)
    assert "Raise nonconformity" not in page


@pytest.fixture
def audits_endpoint(app):
    if "audits.new_nonconformity" in app.view_functions:
        return
    stand_in = Blueprint("audits", __name__)

    @stand_in.route("/nonconformities/new")
    def new_nonconformity():
        return "new NC"

    app.register_blueprint(stand_in)


def test_red_measurement_offers_a_nonconformity(app, audits_endpoint, users, sample, client_as, api_as):
    record(api_as, "sample.first_time_fix", "2026-01", 95)
    record(api_as, "sample.first_time_fix", "2026-02", 80)
    page = client_as("qo").get("/metrics/sample.first_time_fix?site=MAIN").get_data(as_text=True)
    links = re.findall(r'href="(/nonconformities/new\?[^"]+)"', page)
    assert len(links) == 1
    assert "source=metric" in links[0] and "metric=sample.first_time_fix" in links[0]
    assert "site=MAIN" in links[0] and "period=2026-02" in links[0]


def test_manual_entry_duplicate_and_correction_on_the_web(app, users, sample, client_as):
    client = client_as("qo")
    url = "/metrics/sample.first_time_fix/measurements"
    assert (
        client.post(
            url, data={"csrf_token": token(client), "site": "MAIN", "period": "2026-03", "value": "88"}
        ).status_code
        == 302
    )
    again = client.post(url, data={"csrf_token": token(client), "site": "MAIN", "period": "2026-03", "value": "90"})
    assert again.status_code == 409
    assert "/metrics/sample.first_time_fix/measurements/MAIN/2026-03/correct" in again.get_data(as_text=True)
    bad = client.post(url, data={"csrf_token": token(client), "site": "MAIN", "period": "March", "value": "90"})
    assert bad.status_code == 422 and "YYYY-MM" in bad.get_data(as_text=True)
    correct = "/metrics/sample.first_time_fix/measurements/MAIN/2026-03/correct"
    unversioned = client.post(correct, data={"csrf_token": token(client), "value": "90", "reason": "Typo"})
    assert unversioned.status_code == 422 and "reload it and make your change again" in unversioned.get_data(
        as_text=True
    )
    no_reason = client.post(correct, data={"csrf_token": token(client), "value": "90", "row_version": "1"})
    assert no_reason.status_code == 422
    done = client.post(correct, data={"csrf_token": token(client), "value": "90", "reason": "Typo", "row_version": "1"})
    assert done.status_code == 302
    assert "corrected: Typo" in client.get("/metrics/sample.first_time_fix?site=MAIN").get_data(as_text=True)


def test_the_dashboard_shows_the_kpis_of_ones_job(app, users, sample, client_as, api_as):
    record(api_as, "sample.lead_response", "2026-02", 45)
    # The head of SALES: their department's KPIs at their site, whatever their status.
    page = client_as("head").get("/").get_data(as_text=True)
    assert "Lead response time" in page and "kpi-amber" in page and ">45" in page
    # A quality officer: only what is off target; staff: none (the KPI pages show them all).
    assert "Lead response time" not in client_as("qo").get("/").get_data(as_text=True)
    staff = client_as("staff").get("/").get_data(as_text=True)
    assert 'id="kpi-heading"' not in staff
    assert "Lead response time" in client_as("staff").get("/metrics/?site=MAIN").get_data(as_text=True)


def test_dashboard_groups_the_kpi_grid_by_area_with_sparklines(app, users, sample, client_as, api_as):
    from core.clock import add_months, current_period

    with app.app_context():
        months = [add_months(current_period(), -n) for n in range(5, -1, -1)]
    # Up to the last complete month, which the tiles show.
    for month, value in zip(months[-4:-1], (95, 88, 80), strict=True):
        record(api_as, "sample.first_time_fix", month, value)
    record(api_as, "sample.lead_response", months[-2], 20)
    client = client_as("qo")
    # The first page of a session also records when it was last seen (at most once a minute): not counted.
    statements_of_page(app, client, "/")
    before = statements_of_page(app, client, "/")
    page = client.get("/").get_data(as_text=True)
    kpis = page[page.index('id="kpi-heading"') :]
    kpis = kpis[: kpis.index("</section>")]
    # A quality officer sees what is off target first, grouped under its area; the rest is on the KPI pages.
    after_sales = kpis[kpis.index(">After-sales</h3>") :]
    assert after_sales.index(">After-sales</h3>") < after_sales.index("First-time fix rate")
    assert "kpi-red" in after_sales and ">80.0 <small>%</small>" in after_sales and "Off target" in after_sales
    assert 'class="kpi-spark"><svg' in after_sales, "a trend sparkline of the history"
    assert "Lead response time" not in kpis and ">Sales</h3>" not in kpis, "on target: not on the dashboard"
    assert "Net promoter score" not in kpis, "the dashboard shows measured metrics only"
    assert 'href="/metrics/compare"' in kpis and 'href="/metrics/?site=MAIN"' in kpis
    # The same page from /metrics/ (all metrics, unmeasured ones too).
    overview = client.get("/metrics/?site=MAIN").get_data(as_text=True)
    assert "Net promoter score" in overview and 'class="kpi-spark"><svg' in overview
    # More history and more sites' data: not one more query.
    for month in months[:2]:
        record(api_as, "sample.first_time_fix", month, 91)
        record(api_as, "sample.lead_response", month, 70)
    assert statements_of_page(app, client, "/") == before


def test_csv_import_page_reports_rows(app, users, sample, client_as):
    import io

    client = client_as("qo")
    data = {
        "csrf_token": token(client),
        "file": (io.BytesIO(b"metric,site,period,value\nsample.first_time_fix,MAIN,2026-01,abc\n"), "k.csv"),
    }
    response = client.post("/metrics/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "is not a number" in page and '<td class="num">2</td>' in page


def test_site_comparison_page(app, users, sample, north, client_as, api_as, make_user):
    # A quality officer enters values only at their site: NORTH's are the group office's.
    make_user("group.qo", "quality_officer", department="QUALITY", site=None)
    record(api_as, "sample.first_time_fix", "2026-02", 80)
    record(api_as, "sample.first_time_fix", "2026-02", 95, site="NORTH", who="group.qo")
    client = client_as("qo")
    page = client.get("/metrics/compare?metric=sample.first_time_fix&period=2026-02").get_data(as_text=True)
    assert "<svg" in page
    # The worst first, each with its place in the ranking; the best first on request.
    assert page.index('<td class="num">2</td><td><a href="/metrics/sample.first_time_fix?site=MAIN">MAIN · ') < (
        page.index('<td class="num">1</td><td><a href="/metrics/sample.first_time_fix?site=NORTH">NORTH · ')
    )
    best = client.get("/metrics/compare?metric=sample.first_time_fix&period=2026-02&order=best").get_data(as_text=True)
    assert best.index("NORTH · North dealership") < best.index("MAIN · ")


def test_each_change_shows_on_the_next_look_at_the_comparison(app, users, sample, north, client_as, api_as, make_user):
    """The ranking is kept between readers (everyone asks for the same one) until a value, a
    target or a site is written: each of those shows on the next look, for another reader too."""
    from core.accounts.services import create_site, site_by_code, update_site, user_by_login
    from core.database import commit
    from core.metrics import services

    make_user("group.qo", "quality_officer", department="QUALITY", site=None)
    record(api_as, "sample.first_time_fix", "2026-02", 80)
    record(api_as, "sample.first_time_fix", "2026-02", 95, site="NORTH", who="group.qo")
    url = "/metrics/compare?metric=sample.first_time_fix&period=2026-02&order=best"
    qo, group = client_as("qo"), client_as("group.qo")

    def ranking(client) -> list[tuple[int, str, str]]:
        page = client.get(url).get_data(as_text=True)
        rows = re.findall(
            r'<td class="num">(\d+)</td><td><a href="[^"]+">([A-Z0-9]+) · .*?</td><td>(.*?)</td></tr>', page, re.S
        )
        return [(int(place), code, re.sub(r"<[^>]+>", "", badge).strip()) for place, code, badge in rows]

    assert ranking(qo) == ranking(group) == [(1, "NORTH", "On target"), (2, "MAIN", "Off target")]
    with app.app_context():
        metric = services.definition("sample.first_time_fix")
        main = services.find(metric, site_by_code("MAIN"), "2026-02")
        services.correct(user_by_login("qo"), main, 97, reason="Miscounted", row_version=main.row_version)
        commit()
    assert ranking(group) == [(1, "MAIN", "On target"), (2, "NORTH", "On target")]
    with app.app_context():
        services.set_site_target(
            user_by_login("group.qo"), metric, site_by_code("NORTH"), target=96, warning=94, reason="Raised"
        )
        commit()
    assert ranking(qo) == [(1, "MAIN", "On target"), (2, "NORTH", "Warning")]
    with app.app_context():
        create_site(None, "EAST", "East dealership")
        commit()
    assert ranking(group) == [(1, "MAIN", "On target"), (2, "NORTH", "Warning"), (3, "EAST", "—")]
    with app.app_context():
        north = site_by_code("NORTH")
        update_site(user_by_login("admin"), north, name=north.name, active=False, row_version=north.row_version)
        commit()
    assert ranking(qo) == [(1, "MAIN", "On target"), (2, "EAST", "—")]


# Twenty sites more than the one of the tests, each valued 75 + its number: 76 % to 95 %.
GROUP = 20


def _group_of_sites(app) -> None:
    from core.accounts.services import create_site
    from core.database import commit
    from core.metrics import services

    with app.app_context():
        metric = services.definition("sample.first_time_fix")
        for number in range(1, GROUP + 1):
            site = create_site(None, f"S{number:02d}", f"Site {number:02d}")
            services.record(None, metric, site, "2026-02", 75 + number)
        commit()


def _shown(page: str) -> list[tuple[int, str]]:
    rows = re.findall(r'<td class="num">(\d+)</td><td><a href="[^"]+">([A-Z0-9]+) · ', page)
    return [(int(place), code) for place, code in rows]


def test_a_group_of_many_sites_compares_a_page_of_them_the_worst_first(app, users, sample, client_as):
    """A group's quality officer looks for the sites that need them: the worst fifteen first, a
    page at a time, and how the whole group stands above them."""
    from core.metrics.services import SITES_SHOWN
    from tests.test_web_i18n import switch

    _group_of_sites(app)
    client = client_as("qo")
    url = "/metrics/compare?metric=sample.first_time_fix&period=2026-02"
    page = client.get(url).get_data(as_text=True)
    assert SITES_SHOWN == 15
    # S01 (76 %) is 20th of the 20 measured; MAIN, with no value, is last of 21.
    assert _shown(page) == [(21 - number, f"S{number:02d}") for number in range(1, 16)]
    tally = " ".join(page[page.index('<p class="comparison-tally">') :].split("</p>")[0].split())
    assert "Off target</span> 9 · " in tally and "Warning</span> 5 · " in tally and "On target</span> 6 · " in tally
    assert "No value 1 · 21 sites, the worst first." in tally
    assert "Page 1 of 2" in page
    second = client.get(f"{url}&page=2").get_data(as_text=True)
    assert _shown(second) == [(5, "S16"), (4, "S17"), (3, "S18"), (2, "S19"), (1, "S20"), (21, "MAIN")]
    best = client.get(f"{url}&order=best").get_data(as_text=True)
    assert _shown(best)[:2] == [(1, "S20"), (2, "S19")] and len(_shown(best)) == SITES_SHOWN
    # The next page keeps the order.
    assert 'href="/metrics/compare?page=2&amp;metric=sample.first_time_fix&amp;period=2026-02&amp;order=best"' in best
    switch(client, "zh_CN", "/")
    chinese = client.get(url).get_data(as_text=True)
    assert "无数值 1 · 共 21 家门店，最差的在前。" in chinese and "第 1 页，共 2 页" in chinese


def test_only_quality_officers_change_targets_on_the_web(app, users, sample, client_as):
    assert client_as("head").get("/metrics/sample.lead_response/target?site=MAIN").status_code == 403
    client = client_as("qo")
    response = client.post(
        "/metrics/sample.lead_response/target?site=MAIN",
        data={"csrf_token": token(client), "target": "20", "warning": "40", "reason": "Busy city site"},
    )
    assert response.status_code == 302
    unversioned = client.post(
        "/metrics/sample.lead_response/target?site=MAIN",
        data={"csrf_token": token(client), "target": "25", "warning": "45", "reason": "Busier still"},
    )
    assert unversioned.status_code == 422 and "Version: send the version" in unversioned.get_data(as_text=True)
    stale = client.post(
        "/metrics/sample.lead_response/target?site=MAIN",
        data={
            "csrf_token": token(client),
            "target": "25",
            "warning": "45",
            "reason": "Busier still",
            "row_version": "0",
        },
    )
    assert stale.status_code == 409
    again = client.post(
        "/metrics/sample.lead_response/target?site=MAIN",
        data={
            "csrf_token": token(client),
            "target": "25",
            "warning": "45",
            "reason": "Busier still",
            "row_version": "1",
        },
    )
    assert again.status_code == 302


def test_the_kpi_page_shows_one_area_at_a_time_when_asked(app, users, sample, client_as):
    client = client_as("staff")
    every = client.get("/metrics/?site=MAIN").get_data(as_text=True)
    assert "Lead response time" in every and "First-time fix rate" in every
    sales = client.get("/metrics/?site=MAIN&area=SALES").get_data(as_text=True)
    assert "Lead response time" in sales and "First-time fix rate" not in sales
    assert 'href="/metrics/?site=MAIN&amp;area=AFTERSALES"' in sales
