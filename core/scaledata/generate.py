"""``dealerqms demo-data``: the core's part (sites, users, form submissions,
measurements) and the orchestration of the areas' parts through the
``generate_demo_data`` hook, all in one transaction."""

from __future__ import annotations

import math
import time
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import func, select

from core.accounts.models import Department, DepartmentHead, Site, User, UserRole
from core.accounts.passwords import hash_password
from core.accounts.services import ensure_defaults
from core.clock import add_months, current_period, local, local_time
from core.database import commit, db, read_only
from core.errors import Conflict, ValidationFailed
from core.forms.models import FormSubmission, FormVersion
from core.forms.schema import definition_sha256, describe
from core.metrics.models import Measurement, Source
from core.metrics.services import period_start
from core.plugin_engine import manager
from core.scaledata import fields as field_values
from core.scaledata.loader import BulkLoader, SiteRow, UserRow
from core.scaledata.sizes import SCALES, Sizes
from core.search import index as search_index
from core.signatures.models import Signature
from core.trail import acting_as
from core.trail.chain import VerifyResult, verify

# Every generated user has this password (hashed once: argon2 per user would
# take an hour at the large scale, which is the point of argon2).
DEMO_PASSWORD = "demo-data-password"
# What ``dealerqms init`` makes; anything more means the instance is in use.
SETUP_LOGINS = ("admin",)
SETUP_SITES = ("MAIN",)

CITIES = (
    "Beijing",
    "Shanghai",
    "Guangzhou",
    "Shenzhen",
    "Chengdu",
    "Hangzhou",
    "Wuhan",
    "Nanjing",
    "Xi'an",
    "Suzhou",
    "Tianjin",
    "Chongqing",
    "Qingdao",
    "Changsha",
    "Zhengzhou",
    "Shenyang",
    "Dalian",
    "Xiamen",
    "Kunming",
    "Hefei",
    "Fuzhou",
    "Jinan",
    "Harbin",
    "Ningbo",
    "Wuxi",
)
FAMILY = (
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Gao",
    "Luo",
)
GIVEN = (
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Lei",
    "Yang",
    "Jun",
    "Tao",
    "Ming",
    "Chao",
    "Xia",
    "Hui",
    "Yan",
    "Ping",
    "Gang",
    "Hong",
    "Ying",
    "Bo",
    "Lin",
)


@dataclass
class Report:
    scale: str
    seed: int
    counts: dict[str, int]
    events: int
    seconds: float
    verified: VerifyResult
    verify_seconds: float
    notes: list[str] = field(default_factory=list)


def instance_in_use() -> str | None:
    """Why the instance holds business data already, or None when only ``init``'s set-up is there."""
    checks = (
        (select(func.count()).select_from(User).where(User.login.not_in(SETUP_LOGINS)), "users"),
        (select(func.count()).select_from(Site).where(Site.code.not_in(SETUP_SITES)), "sites"),
        (select(func.count()).select_from(FormSubmission), "form submissions"),
        (select(func.count()).select_from(Measurement), "measurements"),
        (select(func.count()).select_from(Signature), "signatures"),
    )
    for query, what in checks:
        if db.session.execute(query).scalar():
            return what
    return None


def generate(scale: str, seed: int = 0, *, batch_size: int = 5000) -> Report:
    """Fill an instance that holds only ``init``'s set-up with the ``scale``'s synthetic data; one transaction."""
    if scale not in SCALES:
        raise ValidationFailed.field("scale", f"one of {', '.join(SCALES)}")
    sizes = SCALES[scale]
    started = time.perf_counter()
    in_use = instance_in_use()
    if in_use:
        raise Conflict(
            f"This instance already holds {in_use}; demo data goes only into a new instance "
            f"(run `dealerqms init` on an empty database first)."
        )
    try:
        with acting_as("demo-data"):
            ensure_defaults()
            db.session.flush()
            loader = BulkLoader(
                db.session.connection(),
                sizes=sizes,
                seed=seed,
                batch_size=batch_size,
                reason=f"synthetic demo data (demo-data --scale {scale} --seed {seed})",
            )
            _sites(loader)
            _users(loader)
            manager.plugin_manager().hook.generate_demo_data(scale=sizes, loader=loader)
            _submissions(loader)
            _measurements(loader)
            # The planner's statistics still describe empty tables; without fresh
            # ones SQLite reads a form's whole history for each period.
            loader.analyze()
            _computed_measurements(loader)
            loader.finish()
            loader.analyze()
            # The loader writes around the ORM, which the search index follows: built once, at the end.
            loader.counts["search_entry"] = sum(search_index.reindex().values())
        commit()
    except BaseException:
        db.session.rollback()
        raise
    seconds = time.perf_counter() - started
    checked = time.perf_counter()
    with read_only():
        result = verify(db.session.connection())
        commit()
    return Report(
        scale, seed, dict(sorted(loader.counts.items())), loader.events, seconds, result, time.perf_counter() - checked
    )


# ------------------------------------------------------------------ sites and people


