import pytest

from core.testing import TEST_PASSWORD

SALES_BODY = (
    "# Showroom reception\n\n## Purpose\n\nGreet every visitor within two minutes.\n\n"
    "## Steps\n\n1. Greet\n2. Offer a drink\n"
)


@pytest.fixture
def people(app, users, make_user):
    """The cast of a SALES procedure: an author (a second quality officer), the
    head of SALES, the quality officer, staff of SALES and an outsider."""
    make_user("qo2", "quality_officer", department="QUALITY", display_name="Quincy Second")
    make_user("servicehead", "department_head", department="AFTERSALES", display_name="Sven Service")
    return {**users, "author": "qo2", "otherhead": "servicehead"}


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def user(login):
    from core.accounts.services import user_by_login

    return user_by_login(login)


def make_procedure(code="SA-PR-001", author="qo2", body=SALES_BODY, department="SALES", **kwargs):
    from core.accounts.services import department_by_code
    from core.database import commit
    from procedures import services

    procedure = services.create_procedure(
        user(author),
        code=code,
        title="Showroom reception",
        department=department_by_code(department),
        body=body,
        **kwargs,
    )
    commit()
    return procedure


def approve(revision, *logins):
    from core.database import commit
    from procedures import services

    outcome = None
    for login in logins:
        outcome = services.sign_revision(user(login), revision, meaning="approved", password=TEST_PASSWORD)
        commit()
    return outcome


def effective_procedure(code="SA-PR-001", **kwargs):
    """A procedure whose revision 1 went through the whole approval."""
    from core.database import commit
    from procedures import services

    procedure = make_procedure(code, **kwargs)
    revision = procedure.revisions[0]
    services.submit(user("qo2"), revision, row_version=revision.row_version)
    commit()
    approve(revision, "head", "qo")
    return procedure


@pytest.fixture
def north(app, people, make_user):
    """A second dealership with its own head of SALES and its own quality officer."""
    from core.accounts.services import create_site
    from core.database import commit

    with app.app_context():
        create_site(None, "NORTH", "North")
        commit()
    make_user("northhead", "department_head", department="SALES", site="NORTH")
    make_user("northqo", "quality_officer", department="QUALITY", site="NORTH")
    return "NORTH"
