import pytest

from tests.forms.sample_plugin import SamplePlugin


@pytest.fixture
def sample(app, register_plugin):
    return register_plugin(SamplePlugin(), "sample")


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def north(app):
    """A second site."""
    from core.accounts.services import create_site
    from core.database import db

    with app.app_context():
        create_site(None, "NORTH", "North dealership")
        db.session.commit()
    return "NORTH"


def user(login):
    from core.accounts.services import user_by_login

    return user_by_login(login)


def site(code="MAIN"):
    from core.accounts.services import site_by_code

    return site_by_code(code)