def _sites(loader: BulkLoader) -> None:
    existing = db.session.execute(select(Site).order_by(Site.id)).scalars().all()
    loader.sites = [SiteRow(s.id, s.code, s.name) for s in existing]
    wanted = loader.sizes.sites - len(existing)
    rows = []
    for number in range(len(existing) + 1, len(existing) + 1 + wanted):
        city = CITIES[(number - 1) % len(CITIES)]
        rows.append({"code": f"D{number:03d}", "name": f"{city} Motors {number:03d}", "active": True})
    ids = loader.insert(Site, rows)
    loader.sites += [SiteRow(i, row["code"], row["name"]) for i, row in zip(ids, rows, strict=True)]


def _role_plan(count: int, departments: list[str], sites: int) -> list[tuple[str, str, int]]:
    """(role, department, site position) for ``count`` users: a head for each department at each
    site — a site's department has its own head, who owns the site's NCs of it (product rule) —,
    about one quality officer and one auditor in ten, the rest staff, spread over the sites in turn.

    A head for each department of the group, working at one site, made the first head of each
    department the owner of every other site's NCs of it (9,000 actions for ``head0001`` at
    ``large``), which no dealer group does."""
    officers = max(1, count // 10)
    auditors = max(1, count // 10)
    headed = [code for code in departments if code != "QUALITY"]
    heads = [("department_head", code, site) for site in range(sites) for code in headed]
    heads = heads[: max(0, count - officers - auditors - 1)]
    others = [("quality_officer", "QUALITY")] * officers + [("auditor", "QUALITY")] * auditors
    while len(heads) + len(others) < count:
        others.append(("staff", headed[len(others) % len(headed)]))
    return heads + [(role, department, index % sites) for index, (role, department) in enumerate(others)]


def _users(loader: BulkLoader) -> None:
    rng = loader.random
    departments = {d.code: d for d in db.session.execute(select(Department).order_by(Department.id)).scalars()}
    loader.departments = {code: d.id for code, d in departments.items()}
    password_hash = hash_password(DEMO_PASSWORD)
    plan = _role_plan(loader.sizes.users, list(departments), len(loader.sites))
    prefixes = {"department_head": "head", "quality_officer": "qo", "auditor": "auditor", "staff": "staff"}
    numbers: dict[str, int] = {}
    rows, roles = [], []
    for role, department, position in plan:
        numbers[role] = numbers.get(role, 0) + 1
        site = loader.sites[position]
        name = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
        rows.append(
            {
                "login": f"{prefixes[role]}{numbers[role]:04d}",
                "display_name": name,
                "email": f"{prefixes[role]}{numbers[role]:04d}@dealer.example",
                "password_hash": password_hash,
                "department_id": departments[department].id,
                "site_id": site.id,
                "active": True,
                "locale": "zh_CN" if rng.random() < 0.5 else "en",
                "created_at": loader.now - timedelta(days=800 + rng.randint(0, 200)),
            }
        )
        roles.append((role, department))
    ids = loader.insert(User, rows)
    loader.insert(UserRole, [{"user_id": i, "role": role} for i, (role, _d) in zip(ids, roles, strict=True)])
    loader.users = [
        UserRow(i, row["login"], row["display_name"], (role,), department, row["site_id"])
        for i, row, (role, department) in zip(ids, rows, roles, strict=True)
    ]
    # Each head heads their department at the site where they work.
    loader.insert(
        DepartmentHead,
        [
            {"department_id": departments[user.department].id, "site_id": user.site_id, "head_id": user.id}
            for user in loader.users
            if "department_head" in user.roles
        ],
    )


# ------------------------------------------------------------------ forms and metrics


def _months(loader: BulkLoader) -> list[str]:
    """The generated history's months, oldest first, ending with the current one."""
    year, month = local(loader.now).year, local(loader.now).month
    months = []
    for _ in range(loader.sizes.months):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _moment_in(loader: BulkLoader, period: str) -> datetime:
    year, month = int(period[:4]), int(period[5:])
    start = local_time(year, month, 1)
    end = min(start + timedelta(days=monthrange(year, month)[1]), loader.now)
    return start + timedelta(seconds=loader.random.uniform(0, (end - start).total_seconds()))


def _form_versions(loader: BulkLoader, forms) -> dict[str, int]:
    stored = {(row.form_key, row.version): row.id for row in db.session.execute(select(FormVersion)).scalars()}
    rows = []
    for form in forms:
        if (form.key, form.version) in stored:
            continue
        with force_locale("en"):
            described = describe(form)
        rows.append(
            {
                "form_key": form.key,
                "version": form.version,
                "title": described["title"],
                "definition": described,
                "definition_sha256": definition_sha256(described),
                "recorded_at": loader.now - timedelta(days=31 * loader.sizes.months),
            }
        )
    for row, new_id in zip(rows, loader.insert(FormVersion, rows), strict=True):
        stored[(row["form_key"], row["version"])] = new_id
    return {form.key: stored[(form.key, form.version)] for form in forms}


def _submissions(loader: BulkLoader) -> None:
    forms = sorted(manager.registry().forms.values(), key=lambda form: form.key)
    if not forms:
        return
    rng = loader.random
    versions = _form_versions(loader, forms)
    months = _months(loader)
    by_site: dict[int, list[UserRow]] = {}
    for user in loader.users:
        by_site.setdefault(user.site_id, []).append(user)
    # A register's record has about two entries in its month: a site's month holds this many records.
    records_a_month = max(1, round(loader.sizes.submissions / len(forms) / len(loader.sites) / len(months) / 2))
    rows = []
    for number in range(loader.sizes.submissions):
        form = forms[number % len(forms)]
        site = loader.sites[rng.randrange(len(loader.sites))]
        period = months[rng.randrange(len(months))]
        moment = _moment_in(loader, period)
        people = by_site.get(site.id) or loader.users
        given = _register_entry(form, site, period, months, rng.randrange(records_a_month))
        rows.append(
            {
                "form_key": form.key,
                "form_version": form.version,
                "form_version_id": versions[form.key],
                "site_id": site.id,
                "period": period,
                "data": field_values.fill(form, rng, moment, given),
                "submitted_by_id": people[rng.randrange(len(people))].id,
                "submitted_at": moment,
            }
        )
        if len(rows) >= loader.batch_size:
            loader.insert(FormSubmission, rows)
            rows = []
    loader.insert(FormSubmission, rows)


def _register_entry(form, site: SiteRow, period: str, months: list[str], record: int) -> dict:
    """A register form's entry (``Form.register``) names a record of its site and month, and the
    records of all but the last two months are closed, as a site that works its complaints and
    risks keeps them: entries each a record of its own, half left open for ever, made the open
    backlog grow with the history (117 open complaints at a large site against 13 at a small one)."""
    register = form.register
    if register is None:
        return {}
    given = {register.key: f"{site.code}-{period}-{record + 1:03d}"}
    if period < months[-2]:
        given[register.status] = register.closed[0]
    return given


_STEP = {"month": 1, "quarter": 3, "year": 12}


def _value(loader: BulkLoader, metric) -> float:
    """Around the target, on the good side mostly: a dashboard shows all three colours."""
    rng = loader.random
    target = float(metric.target)
    spread = abs(target - float(metric.warning)) if metric.warning is not None else 0
    spread = spread or max(abs(target) * 0.1, 1.0)
    better = 1 if metric.direction == "higher" else -1
    value = target + better * rng.gauss(0.4, 1.0) * spread
    if str(metric.unit).strip() == "%":
        value = min(max(value, 0.0), 100.0)
    elif target >= 0:
        value = max(value, 0.0)
    return round(value, 1)


def _periods_back(metric, months: int) -> list[str]:
    latest = period_start(metric.period, current_period())
    return [add_months(latest, -_STEP[metric.period] * n) for n in range(months)]


def _measurements(loader: BulkLoader) -> None:
    """Manual metrics: ``sizes.measurements`` values, every site and metric
    going back the same number of periods (one value per metric, site, period)."""
    manual = sorted((m for m in manager.registry().metrics.values() if not m.computed), key=lambda m: m.key)
    if not manual:
        return
    depth = math.ceil(loader.sizes.measurements / (len(manual) * len(loader.sites)))
    entrants = loader.users_with("quality_officer")
    periods = {metric.key: _periods_back(metric, depth) for metric in manual}
    rows = []
    for step in range(depth):
        for site in loader.sites:
            for metric in manual:
                if len(rows) == loader.sizes.measurements:
                    break
                period = periods[metric.key][step]
                rows.append(
                    {
                        "metric_key": metric.key,
                        "site_id": site.id,
                        "period": period,
                        "value": _value(loader, metric),
                        "source": Source.MANUAL.value,
                        "entered_by_id": entrants[loader.random.randrange(len(entrants))].id,
                        "entered_at": min(_moment_in(loader, period) + timedelta(days=28), loader.now),
                    }
                )
    loader.insert(Measurement, rows)


def _computed_measurements(loader: BulkLoader) -> None:
    """Computed metrics, computed by their plugins from the submissions just made
    (as a submission through the service would have)."""
    computed = sorted((m for m in manager.registry().metrics.values() if m.computed), key=lambda m: m.key)
    if not computed:
        return
    sites = {s.id: s for s in db.session.execute(select(Site)).scalars()}
    rows = []
    months = _months(loader)
    for site in loader.sites:
        for metric in computed:
            periods = sorted({_periods_for(metric, month) for month in months})
            for period in periods:
                value = manager.compute_metric(metric, sites[site.id], period)
                if value is None:
                    continue
                rows.append(
                    {
                        "metric_key": metric.key,
                        "site_id": site.id,
                        "period": period,
                        "value": float(value),
                        "source": Source.COMPUTED.value,
                        "entered_by_id": None,
                        "entered_at": loader.now,
                    }
                )
    loader.insert(Measurement, rows)


def _periods_for(metric, month: str) -> str:
    return period_start(metric.period, month)


__all__ = ["DEMO_PASSWORD", "Report", "Sizes", "generate", "instance_in_use"]
