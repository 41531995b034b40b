"""The Pareto of NC root causes on the KPI pages (issue #15), contributed by the audits area through
the ``kpi_panels`` hook: a site's page shows where the NCs its reader may read come from, of the
area the page is filtered to, and nothing when none was analysed."""

from __future__ import annotations

import pytest

from audits.services import nonconformities as ncs
from core.accounts.services import create_site
from core.database import commit
from core.plugin_engine import manager
from tests.audits.conftest import user

HEADING = "Where nonconformities come from (Pareto)"


def _analysed(title, analysis, *, site="MAIN", department="SALES", by="qo"):
    nc = ncs.raise_nonconformity(
        user(by), title=title, description="", severity="minor", site=site, department=department
    )
    ncs.transition(user(by), nc, to="contained", containment="Watched", row_version=nc.row_version)
    ncs.transition(user(by), nc, to="root_cause_identified", root_cause=analysis, row_version=nc.row_version)
    commit()
    return nc


def _why(because):
    return {"method": "5why", "chain": [{"why": "Nobody at the desk", "because": because}]}


@pytest.fixture
def analysed(app, users):
    """Three analysed NCs of sales at MAIN: two fishbones and a 5-why."""
    with app.app_context():
        _analysed("Keys mixed up", {"method": "fishbone", "causes": {"method": ["No checklist"], "man": ["New hire"]}})
        _analysed("Wrong invoice", {"method": "fishbone", "causes": {"method": ["Two templates"]}})
        _analysed("Waited", _why("No rota for lunch breaks"))


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _sales_metric(app) -> str:
    return next(key for key, metric in sorted(manager.registry(app).metrics.items()) if metric.area == "SALES")


def test_the_kpi_page_of_a_site_shows_where_its_ncs_come_from(app, client_as, analysed):
    page = _page(client_as("qo"), "/metrics/?site=MAIN")
    assert HEADING in page
    # The two charts, with the categories and the cause, each with its cumulative share.
    assert 'aria-label="Root causes by fishbone category"' in page and 'aria-label="Root causes found by 5-why"' in page
    assert "Method · 66.7 %" in page and "Man (people) · 100 %" in page
    assert "No rota for lunch breaks · 100 %" in page
    assert "that you may read: 3." in page
    assert 'href="/improvements/?site=MAIN&amp;department=SALES#root-causes"' not in page
    assert 'href="/improvements/?site=MAIN#root-causes"' in page


def test_the_page_of_an_area_and_a_metric_page_show_that_area_s_causes(app, client_as, analysed):
    qo = client_as("qo")
    sales = _page(qo, "/metrics/?site=MAIN&area=SALES")
    assert HEADING in sales and "Method · 66.7 %" in sales
    assert 'href="/improvements/?site=MAIN&amp;department=SALES#root-causes"' in sales
    assert HEADING not in _page(qo, "/metrics/?site=MAIN&area=AFTERSALES")
    # An area no department has counts no NC.
    assert HEADING not in _page(qo, "/metrics/?site=MAIN&area=NOWHERE")
    assert "No rota for lunch breaks · 100 %" in _page(qo, f"/metrics/{_sales_metric(app)}?site=MAIN")


def test_a_reader_sees_only_the_causes_of_the_ncs_they_may_read(app, client_as, make_user, analysed):
    with app.app_context():
        create_site(None, "NORTH", "North")
        commit()
    make_user("northqo", "quality_officer", department="QUALITY", site="NORTH")
    make_user("northhead", "department_head", department="SALES", site="NORTH")
    with app.app_context():
        _analysed("Tyres swapped", _why("No torque chart at the bay"), site="NORTH", by="northqo")

    north = _page(client_as("northqo"), "/metrics/?site=NORTH")
    assert "No torque chart at the bay · 100 %" in north and "No rota for lunch breaks" not in north
    # Each site's page counts that site's NCs only.
    main = _page(client_as("qo"), "/metrics/?site=MAIN")
    assert "No rota for lunch breaks · 100 %" in main and "No torque chart" not in main
    # Another site's people do not read its NCs, whichever site's page they open.
    assert HEADING not in _page(client_as("qo"), "/metrics/?site=NORTH")
    assert HEADING not in _page(client_as("northhead"), "/metrics/?site=MAIN")
    # Staff read only the NCs they raised or own: none of these.
    assert HEADING not in _page(client_as("staff"), "/metrics/?site=MAIN")
    assert HEADING in _page(client_as("head"), "/metrics/?site=MAIN&area=SALES")


def test_without_analysed_ncs_the_kpi_pages_show_no_pareto(app, client_as, users):
    qo = client_as("qo")
    assert HEADING not in _page(qo, "/metrics/?site=MAIN")
    with app.app_context():
        # Raised and contained, not yet analysed: nothing to count.
        nc = ncs.raise_nonconformity(
            user("qo"), title="Late handover", description="", severity="minor", site="MAIN", department="SALES"
        )
        ncs.transition(user("qo"), nc, to="contained", containment="Watched", row_version=nc.row_version)
        commit()
    assert HEADING not in _page(qo, "/metrics/?site=MAIN")
    assert HEADING not in _page(qo, f"/metrics/{_sales_metric(app)}?site=MAIN")
