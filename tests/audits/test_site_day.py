"""A due date is a day at the record's site: overdue on Shanghai's day in Shanghai, Los Angeles' in Los Angeles."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from audits.improvements import services as improvements
from audits.services import actions
from audits.services import nonconformities as ncs
from core.accounts.services import create_site, site_by_code
from core.database import commit, db
from core.errors import ValidationFailed
from tests.audits.conftest import user

pytestmark = pytest.mark.usefixtures("cast", "ctx")

DUE = date(2026, 6, 15)
# 01:00 on 16 June in Shanghai, still 10:00 on 15 June in Los Angeles.
NEXT_DAY_IN_SHANGHAI = datetime(2026, 6, 15, 17, 0, tzinfo=UTC)


@pytest.fixture
def two_sites(app):
    site_by_code("MAIN").time_zone = "America/Los_Angeles"
    create_site(None, "EAST", "East dealership", "Asia/Shanghai")
    commit()
    return "MAIN", "EAST"


def nc_due_at(site: str):
    with time_machine.travel(datetime(2026, 6, 10, 3, 0, tzinfo=UTC), tick=False):
        nc = ncs.raise_nonconformity(
            None, title=f"Late at {site}", description="", severity="major", site=site, department="SALES", due_date=DUE
        )
        commit()
    return nc


def test_an_nc_due_today_is_overdue_only_where_the_day_has_passed(two_sites, client_as):
    in_los_angeles, in_shanghai = nc_due_at("MAIN"), nc_due_at("EAST")
    with time_machine.travel(NEXT_DAY_IN_SHANGHAI, tick=False):
        assert ncs.is_overdue(in_shanghai) and not ncs.is_overdue(in_los_angeles)
        assert ncs.overdue_nonconformities() == [in_shanghai]
        assert ncs.overdue_count() == 1
        listed = db.session.execute(ncs.list_query(user("admin"), overdue=True)).scalars().all()
        assert listed == [in_shanghai]
        # The dashboard of each site counts the same.
        client = client_as("admin")
        for code, expected in (("EAST", 1), ("MAIN", 0)):
            page = client.get(f"/?site={code}").get_data(as_text=True)
            if expected:
                heading = page[page.index('id="overdue-heading"') :]
                assert heading.split('<span class="count">')[1].startswith(f"{expected}<")
            else:
                assert in_shanghai.reference not in page and in_los_angeles.reference not in page
    # A day later in Los Angeles too.
    with time_machine.travel(datetime(2026, 6, 16, 8, 0, tzinfo=UTC), tick=False):
        assert ncs.is_overdue(in_los_angeles) and ncs.overdue_count() == 2


def test_a_due_date_is_refused_as_past_on_the_sites_day(two_sites):
    with time_machine.travel(NEXT_DAY_IN_SHANGHAI, tick=False):
        # 15 June is still today in Los Angeles, already yesterday in Shanghai.
        nc = ncs.raise_nonconformity(
            None, title="LA", description="", severity="minor", site="MAIN", department="SALES", due_date=DUE
        )
        with pytest.raises(ValidationFailed) as caught:
            ncs.raise_nonconformity(
                None, title="SH", description="", severity="minor", site="EAST", department="SALES", due_date=DUE
            )
        assert caught.value.errors[0]["field"] == "due_date"
        # The default due date counts from the site's day.
        default = ncs.raise_nonconformity(
            None, title="SH", description="", severity="minor", site="EAST", department="SALES"
        )
        assert default.due_date > nc.due_date


def test_corrective_actions_and_improvements_are_late_on_their_sites_day(two_sites, make_user):
    make_user("groupqo", "quality_officer", department="QUALITY", site=None)
    in_los_angeles, in_shanghai = nc_due_at("MAIN"), nc_due_at("EAST")
    planned = {}
    with time_machine.travel(datetime(2026, 6, 10, 3, 0, tzinfo=UTC), tick=False):
        for nc in (in_los_angeles, in_shanghai):
            ncs.transition(
                user("groupqo"), nc, to="contained", containment="Someone at the door", row_version=nc.row_version
            )
            ncs.transition(
                user("groupqo"),
                nc,
                to="root_cause_identified",
                root_cause={"method": "5why", "chain": [{"why": "Waited", "because": "No rota"}]},
                row_version=nc.row_version,
            )
            planned[nc.site.code] = actions.add_action(
                user("groupqo"), nc, description="Rota", owner="groupqo", due_date=DUE
            )
        items = {
            code: improvements.raise_improvement(
                None, title=f"Faster greeting at {code}", site=code, department="SALES", due_date=DUE
            )
            for code in ("MAIN", "EAST")
        }
        commit()
    with time_machine.travel(NEXT_DAY_IN_SHANGHAI, tick=False):
        assert actions.is_overdue(planned["EAST"]) and not actions.is_overdue(planned["MAIN"])
        assert actions.overdue_actions() == [planned["EAST"]]
        assert actions.overdue_actions_count() == 1
        assert actions.overdue_actions(site=site_by_code("MAIN")) == []
        assert improvements.is_overdue(items["EAST"]) and not improvements.is_overdue(items["MAIN"])
