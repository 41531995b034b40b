"""What the benchmarks that talk HTTP share: gunicorn on a free port, and a PostgreSQL database
of their own for the length of a run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn serving ``app`` (a factory call such as ``core:create_app()``) until stopped.

    ``env`` is added to this process's environment; the benchmark modules are importable (``--pythonpath``),
    so an app of their own (``bench_web:bare_app()``) is served the same way as the product."""

    def __init__(self, app: str, env: dict[str, str], workers: int, threads: int | None = None):
        self.port = free_port()
        # Without threads, gunicorn's default sync workers: one request at a time per process.
        threading = [] if threads is None else ["--threads", str(threads), "--worker-class", "gthread"]
        self.process = subprocess.Popen(
            [
                BIN / "gunicorn",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                *threading,
                "--timeout",
                "120",
                "--log-level",
                "warning",
                "--pythonpath",
                str(HERE),
                app,
            ],
            env={**os.environ, **env},
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start for {app}") from None
                time.sleep(0.2)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@contextmanager
def temporary_database(server_url: str, prefix: str):
    """A new, empty database on the server ``server_url`` names (its user may create databases), as a URL;
    dropped afterwards, whatever happened."""
    base = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
