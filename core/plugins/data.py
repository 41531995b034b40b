"""Access to the core's records for plugins (reading submissions, submitting
forms, the demo sites), so that a plugin never imports the core's internals
(only ``core.plugins``)."""

from __future__ import annotations

import functools
import pickle
import random

from core.answer_cache import kept
from core.database import commit, db

SUBMISSIONS = "form_submission"

__all__ = [
    "demo_random",
    "demo_sites",
    "metric_values",
    "open_records_between",
    "submission_count",
    "submissions_between",
    "submissions_in_period",
    "submit_form",
    "submit_forms",
    "table_totals",
]


def submissions_in_period(form_key: str, site, period: str, span: str = "month") -> list[dict]:
    """The data of every submission of ``form_key`` at ``site`` in ``period`` (``YYYY-MM``).

    A quarterly or yearly metric passes its ``metric.period`` as ``span``: the
    submissions of the whole quarter or year that starts at ``period``.

    For ``compute_metric`` implementations::

        @hookimpl
        def compute_metric(metric, site, period):
            if metric.key == "sales.nps":
                answers = submissions_in_period("sales.survey", site, period)
                return nps([a["recommend"] for a in answers]) if answers else None
    """
    from core.forms.services import period_data

    return period_data(form_key, site, period, span)


def submissions_between(form_key: str, site, first: str, last: str, *, where: dict | None = None) -> list[dict]:
    """The data of every submission of ``form_key`` at ``site`` in the months
    ``first`` to ``last`` (``YYYY-MM``, both included), oldest first.

    One query for a window that :func:`submissions_in_period` would read
    month by month: a dashboard panel that looks back over a year or two
    makes one read instead of one per month::

        @hookimpl
        def dashboard_panels(site, user):
            open_cases = latest_cases(submissions_between("usedcars.warranty_case", site, "2025-01", "2026-12"))

    ``where`` keeps only those whose field has the value, as :func:`submission_count`'s does
    (``{"legal_review": False}``): tested by the database, so the others are never loaded.
    """
    from core.forms.models import FormSubmission

    conditions = [getattr(FormSubmission.data[field], kind)() == value for field, kind, value in _where(where)]
    return list(
        db.session.execute(
            db.select(FormSubmission.data)
            .where(
                FormSubmission.form_key == form_key,
                FormSubmission.site_id == site.id,
                FormSubmission.period.between(first, last),
                *conditions,
            )
            .order_by(FormSubmission.submitted_at, FormSubmission.id)
        ).scalars()
    )


def table_totals(
    form_key: str, site, first: str, last: str, *, table: str, by: str, fields: tuple[str, ...]
) -> dict[str, tuple[float, ...]]:
    """The sums of the number fields ``fields`` over the rows of the table field ``table`` of
    every submission of ``form_key`` at ``site`` in the months ``first`` to ``last``, by the
    value of each row's field ``by``: ``{value: (sum of fields[0], sum of fields[1], …)}``.

    Summed by the database: a panel over a year of a busy site's records decodes none of them
    (a year of a large demo site's campaign evaluations: 277, decoded on every dashboard)::

        @hookimpl
        def dashboard_panels(site, user):
            by_source = table_totals("usedcars.campaign", site, "2025-01", "2025-12",
                                     table="channels", by="source", fields=("spend", "sales"))
    """
    if not fields:
        raise ValueError("table_totals: name at least one field to sum")
    fields = tuple(fields)
    # Kept until a submission is written: the sums are the same from one look at a dashboard to the next.
    totals = kept(
        ("table_totals", form_key, site.id, first, last, table, by, fields),
        (SUBMISSIONS,),
        lambda: _table_totals(form_key, site, first, last, table=table, by=by, fields=fields),
    )
    return dict(totals)


