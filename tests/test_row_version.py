"""No lost update: a write made against an older copy of a row is refused,
never applied (the row version counter)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.accounts import organisation, services
from core.accounts.models import Department, Site, User
from core.database import db
from core.errors import Conflict, ValidationFailed
from core.trail.models import TrailEvent


@pytest.fixture
def people(make_user):
    make_user("admin", "admin", department="QUALITY")
    make_user("staff", "staff")
    make_user("head", "department_head")
    return ("admin", "staff", "head")


def trail_size() -> int:
    size = db.session.execute(db.select(db.func.count()).select_from(TrailEvent)).scalar_one()
    db.session.commit()  # on SQLite even a read holds the write lock until the transaction ends
    return size


@pytest.mark.parametrize(
    ("model", "key", "field"),
    [
        (Site, {"code": "MAIN"}, "name"),
        (User, {"login": "staff"}, "display_name"),
        (Department, {"code": "SALES"}, "name"),
    ],
)
def test_the_second_of_two_concurrent_edits_is_refused(app, people, model, key, field):
    with app.app_context():
        # Two people open the same record; neither holds a transaction while
        # they type (a request each), so the copies live on without one.
        first = Session(db.engine, expire_on_commit=False)
        second = Session(db.engine, expire_on_commit=False)
        mine = first.execute(db.select(model).filter_by(**key)).scalar_one()
        first.commit()
        theirs = second.execute(db.select(model).filter_by(**key)).scalar_one()
        second.commit()
        assert mine.row_version == theirs.row_version

        setattr(theirs, field, "Saved first")
        second.commit()
        events_before = trail_size()

        setattr(mine, field, "Saved second")
        with pytest.raises(StaleDataError):
            first.commit()
        first.rollback()
        first.close()
        second.close()

        db.session.expire_all()
        current = db.session.execute(db.select(model).filter_by(**key)).scalar_one()
        assert getattr(current, field) == "Saved first"
        assert trail_size() == events_before


def test_update_site_refuses_an_outdated_row_version(app, people):
    with app.app_context():
        admin = services.user_by_login("admin")
        site = services.site_by_code("MAIN")
        seen = site.row_version
        services.update_site(admin, site, name="First edit", active=True, row_version=seen)
        db.session.commit()
        assert site.row_version == seen + 1

        with pytest.raises(Conflict, match="changed by someone else"):
            services.update_site(admin, site, name="Stale edit", active=False, row_version=seen)
        db.session.rollback()
        assert (site.name, site.active) == ("First edit", True)


def test_update_user_refuses_an_outdated_row_version(app, people):
    with app.app_context():
        admin = services.user_by_login("admin")
        staff = services.user_by_login("staff")
        seen = staff.row_version
        services.update_user(
            admin,
            staff,
            display_name="Sam S.",
            email=None,
            roles=["staff"],
            department=staff.department,
            site=staff.site,
            active=True,
            row_version=seen,
        )
        db.session.commit()
        with pytest.raises(Conflict, match=f"your copy is version {seen}"):
            services.update_user(
                admin,
                staff,
                display_name="Stale",
                email=None,
                roles=["staff", "auditor"],
                department=staff.department,
                site=staff.site,
                active=False,
                row_version=seen,
            )
        db.session.rollback()
        assert staff.display_name == "Sam S." and staff.active
        assert {r.value for r in staff.roles} == {"staff"}


def test_a_role_change_alone_moves_the_user_version_on(app, people):
    with app.app_context():
        admin = services.user_by_login("admin")
        staff = services.user_by_login("staff")
        seen = staff.row_version
        services.update_user(
            admin,
            staff,
            display_name=staff.display_name,
            email=staff.email,
            roles=["staff", "auditor"],
            department=staff.department,
            site=staff.site,
            active=True,
            row_version=seen,
        )
        db.session.commit()
        assert staff.row_version == seen + 1
        with pytest.raises(Conflict):
            services.update_user(
                admin,
                staff,
                display_name=staff.display_name,
                email=None,
                roles=["staff"],
                department=staff.department,
                site=staff.site,
                active=True,
                row_version=seen,
            )


def test_update_department_refuses_an_outdated_row_version(app, people):
    with app.app_context():
        admin = services.user_by_login("admin")
        sales = services.department_by_code("SALES")
        seen = sales.row_version
        services.update_department(admin, sales, name="Sales and leasing", row_version=seen)
        db.session.commit()
        with pytest.raises(Conflict):
            services.update_department(admin, sales, name="Stale", row_version=seen)
        db.session.rollback()
        assert sales.name == "Sales and leasing"
        assert organisation.head_of(sales, services.site_by_code("MAIN")).login == "head"


@pytest.mark.parametrize(
    "edit",
    [
        lambda admin: services.update_site(
            admin, services.site_by_code("MAIN"), name="No version", active=True, row_version=None
        ),
        lambda admin: services.update_department(
            admin, services.department_by_code("SALES"), name="No version", row_version=None
        ),
        lambda admin: services.update_user(
            admin,
            services.user_by_login("staff"),
            display_name="No version",
            email=None,
            roles=["staff"],
            department=None,
            site=None,
            active=True,
            row_version="",
        ),
        lambda admin: services.update_profile(admin, admin, display_name="No version", email=None, row_version=None),
    ],
)
def test_an_edit_that_does_not_say_which_version_it_was_made_on_is_refused(app, people, edit):
    with app.app_context():
        with pytest.raises(ValidationFailed) as refused:
            edit(services.user_by_login("admin"))
        assert refused.value.errors[0]["field"] == "row_version"
        db.session.rollback()
