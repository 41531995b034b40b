"""The main pages at ``large`` against ``small``, against a bare Flask endpoint, and under load.

    python tests/benchmarks/bench_web.py                      # builds both instances (large takes minutes)
    python tests/benchmarks/bench_web.py --small-instance S --large-instance L --runs 15 --seconds 20
    python tests/benchmarks/bench_web.py --small-instance S --small-database-url URL \
        --large-instance L --large-database-url URL      # instances on PostgreSQL

An instance is a folder made by ``dealerqms init`` and ``dealerqms demo-data``
(SQLite database ``dealerqms.sqlite3`` in it, the default, or the database
``--small-database-url``/``--large-database-url`` names, as
``DEALERQMS_DATABASE_URL`` did when it was made); without
``--small-instance``/``--large-instance`` the script makes them (SQLite) in a
temporary folder. "large" is whichever instance is given as the large one
(e.g. an ``xlarge`` one). Each instance is served by gunicorn, and a tiny Flask app
(``bare_app`` below) is served the same way on the same database: each of
its endpoints runs the main query of one page with SQLAlchemy Core and
answers JSON, which is the floor a page can be compared with.

The script logs in as the generated users of each role — quality officer
(``qo0001``), department head (``head0001``), auditor (``auditor0001``) and
staff (``staff0001``) — and requests each page ``--runs`` times in turn (after a
warm-up of ``--warm-ups`` requests of each page, by default three per worker), of both
instances served at once, one right after the other: the dashboard as each of them,
the other main pages (KPI pages, audits, NCs, actions, procedures, trail, search,
tasks) as the quality officer.
It prints the median latency at both scales, the ratio large/small (issue #20:
≤ 1.3), the quartiles of that ratio taken turn by turn (the machine's noise in that
run) and, where the page has one, the ratio page/bare endpoint at large (≤ 3);
then the size of each role's dashboard HTML (≤ 60 KB). Then ``--clients``
threads, each logged in as the quality officer with its own session, request the
pages for ``--seconds`` seconds and the script prints the
requests made and the errors (anything but 200; target 0).
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from served import BIN, Gunicorn  # noqa: E402

PASSWORD = "demo-data-password"
LOGIN = "qo0001"
# The dashboard of each role: each sees other sections (staff only their tasks).
ROLES = {"QO": "qo0001", "head": "head0001", "auditor": "auditor0001", "staff": "staff0001"}
DASHBOARDS = tuple(f"dashboard {role}" for role in ROLES)
PAGES = (
    *DASHBOARDS,
    "KPI overview",
    "site comparison",
    "metric series",
    "audit list",
    "audit view",
    "NC list",
    "my actions",
    "procedure list",
    "procedure view",
    "trail",
    "search",
    "tasks",
)
# The bound on the dashboard's HTML.
DASHBOARD_BYTES = 60 * 1024


# ----------------------------------------------------------------- the bare endpoints


def bare_app():
    """A Flask app running each page's main query on ``BENCH_DATABASE_URL`` (gunicorn ``bench_web:bare_app()``)."""
    from flask import Flask, jsonify, request

    app = Flask("bare")
    engine = create_engine(os.environ["BENCH_DATABASE_URL"])

    def rows(sql, **params):
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text(sql), params)]

    def page(sql, count_sql, **params):
        with engine.connect() as connection:
            found = [dict(row._mapping) for row in connection.execute(text(sql), params)]
            total = connection.execute(text(count_sql), params).scalar()
        return {"total": total, "rows": found}

    @app.get("/bare/dashboard")
    def dashboard():
        return jsonify(
            rows(
                "SELECT metric_key, period, value FROM measurement WHERE site_id = :site "
                "AND period >= :since ORDER BY metric_key, period",
                site=request.args["site_id"],
                since=request.args["since"],
            )
        )

    @app.get("/bare/procedures")
    def procedures():
        return jsonify(
            page(
                "SELECT p.id, p.code, p.title, p.next_review_due, r.number, r.state FROM procedure p "
                "JOIN procedure_revision r ON r.procedure_id = p.id WHERE p.id IN (SELECT id FROM procedure "
                "WHERE withdrawn_at IS NULL ORDER BY code LIMIT 50) ORDER BY p.code, r.number",
                "SELECT count(*) FROM procedure WHERE withdrawn_at IS NULL",
            )
        )

    @app.get("/bare/procedure")
    def procedure():
        return jsonify(
            rows(
                "SELECT p.code, p.title, r.number, r.state, r.body, s.signer_name, s.meaning, s.signed_at "
                "FROM procedure p JOIN procedure_revision r ON r.procedure_id = p.id "
                "LEFT JOIN signature s ON s.entity_type = 'procedure_revision' "
                "AND s.entity_id = CAST(r.id AS VARCHAR(40)) "
                "WHERE p.code = :code ORDER BY r.number",
                code=request.args["code"],
            )
        )

    @app.get("/bare/audits")
    def audits():
        return jsonify(
            page(
                "SELECT a.id, a.reference, a.title, a.state, a.planned_date, "
                "(SELECT count(*) FROM audit_item i WHERE i.audit_id = a.id) AS items FROM audit a "
                "ORDER BY a.planned_date DESC, a.id DESC LIMIT 50",
                "SELECT count(*) FROM audit",
            )
        )

    @app.get("/bare/audit")
    def audit():
        return jsonify(
            rows(
                "SELECT a.reference, a.title, a.state, i.id, i.text, i.result, i.note FROM audit a "
                "JOIN audit_item i ON i.audit_id = a.id WHERE a.reference = :reference ORDER BY i.id",
                reference=request.args["reference"],
            )
        )

    @app.get("/bare/nonconformities")
    def nonconformities():
        return jsonify(
            page(
                "SELECT n.id, n.reference, n.title, n.state, n.due_date, s.code AS site FROM nonconformity n "
                "JOIN site s ON s.id = n.site_id ORDER BY n.raised_at DESC, n.id DESC LIMIT 50",
                "SELECT count(*) FROM nonconformity",
            )
        )

    @app.get("/bare/series")
    def series():
        return jsonify(
            rows(
                "SELECT period, value, source FROM measurement WHERE metric_key = :key "
                "AND site_id = :site ORDER BY period",
                key=request.args["key"],
                site=request.args["site_id"],
            )
        )

    return app