def _table_totals(form_key: str, site, first: str, last: str, *, table: str, by: str, fields: tuple[str, ...]):
    from sqlalchemy import Numeric, cast, func

    from core.forms.models import FormSubmission

    window = (
        FormSubmission.form_key == form_key,
        FormSubmission.site_id == site.id,
        FormSubmission.period.between(first, last),
    )
    if db.session.get_bind().dialect.name == "sqlite":
        rows = func.json_each(FormSubmission.data, f"$.{_json_key(table)}").table_valued("value").alias("table_row")

        def of_row(field):
            return func.json_extract(rows.c.value, f"$.{_json_key(field)}")

        columns = [of_row(by), *(func.total(of_row(field)) for field in fields)]
    else:
        # PostgreSQL: each row of the table's JSON array, its fields as text.
        rows = func.json_array_elements(FormSubmission.data.op("->")(table)).table_valued("value").alias("table_row")

        def of_row(field):
            return rows.c.value.op("->>")(field)

        columns = [of_row(by), *(func.coalesce(func.sum(cast(of_row(field), Numeric)), 0) for field in fields)]
    # Grouped by the output column's name: PostgreSQL takes "value ->> $1" in the list and
    # "value ->> $2" in GROUP BY for two expressions.
    key = columns[0].label("table_key")
    query = (
        db.select(key, *columns[1:])
        .select_from(FormSubmission)
        .join(rows, db.true())
        .where(*window, of_row(by).is_not(None))
        .group_by(key)
    )
    return {str(key): tuple(float(total or 0) for total in totals) for key, *totals in db.session.execute(query)}


def _json_key(name: str) -> str:
    # A field key as a JSON path step: keys are identifiers (Field validates them), quoted anyway.
    return '"' + name.replace('"', "") + '"'


def open_records_between(form_key: str, site, first: str, last: str) -> list[dict]:
    """What :func:`submissions_between` gives of a register form (``Form.register``: each
    submission is an entry of the record its ``key`` field names) less the entries of the
    records whose current entry in the window (the last submitted, or the one of the latest
    ``current_by`` date) closes them, and less the entries that name no record.

    The database hands over each entry's record and status only, and the data of the open
    records' entries alone is loaded: a panel of what is still open pays for the closed
    history with a small read, not a decoded entry each::

        @hookimpl
        def dashboard_panels(site, user):
            open_cases = latest_cases(open_records_between("usedcars.warranty_case", site, "2025-01", "2026-12"))

    Raises ``ValueError`` for a form that is not a register.
    """
    from core.plugin_engine import manager

    form = manager.registry().forms.get(form_key)
    if form is None or form.register is None:
        raise ValueError(f"open_records_between: {form_key!r} is not a register form (Form.register)")
    # Kept until a submission is written: finding the open records reads the window's every
    # entry (a large site's two years of complaints), and between two looks at a dashboard
    # there is usually no new one. Each caller gets its own copy to fold or change: kept
    # pickled, since unpickling a copy costs a fraction of copy.deepcopy's walk (0.1 against
    # 0.3 ms for a large site's open complaints, asked twice by a dashboard).
    entries = kept(
        ("open_records_between", form_key, site.id, first, last),
        (SUBMISSIONS,),
        lambda: pickle.dumps(_open_records_between(form.register, form_key, site, first, last)),
    )
    return pickle.loads(entries)


def _open_records_between(register, form_key: str, site, first: str, last: str) -> list[dict]:
    # (the current entry's date, its state) of each record; dates are ISO text, so they compare as text.
    current: dict[str, tuple[str, str | None]] = {}
    entries: dict[str, list[int]] = {}
    for entry_id, record, state, dated in db.session.execute(
        _register_statement(register.key, register.status, register.current_by),
        {"form_key": form_key, "site_id": site.id, "first": first, "last": last},
    ):
        record = str(record or "").strip().upper()
        if not record:
            continue
        dated = str(dated or "")
        if record not in current or dated >= current[record][0]:
            current[record] = (dated, state)
        entries.setdefault(record, []).append(entry_id)
    closed = frozenset(register.closed)
    ids = [entry_id for record, (_, state) in current.items() if state not in closed for entry_id in entries[record]]
    if not ids:
        return []
    return list(db.session.execute(_entries_statement(), {"ids": ids}).scalars())


@functools.cache
def _register_statement(key: str, status: str, dated: str):
    from core.forms.models import FormSubmission

    data = FormSubmission.data
    # Without a date field the order of submission decides: no third value to extract.
    current_by = data[dated].as_string() if dated else db.null()
    return (
        db.select(FormSubmission.id, data[key].as_string(), data[status].as_string(), current_by)
        .where(
            FormSubmission.form_key == db.bindparam("form_key"),
            FormSubmission.site_id == db.bindparam("site_id"),
            FormSubmission.period.between(db.bindparam("first"), db.bindparam("last")),
        )
        .order_by(FormSubmission.submitted_at, FormSubmission.id)
    )


