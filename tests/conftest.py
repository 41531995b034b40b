"""The project's own tests use the same fixtures plugin authors get
(``core.testing``, loaded through the ``pytest11`` entry point)."""

import shutil
import socket
import subprocess
import threading
import time

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


REDIS_SERVER = shutil.which("redis-server")


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of this test's own, on a Unix socket (no port, nothing outside the test)."""
    # The test command's set-up (.ci/system-setup) installs it: missing, Redis sessions and the
    # Redis job queue would go untested.
    assert REDIS_SERVER is not None, "redis-server is not installed: run .ci/system-setup (make test does)"
    sock = tmp_path / "redis.sock"
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(str(sock))
                break
            except OSError:
                time.sleep(0.05)
        yield f"unix://{sock}"
    finally:
        server.terminate()
        server.wait(timeout=10)
