"""The project's own tests use the same fixtures plugin authors get
(``core.testing``, loaded through the ``pytest11`` entry point)."""

import threading

import pytest
from werkzeug.serving import make_server

# The S3 object store's fixtures (SeaweedFS), for the tests of storage and of evidence kept there.
pytest_plugins = ["tests.object_store"]


@pytest.fixture
def live_server(app, users):
    """The test app served by a threaded WSGI server on a free port: its base URL.

    For the browser journeys and the API's schemathesis run, which talk HTTP to it.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
