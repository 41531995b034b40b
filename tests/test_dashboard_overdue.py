"""The dashboard stays short at the large scale: the earliest overdue items, counted in full."""

from datetime import date, timedelta

import pytest

from core.plugins import OverdueItem, OverdueList, hookimpl
from core.web.dashboard import OVERDUE_SHOWN


class Source:
    """A plugin whose overdue items are those ``items(site, user)`` gives."""

    def __init__(self, items):
        self.items = items

    @hookimpl
    def dashboard_overdue(self, site, user):
        return self.items(site, user)


@pytest.fixture
def app_config():
    # No built-in plugin: the overdue items come from this test alone.
    return {"DEALERQMS_PLUGINS_SAFE_MODE": True}


def test_the_overdue_list_shows_the_earliest_and_counts_them_all(app, client_as, register_plugin):
    total = OVERDUE_SHOWN + 25
    first = date(2025, 1, 1)

    def overdue(site, user):
        # Newest first, so that the page has to sort before it cuts.
        return [
            OverdueItem(kind="Nonconformity", label=f"NC-{n:04d}", url=f"/nc/{n}", due=first + timedelta(days=n))
            for n in reversed(range(total))
        ]

    register_plugin(Source(overdue), "overdue")
    page = client_as("quality_officer").get("/").get_data(as_text=True)
    heading = page[page.index('id="overdue-heading"') :]
    assert heading.split('<span class="count">')[1].startswith(f"{total}<")
    assert page.count('href="/nc/') == OVERDUE_SHOWN
    assert 'href="/nc/0"' in page and f'href="/nc/{OVERDUE_SHOWN - 1}"' in page
    assert f'href="/nc/{OVERDUE_SHOWN}"' not in page


def test_a_source_that_hands_its_first_items_still_counts_them_all(app, client_as, register_plugin):
    first = date(2025, 1, 1)

    def many(site, user):
        # A source with 500 items loads only the earliest it could show, and says how many it has.
        return OverdueList(
            [
                OverdueItem(kind="Nonconformity", label=f"NC-{n:04d}", url=f"/nc/{n}", due=first + timedelta(days=n))
                for n in range(OVERDUE_SHOWN)
            ],
            total=500,
        )

    def few(site, user):
        return [OverdueItem(kind="Review", label="PR-1", url="/review/1", due=first + timedelta(days=3, hours=1))]

    register_plugin(Source(many), "many")
    register_plugin(Source(few), "few")
    page = client_as("quality_officer").get("/").get_data(as_text=True)
    heading = page[page.index('id="overdue-heading"') :]
    assert heading.split('<span class="count">')[1].startswith("501<")
    assert page.count('href="/nc/') == OVERDUE_SHOWN - 1 and 'href="/review/1"' in page