@functools.cache
def _entries_statement():
    from core.forms.models import FormSubmission

    return (
        db.select(FormSubmission.data)
        .where(FormSubmission.id.in_(db.bindparam("ids", expanding=True)))
        .order_by(FormSubmission.submitted_at, FormSubmission.id)
    )


def submission_count(form_key: str, site, period: str, *, where: dict | None = None) -> int:
    """How many submissions of ``form_key`` there are at ``site`` in the month ``period``
    (``YYYY-MM``), counting at most 1,001: above 1,000 a page writes ``count_text(count)``,
    "1,000+".

    ``where`` keeps only those whose field has the value (``{"test_drive": True}``; a
    ``bool``, ``int`` or ``str``). The count is made by the database from the form's index
    of sites and months — no submission's data is loaded — so a dashboard panel can say how
    many records a month holds for the same cost in a quiet month as in a busy one::

        @hookimpl
        def dashboard_panels(site, user):
            month = current_period()
            drives = submission_count("usedcars.test_drive", site, month, where={"returned_late": True})
    """
    tested = _where(where)
    kinds = tuple((field, kind) for field, kind, _value in tested)
    values = {f"value_{index}": value for index, (_field, _kind, value) in enumerate(tested)}
    return db.session.execute(
        _count_statement(kinds), {"form_key": form_key, "site_id": site.id, "period": period, **values}
    ).scalar_one()


# bool before int in what a value is taken for: JSON stores True as true, not 1.
_KINDS = {bool: "as_boolean", int: "as_integer", str: "as_string"}


def _where(where: dict | None) -> list[tuple[str, str, object]]:
    """``(field, how its JSON value is read, value)`` of each condition of a ``where``."""
    tested = []
    for field, value in (where or {}).items():
        kind = _KINDS.get(type(value))
        if kind is None:
            raise TypeError(f"where takes bool, int or str values, not {type(value).__name__}")
        tested.append((field, kind, value))
    return tested


@functools.cache
def _count_statement(kinds: tuple[tuple[str, str], ...]):
    """The capped count of a month's submissions with these fields' values, built once: building
    the statement cost as much as running it (a panel asks four)."""
    from sqlalchemy import bindparam, literal_column

    from core.counts import COUNT_CAP
    from core.forms.models import FormSubmission

    query = db.select(literal_column("1")).where(
        FormSubmission.form_key == bindparam("form_key"),
        FormSubmission.site_id == bindparam("site_id"),
        FormSubmission.period == bindparam("period"),
    )
    for index, (field, kind) in enumerate(kinds):
        query = query.where(getattr(FormSubmission.data[field], kind)() == bindparam(f"value_{index}"))
    # Not core.counts.capped_count: its memory of a request's counts keys each count by its
    # statement, built anew on every call, and a panel asks each of these once.
    return db.select(db.func.count()).select_from(query.limit(COUNT_CAP + 1).subquery())


def metric_values(metric_keys, site, period: str) -> dict[str, float | None]:
    """The stored values of metrics at ``site`` for ``period`` (``YYYY-MM``, the first month
    of a quarterly or yearly metric's period), by key; ``None`` where there is none.

    A computed metric's value is kept up to date by the core (each submission marks its
    month for recomputation): one pending for these metrics at the site is computed first,
    as the KPI pages do, so the value is never older than the records. Reading it costs
    the same whatever the month holds, where recomputing it on each view reads every
    submission of the month. Raises ``NotFound`` for a key no plugin defines.
    """
    from core.metrics import services
    from core.metrics.models import Measurement

    metrics = [services.definition(key) for key in metric_keys]
    services.refresh(sites=[site.id], metrics=metrics)
    values: dict[str, float | None] = dict.fromkeys(metric_keys)
    values.update(
        db.session.execute(
            db.select(Measurement.metric_key, Measurement.value).where(
                Measurement.site_id == site.id,
                Measurement.period == period,
                Measurement.metric_key.in_(list(metric_keys)),
            )
        ).all()
    )
    return values


