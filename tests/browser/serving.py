"""A Flask app served by werkzeug on a free port, for the browser to visit."""

import contextlib
import threading
from types import SimpleNamespace

from werkzeug.serving import make_server


@contextlib.contextmanager
def served(app):
    """``app`` served on a free port: its ``url`` and the ``app`` (to count what a page should show)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
