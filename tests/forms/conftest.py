import pytest

from tests.forms.sample_plugin import SamplePlugin

# A valid North American VIN (check digit X) and a valid inspection, as the API takes it.
VIN = "1M8GDM9AXKP042788"
GOOD = {"customer": "Li Wei", "mileage": 42000, "severity": "low", "complaint": False, "vin": VIN}


@pytest.fixture
def sample(app, register_plugin):
    return register_plugin(SamplePlugin(), "sample")


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def token(client, path="/forms/"):
    """The CSRF token of a logged-in client's session, from a page it may open."""
    import re

    return re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)
