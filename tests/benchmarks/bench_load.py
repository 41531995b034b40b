"""Load without loss (issue #20): many API clients reading and writing at once against gunicorn,
then a check that every write the server acknowledged is in the database as it was written.

    python tests/benchmarks/bench_load.py --clients 8 --minutes 10                 # SQLite
    python tests/benchmarks/bench_load.py --database-url postgresql+psycopg://dealerqms:dealerqms@127.0.0.1:5432/postgres

With ``--database-url`` (a PostgreSQL server whose user may create databases) the instance lives
in a database of its own made for the run and dropped afterwards (default: 32 clients); without
it, in a SQLite file in a temporary folder (default: 8 clients). Either way ``--minutes`` (10).

The instance: ``dealerqms init`` and ``dealerqms demo-data --scale small`` (procedures, audits,
NCs, 2,000 submissions, two years of KPIs), served by gunicorn as the reference deployment runs
it (``--workers 4 --threads 4``, docs/deployment.md). Each client has users of its own, made
for the run: ``loadNN`` (quality officer and auditor in the quality department, group-wide)
with an API token and a web session, and ``loadNN.owner`` (staff of sales at the client's site)
who owns its corrective actions, with a token of its own. ``load00`` plans one in-progress sales
audit per four clients (all clients on its team) before the clock starts.

Every client then works without pause until the time is up, each request picked at random:

- 60 % reads: the dashboard (web page, session), the NC list, the audit list, the sales
  satisfaction KPI series of its site, a procedure, the survey submissions of its site, the
  items of an audit (each equally likely);
- 14 % a checklist result on a random item of the shared audits, sent with the row version the
  client last saw: two clients on one item make a 409, after which the client reads the audit's
  items again (the one expected 4xx);
- 13 % a sales satisfaction survey submitted at its site, with random scores;
- 10 % one step of its own NC along the workflow, each by the role it belongs to: raised,
  contained, root cause (5 why), an action planned for the owner, actions_planned, the action
  completed by the owner (owner's token), verifying, the action verified effective (signed with
  the password), closed; then the next NC. Each transition reads the NC first (its row version);
- 3 % evidence uploaded to a random checklist item: a JPEG-typed file of 200–500 KB, new bytes
  each time.

Every acknowledged write (2xx with what it returned) is recorded. After the run the script
checks against the database that each one is there with the value written (checklist items: the
last acknowledged result and note, no row version acknowledged twice, every acknowledged note in
the item's trail; submissions: their data, site and submitter; NCs and actions: the last state
acknowledged; evidence: the row with its SHA-256 and the file itself, downloaded through the API),
runs ``dealerqms trail verify``, and counts the answers by class: no 5xx, no request without an
answer, and no 4xx but the checklist results' 409. It prints requests/s, acknowledged writes/s,
p50/p95/p99 of reads and of writes (and per request kind), the load average, and PASS/FAIL per
check; it exits 1 if a check failed.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import http.cookiejar
import json
import os
import random
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
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from served import BIN, Gunicorn, temporary_database  # noqa: E402

PASSWORD = "Load-Bench-Password-42"
ADMIN_PASSWORD = "Benchmark-Root-Password-9"
FORM = "sales.satisfaction_survey"
KPI = "sales.ssi"
FACTORS = ("salesperson", "delivery", "deal", "paperwork", "facility")
RESULTS = ("conforming", "observation", "ofi", "not_applicable")
MIX = (("read", 60), ("checklist result", 14), ("form submission", 13), ("NC step", 10), ("evidence upload", 3))
EXPECTED_4XX = {("checklist result", 409)}
TIMEOUT = 120


# ----------------------------------------------------------------- the instance


def build_instance(folder: Path, url: str) -> dict[str, str]:
    """``init`` and the small demo data; the environment every later command and the server read."""
    env = {"DEALERQMS_INSTANCE": str(folder), "DEALERQMS_DATABASE_URL": url}
    password = folder / "admin-password.txt"
    password.write_text(ADMIN_PASSWORD + "\n")
    started = time.perf_counter()
    for command in (["init", "--admin-password-file", str(password)], ["demo-data", "--scale", "small"]):
        subprocess.run(
            [BIN / "dealerqms", *command],
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    print(f"instance built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return env


def make_users(env: dict[str, str], clients: int) -> list[dict]:
    """Each client's two users and their tokens, through the service layer (a token is shown only once)."""
    os.environ.update(env)
    from core import create_app
    from core.accounts import services as accounts
    from core.database import commit, db

    app = create_app()
    made = []
    with app.app_context():
        sites = [code for (code,) in db.session.execute(text("SELECT code FROM site ORDER BY code"))]
        quality, sales = accounts.department_by_code("QUALITY"), accounts.department_by_code("SALES")
        for n in range(clients):
            site = sites[n % len(sites)]
            login = f"load{n:02d}"
            auditor = accounts.create_user(
                None,
                login=login,
                roles=["quality_officer", "auditor"],
                password=PASSWORD,
                department=quality,
            )
            owner = accounts.create_user(
                None,
                login=f"{login}.owner",
                roles=["staff"],
                password=PASSWORD,
                department=sales,
                site=accounts.site_by_code(site),
            )
            _row, token = accounts.create_token(None, auditor, "load")
            _row, owner_token = accounts.create_token(None, owner, "load")
            made.append(
                {"login": login, "token": token, "owner": owner.login, "owner_token": owner_token, "site": site}
            )
        commit()
        db.engine.dispose()
    return made