def submit_form(form_key: str, data: dict, *, site: str, submitted_by: str, submitted_at=None) -> int:
    """Submit ``data`` to the form ``form_key`` as the user ``submitted_by`` at the site ``site`` (a code).

    One business action, as when the user submits the form on its page: the
    data are validated exactly as the API validates a submission's body
    (JSON values: dates as ``"YYYY-MM-DD"``, datetimes in ISO 8601; a bad
    value raises ``core.errors.ValidationFailed`` naming each field), the
    submission is stored and committed, the computed metrics of its site
    and month are marked for recomputation, and ``form_submitted`` fires. ``submitted_at`` (a
    timezone-aware time, not in the future) dates a record taken earlier: a
    plugin's demo history, paper records typed in later. Returns the
    submission's id. To add many, :func:`submit_forms` is much faster.
    """
    return submit_forms(
        [{"form_key": form_key, "data": data, "site": site, "submitted_by": submitted_by, "submitted_at": submitted_at}]
    )[0]


def submit_forms(entries) -> list[int]:
    """Submit many forms in one unit of work; returns their ids in order.

    Each entry is a dict of :func:`submit_form`'s arguments (``form_key``,
    ``data``, ``site``, ``submitted_by``, optional ``submitted_at``). All are
    validated and stored, or none (the first bad entry raises
    ``ValidationFailed``); the computed metrics of each site and month are
    marked once, after the last entry, and computed when next read; then it
    commits and ``form_submitted`` fires for every submission. Batches of
    a month or so keep memory and the events' work small::

        submit_forms([{"form_key": "usedcars.appraisal", "data": {...}, "site": "BJ01",
                       "submitted_by": "bj.sales", "submitted_at": when} for when in month])
    """
    from core.accounts.services import site_by_code, user_by_login
    from core.forms import services
    from core.metrics.services import mark_site_period

    sites, users, ids, touched = {}, {}, [], {}
    for entry in entries:
        form = services.definition(entry["form_key"])
        cleaned = services.validate_json(form, entry["data"])
        site = sites.get(entry["site"]) or sites.setdefault(entry["site"], site_by_code(entry["site"]))
        login = entry["submitted_by"]
        user = users.get(login) or users.setdefault(login, user_by_login(login))
        submission = services.submit(user, form, site, cleaned, submitted_at=entry.get("submitted_at"), recompute=False)
        touched.setdefault((site.code, submission.period), (site, submission.period, set()))[2].add(form.key)
        ids.append(submission.id)
    for site, month, forms in touched.values():
        mark_site_period(site, month, forms)
    commit()
    return ids


def demo_sites() -> list:
    """The dealerships ``dealerqms init --demo`` creates, for a plugin's own demo records.

    A list of ``DemoSite`` values, the stronger performer first, with
    ``code``, ``name``, ``rank`` (0 for the stronger performer, 1 for the
    weaker: shape the demo data on it), ``months`` (the 24 months of demo
    history, ``YYYY-MM``, oldest first, ending last month), ``logins`` (a
    department code — ``SALES``, ``AFTERSALES`` … — to the logins of that
    department's staff at the site; ``QUALITY`` to its quality officers) and
    ``heads`` (a department code to the login of its head at the site). A
    ``DemoSite`` can be passed as the site of :func:`submissions_in_period`
    (to see whether the demo records are there already: ``init --demo`` must
    add nothing the second time). Empty when the instance has no demo sites.
    Call it from ``populate_instance`` when ``demo`` is true::

        @hookimpl
        def populate_instance(demo):
            for site in demo_sites() if demo else []:
                if submissions_in_period("usedcars.appraisal", site, site.months[0]):
                    continue
                submit_form("usedcars.appraisal", {...}, site=site.code,
                            submitted_by=site.logins["SALES"][0])
    """
    from core.demo import present_demo_sites

    return present_demo_sites()


def demo_random(area: str, site, month: str) -> random.Random:
    """The random numbers of one area's demo records at one demo site in one month.

    Seeded by the three alone, so a month's records do not depend on how
    many months were drawn before it: the same calendar month is drawn the
    same way whatever the window of demo history, and a test can check the
    demo at any date. Draw each month's records from its own generator::

        for index, month in enumerate(site.months):
            rng = demo_random("usedcars", site, month)
            appraisals = 4 + rng.randint(0, 3)   # at least four, by construction
    """
    return random.Random(f"{area}@{site.code}@{month}")