# ----------------------------------------------------------------- instances and servers


def build_instance(folder: Path, scale: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DEALERQMS_INSTANCE": str(folder)}
    env.pop("DEALERQMS_DATABASE_URL", None)
    password = folder / "admin-password.txt"
    password.write_text("Benchmark-Root-Password-1\n")
    subprocess.run(
        [BIN / "dealerqms", "init", "--admin-password-file", str(password)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    started = time.perf_counter()
    subprocess.run([BIN / "dealerqms", "demo-data", "--scale", scale], env=env, check=True)
    print(f"built {scale} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def database_url(folder: Path, given: str | None = None) -> str:
    return given or f"sqlite:///{folder / 'dealerqms.sqlite3'}"


def serve(app: str, folder: Path, url: str, workers: int, threads: int) -> Gunicorn:
    """gunicorn serving ``app`` (a factory call); the app and the bare endpoints read the same database."""
    env = {
        "DEALERQMS_INSTANCE": str(folder),
        "DEALERQMS_INSECURE_COOKIES": "1",
        "DEALERQMS_DATABASE_URL": url,
        "BENCH_DATABASE_URL": url,
    }
    return Gunicorn(app, env, workers, threads)


# ----------------------------------------------------------------- clients


class Client:
    def __init__(self, server: Gunicorn, login: str = LOGIN):
        self.server, self.login_name = server, login
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.server.url(path), timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def login(self) -> None:
        _status, page = self.get("/login")
        token = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
        data = urllib.parse.urlencode({"login": self.login_name, "password": PASSWORD, "csrf_token": token}).encode()
        request = urllib.request.Request(self.server.url("/login"), data=data, method="POST")
        with self.opener.open(request, timeout=60) as response:
            if response.url.rstrip("/").endswith("/login"):
                raise RuntimeError(f"could not log in as {self.login_name}")


def targets(url: str) -> dict[str, tuple[str, str | None, str]]:
    """Page → (page path, bare endpoint path or None, who asks), on data picked from the instance's database."""
    engine = create_engine(url)
    with engine.connect() as connection:
        site_id, site = connection.execute(
            text("SELECT s.id, s.code FROM user_account u JOIN site s ON s.id = u.site_id WHERE u.login = :login"),
            {"login": LOGIN},
        ).one()
        code = connection.execute(
            text(
                "SELECT p.code FROM procedure p JOIN procedure_revision r ON r.procedure_id = p.id "
                "WHERE r.state = 'effective' ORDER BY p.code LIMIT 1"
            )
        ).scalar()
        # The audit with the most items (50 at medium and large, 40 at small), at the officer's
        # own site: a quality officer of a site sees only that site's audits.
        reference = connection.execute(
            text(
                "SELECT a.reference FROM audit a JOIN audit_item i ON i.audit_id = a.id WHERE a.state = 'closed' "
                "AND a.site_id = :site GROUP BY a.id, a.reference ORDER BY count(*) DESC, a.id LIMIT 1"
            ),
            {"site": site_id},
        ).scalar()
        metric = connection.execute(
            text(
                "SELECT metric_key FROM measurement WHERE site_id = :site AND source = 'manual' "
                "ORDER BY metric_key LIMIT 1"
            ),
            {"site": site_id},
        ).scalar()
        since = connection.execute(text("SELECT max(period) FROM measurement")).scalar()
    engine.dispose()
    since = f"{int(since[:4]) - 1}{since[4:]}"
    bare_dashboard = f"/bare/dashboard?site_id={site_id}&since={since}"
    return {
        **{f"dashboard {role}": ("/", bare_dashboard if role == "QO" else None, who) for role, who in ROLES.items()},
        "KPI overview": (f"/metrics/?site={site}", None, LOGIN),
        "site comparison": ("/metrics/compare", None, LOGIN),
        "metric series": (f"/metrics/{metric}?site={site}", f"/bare/series?key={metric}&site_id={site_id}", LOGIN),
        "audit list": ("/audits/", "/bare/audits", LOGIN),
        "audit view": (f"/audits/{reference}", f"/bare/audit?reference={reference}", LOGIN),
        "NC list": ("/nonconformities/", "/bare/nonconformities", LOGIN),
        "my actions": ("/actions/mine", None, LOGIN),
        "procedure list": ("/procedures/", "/bare/procedures", LOGIN),
        "procedure view": (f"/procedures/{code}", f"/bare/procedure?code={code}", LOGIN),
        "trail": ("/trail", None, LOGIN),
        "search": ("/search?q=%E8%BD%A6", None, LOGIN),  # 车, in most records' text
        "tasks": ("/tasks/", None, LOGIN),
    }


def medians(
    clients: dict[str, Client], paths: dict[str, tuple[str, str]], runs: int, warm_ups: int = 1
) -> tuple[dict[str, float], dict[str, int]]:
    """Page → median latency, and page → size of its HTML; ``paths``: page → (path, login)."""
    timings, sizes = side_by_side({"only": clients}, {"only": paths}, runs, warm_ups)
    return {page: statistics.median(values) for page, values in timings["only"].items()}, sizes["only"]


def paired_quartiles(timings: dict[str, dict[str, list[float]]], page: str) -> tuple[float, float]:
    """The first and third quartiles of ``large/small`` taken turn by turn (the two requests of a
    turn are made one right after the other): how far the machine moves the ratio in one run,
    beside the ratio of the medians. A page whose quartiles straddle 1.3 is at the edge by noise;
    one whose first quartile is above it grows."""
    ratios = [large / small for small, large in zip(timings["small"][page], timings["large"][page], strict=True)]
    first, _median, third = statistics.quantiles(ratios, n=4)
    return first, third


def side_by_side(
    clients: dict[str, dict[str, Client]], paths: dict[str, dict[str, tuple[str, str]]], runs: int, warm_ups: int = 1
) -> tuple[dict[str, dict[str, list[float]]], dict[str, dict[str, int]]]:
    """Scale → page → latencies in turn order, and scale → page → size of its HTML; ``clients``:
    scale → login → client of that scale's server; ``paths``: scale → page → (path, login).

    Each page is asked of every scale's server one right after the other, in turns that swap
    which goes first: a ratio of two medians taken minutes apart measured the machine's load
    as much as the page (a page's `small` median moved by 25–40 % from one run to the next).

    Each page is first asked ``warm_ups`` times of each server: every worker process compiles
    its templates, builds its routes and keeps its answers on its own first request of a page,
    and a single warm-up left the other workers' first requests among the timed ones."""
    scales = list(paths)
    pages = list(paths[scales[0]])
    timings = {scale: {page: [] for page in pages} for scale in scales}
    sizes: dict[str, dict[str, int]] = {scale: {} for scale in scales}
    for scale in scales:
        for path, login in paths[scale].values():
            for _ in range(warm_ups):
                status, _body = clients[scale][login].get(path)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status} to {login} at {scale}")
    for turn in range(runs):
        # Pages in turn, so that a noisy moment spreads over all of them.
        for page in pages:
            for scale in scales if turn % 2 == 0 else reversed(scales):
                path, login = paths[scale][page]
                start = time.perf_counter()
                status, body = clients[scale][login].get(path)
                timings[scale][page].append(time.perf_counter() - start)
                sizes[scale][page] = len(body)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status} to {login} at {scale}")
    return timings, sizes


def load(server: Gunicorn, paths: list[str], clients: int, seconds: float) -> tuple[int, int, list[str]]:
    sessions = []
    for _ in range(clients):
        client = Client(server)
        client.login()
        sessions.append(client)
    done, errors, samples = [0] * clients, [0] * clients, []
    stop = time.monotonic() + seconds

    def work(index: int) -> None:
        client, turn = sessions[index], index
        while time.monotonic() < stop:
            path = paths[turn % len(paths)]
            turn += 1
            try:
                status, _body = client.get(path)
            except (OSError, http.client.HTTPException) as error:  # a refused or dropped connection is an error
                status = repr(error)
            done[index] += 1
            if status != 200:
                errors[index] += 1
                if len(samples) < 5:
                    samples.append(f"{path}: {status}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done), sum(errors), samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small-instance", type=Path)
    parser.add_argument("--large-instance", type=Path)
    parser.add_argument("--small-database-url", help="the small instance's database (default: its SQLite file)")
    parser.add_argument("--large-database-url", help="the large instance's database (default: its SQLite file)")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--warm-ups", type=int, help="requests of each page before the timed ones (default: 3 per worker)"
    )
    args = parser.parse_args()
    # Requests go to whichever worker accepts first: three per worker leave a worker that has
    # not yet served a page about one time in thirty at four workers.
    warm_ups = args.warm_ups if args.warm_ups is not None else 3 * args.workers
    given_urls = {"small": args.small_database_url, "large": args.large_database_url}
    for scale, url in given_urls.items():
        if url and not getattr(args, f"{scale}_instance"):
            parser.error(f"--{scale}-database-url needs --{scale}-instance (the folder its instance was made with)")
    with tempfile.TemporaryDirectory() as temporary:
        folders, urls = {}, {}
        for scale, given in (("small", args.small_instance), ("large", args.large_instance)):
            folders[scale] = given.resolve() if given else Path(temporary) / scale
            urls[scale] = database_url(folders[scale], given_urls[scale])
            if not given:
                build_instance(folders[scale], scale)
        bare, loads = {}, {}
        paths = {scale: targets(urls[scale]) for scale in folders}
        # Both instances served at once and asked side by side (see side_by_side).
        servers = {
            scale: serve("core:create_app()", folder, urls[scale], args.workers, args.threads)
            for scale, folder in folders.items()
        }
        try:
            clients = {
                scale: {
                    login: Client(servers[scale], login) for login in {login for _p, _b, login in paths[scale].values()}
                }
                for scale in folders
            }
            for by_login in clients.values():
                for client in by_login.values():
                    client.login()
            timings, sizes = side_by_side(
                clients,
                {
                    scale: {page: (page_path, login) for page, (page_path, _b, login) in paths[scale].items()}
                    for scale in folders
                },
                args.runs,
                warm_ups,
            )
            loads["large"] = load(
                servers["large"],
                [page_path for page_path, _b, _l in paths["large"].values()],
                args.clients,
                args.seconds,
            )
        finally:
            for server in servers.values():
                server.stop()
        for scale, folder in folders.items():
            server = serve("bench_web:bare_app()", folder, urls[scale], args.workers, args.threads)
            try:
                bare_client = Client(server)
                bare[scale], _sizes = medians(
                    {LOGIN: bare_client},
                    {page: (bare_path, LOGIN) for page, (_p, bare_path, _l) in paths[scale].items() if bare_path},
                    args.runs,
                    warm_ups,
                )
            finally:
                server.stop()
    results = {scale: {page: statistics.median(times) for page, times in of.items()} for scale, of in timings.items()}
    engines = ", ".join(f"{scale}: {urls[scale].split(':', 1)[0]}" for scale in urls)
    print(
        f"\nmedian of {args.runs} requests, ms (gunicorn {args.workers} workers × {args.threads} threads; "
        f"{engines}; load average {os.getloadavg()[0]:.1f})"
    )
    columns = (("small", 8), ("large", 8), ("large/small", 13), ("paired q1–q3", 14))
    columns += (("bare large", 12), ("page/bare", 11))
    print(f"{'page':<20}" + "".join(f"{name:>{width}}" for name, width in columns))
    for page in PAGES:
        small, large, floor = results["small"][page], results["large"][page], bare["large"].get(page)
        first, third = paired_quartiles(timings, page)
        print(
            f"{page:<20}{small * 1000:>8.1f}{large * 1000:>8.1f}{large / small:>13.2f}{f'{first:.2f}–{third:.2f}':>14}"
            + (f"{floor * 1000:>12.1f}{large / floor:>11.2f}" if floor else f"{'–':>12}{'–':>11}")
        )
    print(f"\ndashboard HTML, KB (target ≤ {DASHBOARD_BYTES // 1024})")
    for page in DASHBOARDS:
        print(f"{page:<20}" + "".join(f"{sizes[scale][page] / 1024:>8.1f}" for scale in ("small", "large")))
    for scale, (requests, errors, samples) in loads.items():
        print(
            f"\n{args.clients} concurrent clients for {args.seconds:.0f} s at {scale}: {requests} requests, "
            f"{errors} errors" + (f" (e.g. {'; '.join(samples)})" if samples else "")
        )


if __name__ == "__main__":
    main()
