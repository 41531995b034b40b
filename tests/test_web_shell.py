"""The shell around every page: dashboard, navigation, audit-trail page, error pages."""

import re
from datetime import date

import pytest
from sqlalchemy import text

from core.database import db
from core.plugins import DashboardPanel, Kpi, MenuLink, OverdueItem, hookimpl
from core.web import views

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def page_token(client, path="/"):
    match = CSRF_META.search(client.get(path, follow_redirects=True).get_data(as_text=True))
    assert match, f"{path} has no csrf-token meta tag"
    return match.group(1)


@pytest.fixture
def app_config():
    # No built-in plugin: what the dashboard shows comes from these tests alone.
    return {"DEALERQMS_PLUGINS_SAFE_MODE": True}


# Dashboard --------------------------------------------------------------------


def test_an_empty_dashboard_shows_no_empty_sections(client_as):
    page = client_as("quality_officer").get("/").get_data(as_text=True)
    assert "All clear" in page
    assert 'id="overdue-heading"' not in page and 'id="kpi-heading"' not in page


def test_overdue_work_and_kpis_appear_when_there_are_some(app, client_as, register_plugin):
    seen = []

    class Sources:
        @hookimpl
        def dashboard_overdue(self, site, user):
            seen.append((site.code, user.login))
            return [
                OverdueItem(
                    kind="Corrective action",
                    label="CA-7 Retrain reception",
                    url="/ca/7",
                    due=date(2026, 1, 31),
                    owner="Hana Head",
                ),
                OverdueItem(kind="Periodic review", label="AS-PR-003", url="/p/3", due=date(2025, 12, 1)),
            ]

        @hookimpl
        def dashboard_kpis(self, site, user):
            return [
                Kpi(label="First-time fix rate", value="91.5", unit="%", period="2026-01", status="red", url="/m/1")
            ]

    register_plugin(Sources(), "sources")
    page = client_as("quality_officer").get("/").get_data(as_text=True)
    assert seen == [("MAIN", "qo")], "sources get the site shown and the user"
    assert 'id="overdue-heading"' in page and 'id="kpi-heading"' in page and "All clear" not in page
    overdue_section = page[page.index('id="overdue-heading"') : page.index('id="kpi-heading"')]
    assert overdue_section.index("AS-PR-003") < overdue_section.index("CA-7"), "most overdue first"
    assert "2025-12-01" in overdue_section and 'href="/ca/7"' in overdue_section
    assert "kpi-red" in page and "91.5" in page and "Off target" in page


def test_the_dashboard_shows_the_site_asked_for(app, client_as, register_plugin):
    from core.accounts import services

    with app.app_context():
        services.create_site(None, "EAST", "East Motors")
        db.session.commit()
    shown = []

    class Watcher:
        @hookimpl
        def dashboard_overdue(self, site, user):
            shown.append(site.code)
            return []

    register_plugin(Watcher(), "watcher")
    client = client_as("quality_officer")
    page = client.get("/?site=EAST").get_data(as_text=True)
    assert shown == ["EAST"] and "Showing East Motors." in page
    assert '<option value="EAST" selected>' in page
    assert client.get("/?site=NOWHERE").status_code == 404


class MenuAndPanels:
    @hookimpl
    def menu_links(self, user):
        if user.has_role("quality_officer"):
            return [MenuLink(label="Used cars", url="/p/usedcars/")]
        return []

    @hookimpl
    def dashboard_panels(self, site, user):
        return [
            DashboardPanel(title="Stock over 90 days", html=f"<p class='stock'>{site.code}: 4 cars</p>"),
            DashboardPanel(title="Stock age trend", chart="usedcars.stock_age"),
        ]


def test_plugins_add_menu_links_and_dashboard_panels(register_plugin, client_as):
    register_plugin(MenuAndPanels(), "usedcars")
    page = client_as("quality_officer").get("/").get_data(as_text=True)
    nav = page[page.index('class="main-nav"') : page.index("</nav>")]
    assert '<a href="/p/usedcars/">Used cars</a>' in nav
    assert "Stock over 90 days" in page and "<p class='stock'>MAIN: 4 cars</p>" in page
    assert "Stock age trend" not in page, "a chart panel shows only once there is a chart to draw"
    assert "Used cars" not in client_as("staff").get("/").get_data(as_text=True)