# ----------------------------------------------------------------- HTTP


class Answer:
    def __init__(self, status, body: bytes, seconds: float):
        self.status, self.body, self.seconds = status, body, seconds

    def json(self):
        return json.loads(self.body or b"null")


def send(opener, request: urllib.request.Request) -> Answer:
    """The answer, whatever its status; a connection refused, dropped or timed out is status None."""
    start = time.perf_counter()
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except (OSError, http.client.HTTPException) as error:
        status, body = None, repr(error).encode()
    return Answer(status, body, time.perf_counter() - start)


class Api:
    def __init__(self, server: Gunicorn, token: str):
        self.server, self.token = server, token
        self.opener = urllib.request.build_opener()

    def call(self, method: str, path: str, body: dict | None = None) -> Answer:
        request = urllib.request.Request(
            self.server.url("/api/v1" + path),
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        return send(self.opener, request)

    def upload(self, path: str, name: str, content: bytes, media_type: str) -> Answer:
        boundary = f"----load{random.getrandbits(64):016x}"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {media_type}\r\n\r\n"
        ).encode()
        request = urllib.request.Request(
            self.server.url("/api/v1" + path),
            data=head + content + f"\r\n--{boundary}--\r\n".encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        return send(self.opener, request)


class Browser:
    """A web session: the dashboard is a page, not an API resource."""

    def __init__(self, server: Gunicorn, login: str):
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = send(self.opener, urllib.request.Request(server.url("/login"))).body
        csrf = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
        data = urllib.parse.urlencode({"login": login, "password": PASSWORD, "csrf_token": csrf}).encode()
        with self.opener.open(urllib.request.Request(server.url("/login"), data=data), timeout=TIMEOUT) as answer:
            if answer.url.rstrip("/").endswith("/login"):
                raise RuntimeError(f"could not log in as {login}")

    def get(self, path: str) -> Answer:
        return send(self.opener, urllib.request.Request(self.server.url(path)))


def must(answer: Answer, status: int, what: str):
    if answer.status != status:
        raise RuntimeError(f"{what} answered {answer.status}: {answer.body[:300]!r}")
    return answer.json()


# ----------------------------------------------------------------- what the clients share


@dataclass
class Sample:
    op: str
    kind: str  # read or write
    status: int | None
    seconds: float


@dataclass
class Record:
    """Everything the clients saw; appends from many threads (list.append holds the GIL)."""

    samples: list[Sample] = field(default_factory=list)
    item_writes: list[tuple[int, int, str, str]] = field(default_factory=list)  # item id, version, result, note
    submissions: list[tuple[int, str, str, dict]] = field(default_factory=list)  # id, site, login, data
    nc_states: dict[str, str] = field(default_factory=dict)  # reference → last state acknowledged
    action_states: dict[int, str] = field(default_factory=dict)
    uploads: list[tuple[int, str]] = field(default_factory=list)  # evidence id, SHA-256 of the bytes sent
    refusals: list[str] = field(default_factory=list)  # the first unexpected answers, for the report


def plan_audits(api: Api, users: list[dict], count: int) -> list[tuple[str, int, int]]:
    """``count`` sales audits in progress, every client on the team: their items (reference, id, version)."""
    from core.clock import today

    checklists = must(api.call("GET", "/checklists"), 200, "checklists")
    sales = [c["key"] for c in checklists if c["area"] == "SALES" and c.get("origin") != "import"][:2]
    sites = sorted({user["site"] for user in users})
    items = []
    for n in range(count):
        audit = must(
            api.call(
                "POST",
                "/audits",
                {
                    "title": f"Load audit {n + 1}",
                    "site": sites[n % len(sites)],
                    "departments": ["SALES"],
                    "scope": "Showroom and delivery",
                    "lead_auditor": users[0]["login"],
                    "auditors": [user["login"] for user in users[1:]],
                    "planned_date": today().isoformat(),
                    "checklists": sales,
                },
            ),
            201,
            "planning an audit",
        )
        reference = audit["reference"]
        must(api.call("POST", f"/audits/{reference}/start", {"row_version": audit["row_version"]}), 200, "start")
        for item in must(api.call("GET", f"/audits/{reference}/items"), 200, "items"):
            items.append((reference, item["id"], item["row_version"]))
    return items


# ----------------------------------------------------------------- one client


class Client:
    def __init__(self, number: int, user: dict, server: Gunicorn, shared: dict, record: Record):
        self.user, self.shared, self.record = user, shared, record
        self.random = random.Random(number)
        self.api = Api(server, user["token"])
        self.owner_api = Api(server, user["owner_token"])
        self.browser = Browser(server, user["login"])
        self.versions = {item_id: version for _ref, item_id, version in shared["items"]}
        self.nc: dict | None = None  # the NC this client is moving along, with its action
        self.made = 0

    def note(self, what: str) -> str:
        self.made += 1
        return f"{what} {self.user['login']}-{self.made}"

    def sample(self, op: str, kind: str, answer: Answer, expected: tuple[int, ...]) -> bool:
        self.record.samples.append(Sample(op, kind, answer.status, answer.seconds))
        if answer.status in expected:
            return True
        if (op, answer.status) not in EXPECTED_4XX and len(self.record.refusals) < 20:
            self.record.refusals.append(f"{op}: {answer.status} {answer.body[:200]!r}")
        return False

    def run(self, stop: float) -> None:
        ops, weights = zip(*MIX, strict=True)
        while time.monotonic() < stop:
            op = self.random.choices(ops, weights)[0]
            getattr(self, op.replace(" ", "_"))()

    # reads

    def read(self) -> None:
        site = self.user["site"]
        reference, _item, _version = self.random.choice(self.shared["items"])
        name, path = self.random.choice(
            (
                ("dashboard", None),
                ("NC list", "/nonconformities?limit=50"),
                ("audit list", "/audits?limit=50"),
                ("KPI series", f"/metrics/{KPI}/series?site={site}"),
                ("procedure", f"/procedures/{self.random.choice(self.shared['procedures'])}"),
                ("submission list", f"/forms/{FORM}/submissions?site={site}&limit=50"),
                ("audit items", f"/audits/{reference}/items"),
            )
        )
        answer = self.browser.get("/") if path is None else self.api.call("GET", path)
        self.sample(name, "read", answer, (200,))

    # writes

    def checklist_result(self) -> None:
        reference, item_id, _version = self.random.choice(self.shared["items"])
        result, note = self.random.choice(RESULTS), self.note("Checked")
        answer = self.api.call(
            "PUT",
            f"/audits/{reference}/items/{item_id}",
            {"result": result, "note": note, "row_version": self.versions[item_id]},
        )
        if self.sample("checklist result", "write", answer, (200,)):
            body = answer.json()
            self.versions[item_id] = body["row_version"]
            self.record.item_writes.append((item_id, body["row_version"], body["result"], body["note"]))
        elif answer.status == 409:  # someone recorded it meanwhile: read the audit again, as the page would
            items = self.api.call("GET", f"/audits/{reference}/items")
            if self.sample("audit items", "read", items, (200,)):
                self.versions.update({item["id"]: item["row_version"] for item in items.json()})

    def form_submission(self) -> None:
        data = {factor: self.random.randint(1, 10) for factor in FACTORS} | {"recommend": self.random.randint(0, 10)}
        answer = self.api.call("POST", f"/forms/{FORM}/submissions", {"site": self.user["site"], "data": data})
        if self.sample("form submission", "write", answer, (201,)):
            body = answer.json()
            self.record.submissions.append((body["id"], self.user["site"], self.user["login"], data))

    def evidence_upload(self) -> None:
        reference, item_id, _version = self.random.choice(self.shared["items"])
        content = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(self.random.randint(200_000, 500_000))
        answer = self.api.upload(
            f"/audits/{reference}/items/{item_id}/evidence", f"photo-{self.made}.jpg", content, "image/jpeg"
        )
        self.made += 1
        if self.sample("evidence upload", "write", answer, (201,)):
            self.record.uploads.append((answer.json()["id"], hashlib.sha256(content).hexdigest()))

    def NC_step(self) -> None:  # noqa: N802 - named after its MIX entry
        nc = self.nc
        if nc is None:
            self.raise_nc()
            return
        state, action = nc["state"], nc.get("action")
        if state == "open":
            self.transition("contained", containment=self.note("Vehicle held back from delivery;"))
        elif state == "contained":
            chain = [{"why": "Why was the PDI sheet incomplete?", "because": self.note("No checklist at the bay;")}]
            self.transition("root_cause_identified", root_cause={"method": "5why", "chain": chain})
        elif state == "root_cause_identified" and action is None:
            self.plan_action()
        elif state == "root_cause_identified":
            self.transition("actions_planned")
        elif state == "actions_planned" and action["state"] == "open":
            self.act_on_action("complete", self.owner_api, {"note": self.note("Checklist laminated at each bay;")})
        elif state == "actions_planned":
            self.transition("verifying")
        elif action["state"] == "done":
            self.act_on_action(
                "verify", self.api, {"effective": True, "note": self.note("No gaps since;"), "password": PASSWORD}
            )
        else:
            self.transition("closed")

    def raise_nc(self) -> None:
        answer = self.api.call(
            "POST",
            "/nonconformities",
            {
                "title": self.note("PDI sheet incomplete"),
                "description": "Found in the delivery bay.",
                "severity": "minor",
                "site": self.user["site"],
                "department": "SALES",
            },
        )
        if self.sample("NC raised", "write", answer, (201,)):
            body = answer.json()
            self.nc = {"reference": body["reference"], "state": body["state"]}
            self.record.nc_states[body["reference"]] = body["state"]

    def current_nc(self) -> dict | None:
        answer = self.api.call("GET", f"/nonconformities/{self.nc['reference']}")
        return answer.json() if self.sample("NC view", "read", answer, (200,)) else None

    def transition(self, to: str, **content) -> None:
        current = self.current_nc()
        if current is None:
            return
        answer = self.api.call(
            "POST",
            f"/nonconformities/{self.nc['reference']}/transition",
            {"to": to, "row_version": current["row_version"], **content},
        )
        if self.sample("NC transition", "write", answer, (200,)):
            state = answer.json()["state"]
            self.record.nc_states[self.nc["reference"]] = state
            self.nc = None if state == "closed" else {**self.nc, "state": state}

    def plan_action(self) -> None:
        from core.clock import today

        answer = self.api.call(
            "POST",
            f"/nonconformities/{self.nc['reference']}/actions",
            {
                "description": self.note("Laminated PDI checklist at each bay"),
                "owner": self.user["owner"],
                "due_date": (today() + timedelta(days=14)).isoformat(),
            },
        )
        if self.sample("action planned", "write", answer, (201,)):
            body = answer.json()
            self.nc["action"] = {"id": body["id"], "state": body["state"], "row_version": body["row_version"]}
            self.record.action_states[body["id"]] = body["state"]

    def act_on_action(self, verb: str, api: Api, body: dict) -> None:
        action = self.nc["action"]
        answer = api.call("POST", f"/actions/{action['id']}/{verb}", {**body, "row_version": action["row_version"]})
        if self.sample({"complete": "action completed", "verify": "action verified"}[verb], "write", answer, (200,)):
            done = answer.json()
            action.update(state=done["state"], row_version=done["row_version"])
            self.record.action_states[action["id"]] = done["state"]


# ----------------------------------------------------------------- the checks


def chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def check_items(connection, record: Record) -> list[str]:
    """The last acknowledged result and note of each item is what it holds; no version acknowledged twice
    (a lost update); every acknowledged note is in the item's trail."""
    problems = []
    writes = defaultdict(list)
    for item_id, version, result, note in record.item_writes:
        writes[item_id].append((version, result, note))
    stored, trailed = {}, defaultdict(set)
    for ids in chunks(sorted(writes)):
        params = {f"i{n}": value for n, value in enumerate(ids)}
        names = ", ".join(f":{name}" for name in params)
        for row in connection.execute(
            text(f"SELECT id, result, note, row_version FROM audit_item WHERE id IN ({names})"), params
        ):
            stored[row.id] = row
        for row in connection.execute(
            text(
                "SELECT entity_id, changes FROM trail_event WHERE entity_type = 'audit_item' "
                f"AND entity_id IN ({names})"
            ),
            {name: str(value) for name, value in params.items()},
        ):
            changes = row.changes if isinstance(row.changes, dict) else json.loads(row.changes)
            if "note" in changes:
                trailed[int(row.entity_id)].add(changes["note"][1])
    for item_id, acknowledged in writes.items():
        versions = Counter(version for version, _result, _note in acknowledged)
        twice = [version for version, count in versions.items() if count > 1]
        if twice:
            problems.append(f"item {item_id}: version(s) {twice} acknowledged to two writers")
        version, result, note = max(acknowledged)
        row = stored.get(item_id)
        if row is None or (row.result, row.note) != (result, note) or row.row_version < version:
            problems.append(f"item {item_id}: acknowledged {result!r} {note!r} v{version}, holds {row and tuple(row)}")
        missing = [note for _v, _r, note in acknowledged if note not in trailed[item_id]]
        if missing:
            first = missing[0]
            problems.append(f"item {item_id}: {len(missing)} note(s) acknowledged but not in its trail, e.g. {first!r}")
    return problems


def check_submissions(connection, record: Record) -> list[str]:
    problems, stored = [], {}
    for batch in chunks(record.submissions):
        params = {f"i{n}": entry[0] for n, entry in enumerate(batch)}
        names = ", ".join(f":{name}" for name in params)
        for row in connection.execute(
            text(
                "SELECT f.id, f.data, s.code, u.login FROM form_submission f JOIN site s ON s.id = f.site_id "
                f"JOIN user_account u ON u.id = f.submitted_by_id WHERE f.id IN ({names})"
            ),
            params,
        ):
            stored[row.id] = (row.code, row.login, row.data if isinstance(row.data, dict) else json.loads(row.data))
    for submission_id, site, login, data in record.submissions:
        held = stored.get(submission_id)
        if held is None or held[:2] != (site, login) or any(held[2].get(k) != v for k, v in data.items()):
            problems.append(f"submission {submission_id}: sent {site} {login} {data}, holds {held}")
    return problems


def check_states(connection, record: Record) -> list[str]:
    problems = []
    for table, key, acknowledged in (
        ("nonconformity", "reference", record.nc_states),
        ("corrective_action", "id", record.action_states),
    ):
        stored = {}
        for batch in chunks(list(acknowledged)):
            params = {f"k{n}": value for n, value in enumerate(batch)}
            names = ", ".join(f":{name}" for name in params)
            for row in connection.execute(text(f"SELECT {key}, state FROM {table} WHERE {key} IN ({names})"), params):
                stored[row[0]] = row.state
        problems += [
            f"{table} {which}: acknowledged {state}, holds {stored.get(which)}"
            for which, state in acknowledged.items()
            if stored.get(which) != state
        ]
    return problems


def check_uploads(connection, record: Record, api: Api) -> list[str]:
    """The evidence row with the SHA-256 of the bytes sent, and the file itself, read back through the API."""
    problems, stored = [], {}
    for batch in chunks(record.uploads):
        params = {f"i{n}": entry[0] for n, entry in enumerate(batch)}
        names = ", ".join(f":{name}" for name in params)
        for row in connection.execute(text(f"SELECT id, sha256 FROM evidence WHERE id IN ({names})"), params):
            stored[row.id] = row.sha256
    for evidence_id, digest in record.uploads:
        if stored.get(evidence_id) != digest:
            problems.append(f"evidence {evidence_id}: sent {digest[:12]}…, holds {stored.get(evidence_id)}")
            continue
        answer = api.call("GET", f"/evidence/{evidence_id}/content")
        if answer.status != 200 or hashlib.sha256(answer.body).hexdigest() != digest:
            problems.append(f"evidence {evidence_id}: the file reads back as {answer.status}, not the bytes sent")
    return problems


# ----------------------------------------------------------------- the run and the report


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return "       —       —       —"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return "".join(f"{cuts[n] * 1000:>8.0f}" for n in (49, 94, 98))


def load_text() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def run(url: str, folder: Path, args) -> bool:
    env = build_instance(folder, url)
    users = make_users(env, args.clients)
    server = Gunicorn(
        "core:create_app()", env | {"DEALERQMS_INSECURE_COOKIES": "1"}, workers=args.workers, threads=args.threads
    )
    try:
        lead = Api(server, users[0]["token"])
        procedures = [p["code"] for p in must(lead.call("GET", "/procedures?limit=20"), 200, "procedures")]
        shared = {"items": plan_audits(lead, users, max(2, args.clients // 4)), "procedures": procedures}
        record = Record()
        clients = [Client(n, user, server, shared, record) for n, user in enumerate(users)]
        loads = [os.getloadavg()[0]]
        engine_name = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(
            f"{args.clients} clients for {args.minutes:g} min on {engine_name}, "
            f"gunicorn {args.workers} × {args.threads}; {len(shared['items'])} checklist items shared; "
            f"load average before: {load_text()}",
            flush=True,
        )
        started = time.monotonic()
        stop = started + args.minutes * 60
        threads = [threading.Thread(target=client.run, args=(stop,)) for client in clients]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            time.sleep(5)
            loads.append(os.getloadavg()[0])
        elapsed = time.monotonic() - started
        load_after = load_text()

        engine = create_engine(url)
        with engine.connect() as connection:
            checks = {
                "checklist results": check_items(connection, record),
                "form submissions": check_submissions(connection, record),
                "NC and action states": check_states(connection, record),
                "evidence files": check_uploads(connection, record, lead),
            }
        engine.dispose()
    finally:
        server.stop()
    verify = subprocess.run(
        [BIN / "dealerqms", "trail", "verify"], env={**os.environ, **env}, capture_output=True, text=True
    )
    checks["trail verifies"] = [] if verify.returncode == 0 else [(verify.stdout + verify.stderr).strip()]
    return report(record, checks, elapsed, loads, load_after)


def report(record: Record, checks: dict[str, list[str]], elapsed: float, loads: list[float], load_after: str) -> bool:
    samples = record.samples
    writes = [s for s in samples if s.kind == "write" and s.status is not None and 200 <= s.status < 300]
    print(
        f"\n{len(samples)} requests in {elapsed:.0f} s: {len(samples) / elapsed:.1f} requests/s, "
        f"{len(writes)} acknowledged writes ({len(writes) / elapsed:.1f}/s)"
    )
    print(
        f"load average (1 min) during the run: median {statistics.median(loads):.2f}, max {max(loads):.2f}; "
        f"after (1/5/15 min): {load_after}"
    )
    print(f"\n{'latency, ms':<22}{'count':>7}{'p50':>8}{'p95':>8}{'p99':>8}")
    for kind in ("read", "write"):
        print(f"{kind + 's (all)':<22}{sum(s.kind == kind for s in samples):>7}"
              f"{percentiles([s.seconds for s in samples if s.kind == kind])}")  # fmt: skip
    for op in sorted({s.op for s in samples}):
        chosen = [s.seconds for s in samples if s.op == op]
        print(f"  {op:<20}{len(chosen):>7}{percentiles(chosen)}")

    classes = Counter("no answer" if s.status is None else f"{s.status // 100}xx" for s in samples)
    print("\nanswers: " + ", ".join(f"{name} {count}" for name, count in sorted(classes.items())))
    refused = Counter((s.op, s.status) for s in samples if s.status is None or s.status >= 400)
    for (op, status), count in sorted(refused.items(), key=str):
        verdict = "expected (a stale row version)" if (op, status) in EXPECTED_4XX else "UNEXPECTED"
        print(f"  {op} → {status}: {count} {verdict}")
    for line in record.refusals[:5]:
        print(f"    e.g. {line}")

    checks = {
        "0 answers 5xx": [f"{classes['5xx']} answered 5xx"] if classes["5xx"] else [],
        "every request answered": [f"{classes['no answer']} without an answer"] if classes["no answer"] else [],
        "no unexpected 4xx": [
            f"{op} {status}" for (op, status) in refused if status and status < 500 and (op, status) not in EXPECTED_4XX
        ],
        **checks,
    }
    counts = {
        "checklist results": len(record.item_writes),
        "form submissions": len(record.submissions),
        "NC and action states": len(record.nc_states) + len(record.action_states),
        "evidence files": len(record.uploads),
    }
    for name, count in counts.items():
        if not count:  # a check with nothing to check proves nothing
            checks[name] = checks[name] + ["no write of this kind was acknowledged"]
    print()
    for name, problems in checks.items():
        what = f" ({counts[name]} acknowledged)" if name in counts else ""
        print(f"{'PASS' if not problems else 'FAIL'}  {name}{what}")
        for problem in problems[:5]:
            print(f"      {problem}")
    return not any(checks.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server URL whose user may create databases")
    parser.add_argument("--clients", type=int, help="concurrent clients (default: 32 on PostgreSQL, 8 on SQLite)")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if args.clients is None:
        args.clients = 32 if args.database_url else 8
    with tempfile.TemporaryDirectory() as folder:
        if args.database_url:
            with temporary_database(args.database_url, "loadtest_bench") as url:
                passed = run(url, Path(folder), args)
        else:
            passed = run(f"sqlite:///{Path(folder) / 'dealerqms.sqlite3'}", Path(folder), args)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