class BrokenMenu:
    @hookimpl
    def menu_links(self, user):
        raise RuntimeError("boom")


def test_a_broken_plugin_menu_does_not_take_the_page_down(register_plugin, client_as):
    register_plugin(BrokenMenu(), "broken")
    response = client_as("quality_officer").get("/")
    assert response.status_code == 200
    assert 'href="/trail"' in response.get_data(as_text=True)


def test_what_users_typed_is_escaped_also_inside_translated_text(make_user, client_as):
    make_user("mallory", "staff", display_name="<script>alert(1)</script>")
    page = client_as("mallory").get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "Welcome, &lt;script&gt;alert(1)&lt;/script&gt;." in page


def test_navigation_marks_the_current_page(client_as):
    page = client_as("admin").get("/admin/sites").get_data(as_text=True)
    assert '<a href="/admin/sites" aria-current="page">' in page
    assert '<a href="/" aria-current="page">' not in page


# Audit trail page -----------------------------------------------------------------


def test_the_trail_lists_events_and_filters_by_record(client_as):
    client = client_as("auditor")
    page = client.get("/trail").get_data(as_text=True)
    assert "user_role" in page and "department" in page

    page = client.get("/trail?entity_type=site&entity_id=1").get_data(as_text=True)
    records = set(re.findall(r'entity_type=(\w+)&amp;entity_id=([\w/]+)"', page))
    assert records == {("site", "1")}


def test_the_trail_pages_by_sequence(monkeypatch, client_as):
    monkeypatch.setattr(views, "TRAIL_PAGE_SIZE", 3)
    client = client_as("auditor")

    def seqs(page_text):
        return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', page_text)]

    first = client.get("/trail").get_data(as_text=True)
    newest = seqs(first)
    assert len(newest) == 3 and newest == sorted(newest, reverse=True)
    older_link = re.search(r'href="(/trail\?before=\d+)" rel="next"', first).group(1)
    second = client.get(older_link).get_data(as_text=True)
    assert seqs(second) == [newest[-1] - 1, newest[-1] - 2, newest[-1] - 3]
    newer_link = re.search(r'href="(/trail\?after=\d+)" rel="prev"', second).group(1).replace("&amp;", "&")
    assert seqs(client.get(newer_link).get_data(as_text=True)) == newest


def test_the_trail_verifies_the_chain(app, client_as):
    client = client_as("auditor")
    page = client.get("/trail?verify=1").get_data(as_text=True)
    assert "The chain is intact." in page
    assert re.search(r"\d+ events were verified\.", page)

    # Someone with database access takes the append-only guard away and edits an event.
    with app.app_context(), db.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER trail_event_no_update")
        else:
            connection.exec_driver_sql("DROP TRIGGER trail_event_append_only ON trail_event")
        connection.execute(text("UPDATE trail_event SET actor = 'mallory' WHERE seq = 3"))
    page = client.get("/trail?verify=1").get_data(as_text=True)
    assert "The chain is broken at event 3." in page and "altered" in page


def test_staff_may_not_read_the_trail(client_as):
    response = client_as("staff").get("/trail")
    assert response.status_code == 403
    assert "Your roles do not allow you to read the audit trail" in response.get_data(as_text=True)


# Error pages ------------------------------------------------------------------------


def test_error_pages_say_what_happened_without_a_traceback(app, client_as):
    client = client_as("staff")
    for path, status, sentence in [
        ("/no/such/page", 404, "There is no such page or record."),
        ("/admin/sites", 403, "Your roles do not allow you to manage users, sites and plugins"),
        ("/logout", 405, "This page cannot be used this way."),
    ]:
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == status, path
        assert response.mimetype == "text/html"
        assert f"Error {status}" in body and sentence in body and "Traceback" not in body


def test_a_too_large_request_is_refused_with_a_page(app, client_as):
    client = client_as("staff")
    token = page_token(client)
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/account/tokens", data={"name": "x" * 5000, "csrf_token": token})
    assert response.status_code == 413
    assert "larger than this installation accepts" in response.get_data(as_text=True)


def test_anonymous_error_page_offers_the_login(client):
    response = client.get("/missing")
    assert response.status_code == 404
    assert 'href="/login"' in response.get_data(as_text=True)
