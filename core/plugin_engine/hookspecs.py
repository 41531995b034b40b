"""The hook specifications: the reference for plugin authors.

Each hook is an empty function whose docstring says when it is called, what its arguments
are, what it returns, and shows an example. These docstrings are the only full text of the
hook reference: the "Hooks" section of `docs/plugins.md` is generated from them
(`python -m core.plugins.reference`), and every example runs in `tests/test_hookspecs.py`.
An example uses the public API (`core.plugins`) and, where a name is your plugin's own
business (`overdue_appraisals`, `StockSchema`), a helper you would write.

An implementation may take fewer arguments than the hook passes: name only the ones you use
(`def menu_links(): …` is fine), so new arguments can be added later without breaking
plugins. `register_*` hooks are called once at start-up and return lists. Events
(`form_submitted` …) are called after the change they report has been committed, each
implementation on its own: what it writes is committed when it returns and rolled back when
it raises, and one that raises is logged with the plugin's name without failing the request.
The objects hooks receive (`site`, `user`, `submission`, `nc`, `revision`, `audit`) are
described under "Objects hooks receive" below.
"""

import pluggy

hookspec = pluggy.HookspecMarker("dealerqms")


@hookspec
def register_checklists():
    """Audit checklists this plugin contributes.

    Called once at start-up. Audits copy the questions when they start, so changing a
    checklist (raise its ``version``) never alters a recorded audit.

    Returns:
        A list of ``Checklist``. Keys start with the plugin's name (``<plugin>.<name>``);
        question keys are unique within a checklist; ``area`` is a department code
        (``DEPARTMENTS``).

    Example::

        from core.plugins import Checklist, Question, hookimpl

        @hookimpl
        def register_checklists():
            return [Checklist(
                key="usedcars.appraisal", title="Used-car appraisal", area="SALES",
                questions=[Question(key="q1", text="Is every trade-in appraised on the form?",
                                    reference="UC-PR-001 §3", guidance="Sample five recent trade-ins.")])]
    """


@hookspec
def register_metrics():
    """Metric (KPI) definitions this plugin contributes.

    Called once at start-up. A metric with ``computed=True`` gets its values from
    ``compute_metric`` and refuses manual measurements.

    Returns:
        A list of ``Metric``, keys ``<plugin>.<name>``.

    Example::

        from core.plugins import Metric, hookimpl

        @hookimpl
        def register_metrics():
            return [Metric(key="usedcars.stock_age", name="Average stock age", unit="days",
                           direction="lower", target=45, warning=60, area="SALES")]
    """


@hookspec
def register_forms():
    """Form definitions this plugin contributes.

    Called once at start-up. Each submission keeps the form's ``version``; raise it when the
    fields change.

    Returns:
        A list of ``Form``, keys ``<plugin>.<name>``.

    Example::

        from core.plugins import Field, Form, hookimpl

        @hookimpl
        def register_forms():
            return [Form(key="usedcars.appraisal_record", title="Appraisal record", fields=[
                Field(key="vin", label="VIN", type="vin", required=True),
                Field(key="condition", label="Condition", type="rating", scale=(1, 5)),
                Field(key="history_checked", label="Service history checked", type="boolean"),
            ])]
    """


@hookspec
def register_public_forms():
    """Which of this plugin's forms customers fill in themselves, on a public page without login.

    Called once at start-up. A survey after a transaction names the transaction's form
    (``after``): each submission of it (a delivery, a repair order) issues a one-time link,
    shown with its QR code on the submission's page, valid for one answer (see
    `docs/intake.md`). ``walk_in`` offers the form at the site's own link too; a
    ``complaint`` form is the site's complaint intake, with a reference number and an
    acknowledgement. The answer is validated and stored like a staff member's, so the
    computed metrics and ``form_submitted`` see it as any other submission.

    Returns:
        A list of ``PublicForm``, one per form (``form`` is the key of a form of this plugin).

    Example::

        from core.plugins import PublicForm, hookimpl

        @hookimpl
        def register_public_forms():
            return [
                PublicForm(form="usedcars.buyer_survey", after="usedcars.sale",
                           carry={"appraiser": "appraiser"}, walk_in=True),
                PublicForm(form="usedcars.complaint", complaint=True, reference_field="number",
                           fixed={"channel": "web"}, received_field="received_on",
                           personal=("customer_name", "customer_phone"), handled_within_days=5),
            ]
    """


@hookspec
def register_procedure_templates():
    """Starter procedures this plugin contributes.

    Called once at start-up. The procedure library offers each template as the starting
    point of a new procedure (code, title, department, kind, review interval and body filled
    in), remembering the plugin as its origin. Keep a long body in a Markdown file beside
    the code and read it here. A body written in several languages is a mapping of
    language to Markdown (``{"en": ..., "zh_CN": ...}``): a procedure is written in one
    language, so a new one starts from the body in its author's (English if there is none).

    Returns:
        A list of ``ProcedureTemplate``; codes follow the dealership's numbering
        (``UC-PR-001``) and are unique across all plugins.

    Example::

        from core.plugins import ProcedureTemplate, hookimpl

        @hookimpl
        def register_procedure_templates():
            return [ProcedureTemplate(code="UC-PR-001", title="Used-car appraisal", department="SALES",
                                      body="# Purpose\\n\\nEvery trade-in is appraised the same way.")]
    """


@hookspec
def register_permissions():
    """Permissions this plugin declares, and the roles that hold them.

    Called once at start-up. Each permission adds a row to the role × permission matrix
    (`core/accounts/permissions.py`); the plugin asks for it by key with
    ``can(user, "usedcars.appraise")`` (to decide what to show) and
    ``require(user, "usedcars.appraise")`` (to refuse, with ``Forbidden`` saying which
    roles are needed), or guards an API view with ``token_required("usedcars.appraise")``.
    Ask by permission, never by role name: the instance's matrix stays in one place.

    Returns:
        A list of ``PluginPermission``, keys ``<plugin>.<name>``.

    Example::

        from core.plugins import PluginPermission, hookimpl

        @hookimpl
        def register_permissions():
            return [PluginPermission(key="usedcars.appraise", description="appraise trade-ins",
                                     roles=("quality_officer", "department_head"))]
    """


@hookspec
def register_migrations():
    """Folders of Alembic migration scripts for the tables this plugin owns.

    Called at start-up and when the schema is created or upgraded (``dealerqms init``); a
    plugin whose hook module imports its models lazily imports them here, so that its tables
    are on the metadata before the first query. Each folder holds version scripts whose
    first revision has ``branch_labels = ("<plugin>",)``, ``down_revision = None`` and
    usually ``depends_on = "0001_core"``; ``alembic upgrade heads`` applies every branch
    with the core's.

    Returns:
        A list of ``pathlib.Path`` (or strings) of existing folders.

    Example::

        from pathlib import Path

        from core.plugins import hookimpl

        @hookimpl
        def register_migrations():
            return [Path(__file__).parent / "migrations"]
    """


@hookspec
def register_commands(cli):
    """Add click commands to the ``dealerqms`` command line (and ``flask --app core``).

    Called once at start-up, and by ``dealerqms --help``, which lists the commands without
    building the app: import the module of your commands in the hook, and the services a
    command calls in the command. Commands that use the database are decorated with
    ``flask.cli.with_appcontext``; report a user's mistake with ``UserError`` (one sentence
    on stderr, exit status 1).

    Args:
        cli: the app's command group (``flask.cli.AppGroup``) behind ``dealerqms``; add
            commands or groups to it.

    Returns:
        Nothing.

    Example::

        import click
        from flask.cli import with_appcontext

        from core.plugins import UserError, hookimpl

        @click.command("appraisals")
        @click.argument("site")
        @with_appcontext
        def appraisals(site):
            if site != site.upper():
                raise UserError(f"Site codes are upper-case: {site.upper()}, not {site}.")
            click.echo(f"{count_open_appraisals(site)} appraisals are open at {site}.")

        @hookimpl
        def register_commands(cli):
            cli.add_command(appraisals)
    """


@hookspec
def register_translations():
    """Folders of gettext catalogs for this plugin's texts.

    Called once at start-up. Each folder is laid out as ``pybabel compile`` leaves it
    (``<locale>/LC_MESSAGES/messages.mo``, with Babel's full locale names: ``zh_Hans_CN``
    for ``zh_CN``); the catalogs are merged with the core's, so a plugin translates only its
    own strings.

    Returns:
        A list of ``pathlib.Path`` (or strings) of existing folders.

    Example::

        from pathlib import Path

        from core.plugins import hookimpl

        @hookimpl
        def register_translations():
            return [Path(__file__).parent / "translations"]
    """


@hookspec
def register_blueprints():
    """A Flask blueprint with this plugin's own pages.

    Called once at start-up. The blueprint must be named after the plugin
    (``Blueprint("usedcars", __name__)``) and is mounted under ``/p/<plugin>/``; a plugin
    has one (nest further blueprints in it). The product's own built-in plugins, registered
    by the dealerqms distribution itself, mount at the blueprint's ``url_prefix`` instead.
    Views check permissions themselves with ``require`` (which answers 403 with the reason).
    Templates extend the product's layout (``{% extends "base.html" %}``, blocks ``title``
    and ``content``); ship the templates folder as package data.

    Every process (a command, a job worker) starts the app, so a plugin with more than a
    page or two declares its routes in a light module with ``LazyBlueprint`` and a table of
    ``Route("/rule", "package.module:function")``: the view module loads on the first
    request that needs it, its ``@bp.route`` lines (on the same blueprint, imported from
    the light module) must match the table, and a mismatch stops the module from loading
    (``UndeclaredRoute``). See "Pages and API that load on first use" in
    ``docs/writing-plugins.md``.

    Returns:
        A list of ``flask.Blueprint``.

    Example::

        from flask import Blueprint, render_template
        from flask_login import current_user, login_required

        from core.plugins import hookimpl, require

        bp = Blueprint("usedcars", __name__, template_folder="templates")

        @bp.route("/")
        @login_required
        def index():
            require(current_user, "usedcars.appraise")
            return render_template("usedcars/index.html")

        @hookimpl
        def register_blueprints():
            return [bp]
    """


@hookspec
def register_api_blueprints():
    """A flask-smorest blueprint with this plugin's JSON API.

    Called once at start-up. The blueprint must be named after the plugin and is mounted
    under ``/api/v1/p/<plugin>/`` (built-in plugins of the dealerqms distribution: directly
    under ``/api/v1/``); it is registered as ``<plugin>_api``, so it may share its name with
    the plugin's page blueprint, and its schemas appear in ``/api/v1/openapi.json``. Wrap
    every view in ``token_required`` (a core ``Permission`` or your own permission's key);
    inside, ``api_user()`` is the caller. Raise ``NotFound``, ``Forbidden``, ``Conflict`` or
    ``ValidationFailed`` and the API answers with RFC 9457 problem details.
    ``LazyApiBlueprint`` is the same with a table of routes (see ``register_blueprints``):
    the handler modules load on their first request, or when the OpenAPI document is read.

    Returns:
        A list of ``flask_smorest.Blueprint``.

    Example::

        from flask_smorest import Blueprint

        from core.plugins import api_user, hookimpl, token_required

        api = Blueprint("usedcars", __name__, description="Used cars")

        @api.route("/stock")
        @token_required("usedcars.appraise")
        @api.response(200, StockSchema(many=True))
        def stock():
            return list_stock(api_user().site)

        @hookimpl
        def register_api_blueprints():
            return [api]
    """


@hookspec
def menu_links(user):
    """Entries for the navigation menu.

    Called for every page that shows the menu (only to users who are logged in). A link
    points at one of the plugin's pages (``endpoint``) or, through the page helpers
    (``form_url``, ``metric_url`` …), at a core page.

    Args:
        user: the logged-in user; decide what to show with ``can(user, permission)``.

    Returns:
        A list of ``MenuLink`` (empty to add nothing).

    Example::

        from core.plugins import MenuLink, can, form_url, hookimpl

        @hookimpl
        def menu_links(user):
            if not can(user, "usedcars.appraise"):
                return []
            return [MenuLink(label="Used cars", endpoint="usedcars.index"),
                    MenuLink(label="Appraise a trade-in", url=form_url("usedcars.appraisal_record"))]
    """


@hookspec
def dashboard_panels(site, user):
    """Panels to show on the dashboard.

    Called for each dashboard view; an implementation that raises is logged with the
    plugin's name and left out. The dashboard is every user's first page, so a panel must
    cost the same at a site with ten years of records as at a new one:

    - show the first rows of a list (ten or twenty) and say how many there are in all, in
      the title or with a link to the full list (``submissions_url(form_key, site)``);
    - say how many records a month holds with ``submission_count(form_key, site, period)``
      (the database counts them from an index) and show a figure that is also a metric with
      ``metric_values(keys, site, period)`` (kept up to date by the core) rather than reading
      the month's submissions on every view;
    - read a window of months with one ``submissions_between(form_key, site, first, last)``
      rather than a ``submissions_in_period`` per month, and what is still open of a register
      (``Form.register``) with ``open_records_between(form_key, site, first, last)``, which leaves
      the closed records' entries in the database;
    - a figure the plugin also stores as a metric is better shown as that metric's chart
      (``chart="usedcars.stock_age"``) than recomputed. A chart panel shows once the metric
      has values at the site; one naming a metric no plugin defines is left out and logged
      with the plugin's name. The dashboard shows it as the metric's latest value, status
      and a link to its trend (no inline chart: a dozen made the page 150 KB); the KPI
      pages (``kpi_panels``) draw the two furthest from target.

    Args:
        site: the site the dashboard shows.
        user: the logged-in user: show only what they may see.

    Returns:
        A list of ``DashboardPanel``: a title with HTML, or with the key of a metric whose
        latest value and trend the dashboard links to.

    Example::

        from markupsafe import escape

        from core.plugins import DashboardPanel, hookimpl, submissions_url

        @hookimpl
        def dashboard_panels(site, user):
            old = old_stock(site)  # your query: the cars over 90 days in stock, oldest first
            rows = "".join(f"<li>{escape(car['vin'])}</li>" for car in old[:10])
            link = f'<a href="{submissions_url("usedcars.appraisal_record", site)}">all appraisals</a>'
            return [DashboardPanel(title="Stock age", chart="usedcars.stock_age"),
                    DashboardPanel(title=f"Cars over 90 days ({len(old)})", html=f"<ul>{rows}</ul>{link}")]
    """


@hookspec
def kpi_panels(site, area, user):
    """Panels to show below a site's KPIs: what explains the figures, such as where
    nonconformities come from (the audits area's Pareto of root causes).

    Called for each view of the KPI page of a site (``area`` set when it is filtered to one
    area) and of a metric's page (``area`` the metric's, when it has one); an implementation
    that raises is logged with the plugin's name and left out. Panels are the dashboard's
    ``DashboardPanel`` and cost the same care (see ``dashboard_panels``): a bounded query, the
    first rows of a list. Return nothing rather than an empty panel when there is nothing to
    show, and only what ``user`` may read.

    Args:
        site: the site whose KPIs are shown.
        area: the code of the area shown (a department code such as ``SALES``, as a metric's
            ``area``), or ``None`` for every area.
        user: the signed-in user: show only what they may see.

    Returns:
        A list of ``DashboardPanel``: a title with HTML, or with the key of a metric whose
        trend the page draws.

    Example::

        from markupsafe import escape

        from core.plugins import DashboardPanel, can, hookimpl

        @hookimpl
        def kpi_panels(site, area, user):
            if area not in (None, "SALES") or not can(user, "usedcars.appraise"):
                return []
            old = old_stock(site)  # your query: the cars over 90 days in stock, oldest first
            if not old:
                return []
            rows = "".join(f"<li>{escape(car['vin'])}</li>" for car in old[:10])
            return [DashboardPanel(title=f"Cars over 90 days in stock ({len(old)})", html=f"<ul>{rows}</ul>")]
    """


@hookspec
def dashboard_overdue(site, user):
    """Overdue work of this plugin's records that the dashboard lists for ``user``.

    Called for each dashboard view; an implementation that raises is logged with the
    plugin's name and left out. The dashboard merges every plugin's items, earliest due
    first, shows the first 50 (``OVERDUE_SHOWN``) and counts all of them. The audits area
    lists overdue nonconformities and corrective actions this way.

    Args:
        site: the site shown (``None`` for a user of the group office viewing every site).
        user: the signed-in user: list only what they may see and act on.

    Returns:
        A list of ``OverdueItem``; with many items, an ``OverdueList`` of the earliest 50
        whose ``total`` says how many there are in all.

    Example::

        from core.plugins import OverdueItem, OverdueList, hookimpl, submissions_url

        @hookimpl
        def dashboard_overdue(site, user):
            late = overdue_appraisals(site)  # your query, earliest due first
            return OverdueList([OverdueItem(kind="Appraisal", label=a["vin"], due=a["due"],
                                            url=submissions_url("usedcars.appraisal_record", site))
                                for a in late[:50]], total=len(late))
    """


@hookspec
def user_tasks(user, kind, limit):
    """The work of this plugin's records that waits for ``user``: their task inbox.

    Called for the inbox, its count in the navigation, the dashboard and ``GET /api/v1/tasks``;
    an implementation that raises is logged with the plugin's name and left out. Return only
    what ``user`` may do now (ask the same refusal functions the pages ask), earliest due
    first, at most ``limit`` tasks of each kind (``0``: none, only the count) in a ``TaskList``
    whose ``total`` says how many there are; with ``kind`` set, only tasks of that kind. The
    inbox page shows the first few of each kind under the kind's count: give a plugin of
    several kinds ``kind_totals`` (``{kind: total}``), else its kinds are shown without one.

    The navigation asks with ``limit=0`` on every page: count in the database with the same
    rules as the refusal functions, reading at most 1,001 rows (the built-in areas use
    ``core.counts.capped_count``), and build and check only the ``limit`` tasks listed. A
    ``total`` above 1,000 means "1,000+": the pages show it so, and the API's
    ``X-Total-Count`` is then a lower bound. Never count a task the user could not do.

    Args:
        user: the signed-in user.
        kind: a task kind key, or None for every kind.
        limit: how many tasks to list at most.

    Returns:
        A ``TaskList`` of ``Task`` (or a plain list of ``Task``).

    Example::

        from core.plugins import Task, TaskList, hookimpl

        @hookimpl
        def user_tasks(user, kind, limit):
            if kind not in (None, "usedcars.appraise"):
                return []
            waiting = appraisals_waiting_for(user)  # your query, earliest due first
            return TaskList([Task(kind="usedcars.appraise", kind_label="Appraise a trade-in",
                                  title=f"Appraise {a['vin']}", url=appraisal_url(a), due=a["due"],
                                  why="You are the used-car appraiser at your site")
                             for a in waiting[:limit]], total=len(waiting))
    """


@hookspec
def register_notification_kinds():
    """Kinds of notification this plugin sends: events that need a person.

    Called once at start-up; keys are namespaced by the plugin. Send one with
    ``notify(users, kind, params, url, event)`` from the service that changes the record,
    inside its transaction: the in-app notification appears with the change, and the e-mail
    goes out after the commit (by ``dealerqms tick``), once per user and event, in the
    user's language and as often as they chose. See `docs/notifications.md`.

    Returns:
        A list of ``NotificationKind``.

    Example::

        from flask_babel import lazy_gettext as _l

        from core.plugins import NotificationKind, hookimpl

        @hookimpl
        def register_notification_kinds():
            return [NotificationKind(key="usedcars.appraisal_due", title=_l("Appraisal due"),
                                     subject=_l("Appraise %(vin)s by %(due)s"),
                                     message=_l("A trade-in waits for your appraisal."))]
    """


@hookspec
def register_trail_entities():
    """How this plugin's records read in their history and on the trail page.

    Called once at start-up. Every change to a record is in the audit trail as the
    columns the database holds; a ``TrailEntity`` per entity type turns an event into a
    sentence ("Wei Wang closed appraisal LSVAU2180N2183294") and its changes into the
    labels of the record's form ("Condition: 2 → 4"). A type nobody registers still
    reads, with its column names in words. Entity types are unique across plugins.

    Returns:
        A list of ``TrailEntity``.

    Example::

        from flask_babel import lazy_gettext as _l

        from core.plugins import TrailEntity, hookimpl

        @hookimpl
        def register_trail_entities():
            return [TrailEntity(entity_type="appraisal", label=_l("appraisal"),
                                fields={"vin": _l("VIN"), "condition": _l("Condition")},
                                values={"state": {"open": _l("open"), "done": _l("done")}},
                                transitions={"done": _l("%(who)s finished %(record)s")},
                                hidden={"id", "created_at"}, references={"appraiser_id": "user"},
                                link=lambda entity_id: f"/p/usedcars/{entity_id}")]
    """


@hookspec
def tick(now):
    """This plugin's periodic work up to ``now``: reminders, escalations, occurrences of schedules.

    Called by ``dealerqms tick`` (every few minutes from cron or a systemd timer, or the
    ``dealerqms scheduler`` loop). It must be idempotent: two ticks at once, or twice in a
    minute, do nothing twice — key what you create by the moment it is for (``notify``'s
    ``event`` does this for notifications). The core commits what each plugin's tick did when
    it returns; an implementation that raises is logged, what it did is rolled back, and the
    next tick tries again. Page links (``submissions_url`` …) work here too, as paths.

    Args:
        now: the current time (UTC, aware).

    Returns:
        A list of lines saying what was done (empty when nothing was due).

    Example::

        from core.plugins import hookimpl, notify

        @hookimpl
        def tick(now):
            due = appraisals_due_tomorrow(now)  # your query
            for appraisal in due:
                notify([appraisal["appraiser"]], "usedcars.appraisal_due",
                       {"vin": appraisal["vin"], "due": appraisal["due"]},
                       url=f"/p/usedcars/{appraisal['vin']}", event=f"due:{appraisal['vin']}")
            return [f"{len(due)} appraisal reminders"] if due else []
    """


@hookspec
def audit_risk_factors(site, department):
    """What this plugin's records say about how risky ``department`` at ``site`` is to leave
    unaudited: the risk-based audit programme (ISO 9001 9.2.2 a) adds the points of every
    plugin to those of past audits, open NCs, red KPIs and the time since the last audit, and
    writes each reason next to the department's line.

    Called when a quality officer opens the programme proposal; an implementation that raises
    is logged with the plugin's name and left out. Keep it to what your area knows (a risk
    register, a complaint trend), a few points each: 8 points or more propose four audits a
    year, 4 or more two, fewer one.

    Args:
        site: the ``Site``.
        department: the ``Department`` (``department.code`` is an area such as ``SALES``).

    Returns:
        A list of ``RiskFactor(points, reason)`` (points 0 to 10).

    Example::

        from core.plugins import RiskFactor, hookimpl

        @hookimpl
        def audit_risk_factors(site, department):
            if department.code != "SALES":
                return []
            unsold = aged_stock(site)  # your query
            return [RiskFactor(points=2, reason=f"{unsold} used cars over 90 days in stock")] if unsold else []
    """


@hookspec
def review_inputs(site, period_from, period_to):
    """Sections this plugin adds to the inputs of a management review (ISO 9001 9.3.2): what
    its records say about ``site`` from ``period_from`` to ``period_to`` (both dates included),
    such as complaints by category or the risk register.

    Called when a review is compiled, once per site it covers (every active site for a review
    of the group, whose sections are merged by ``key`` with the site's code before each row);
    an implementation that raises is logged with the plugin's name and left out. The compiled
    inputs are kept as they were, so give figures and short texts, not links or HTML; a title
    or label given with ``lazy_gettext`` is stored in English and shown in the reader's
    language.

    Args:
        site: the ``Site``.
        period_from: the first day of the period (a ``date``).
        period_to: the last day of the period (a ``date``).

    Returns:
        A list of ``ReviewInput(key, title, rows)``: ``key`` namespaced by the plugin,
        ``rows`` a list of ``(label, value)`` pairs of text and numbers.

    Example::

        from core.plugins import ReviewInput, hookimpl

        @hookimpl
        def review_inputs(site, period_from, period_to):
            sold = used_cars_sold(site, period_from, period_to)  # your query
            return [ReviewInput(key="usedcars.sales", title="Used cars sold", rows=[("Sold", sold)])]
    """


@hookspec
def dashboard_kpis(site, user):
    """KPI tiles the dashboard shows for ``site``.

    Called for each dashboard view; an implementation that raises is logged with the
    plugin's name and left out. Tiles are grouped by ``Kpi.group``. The metrics area shows
    every measured metric this way; a plugin rarely needs it (its metrics already show),
    except for a figure that is not a metric.

    Args:
        site: the site shown (``None``: no tiles, the group office picks a site).
        user: the signed-in user.

    Returns:
        A list of ``Kpi``.

    Example::

        from core.plugins import Kpi, hookimpl, metric_url

        @hookimpl
        def dashboard_kpis(site, user):
            if site is None:
                return []
            return [Kpi(label="Cars in stock over 90 days", value=str(count_over_90(site)), group="Used cars",
                        url=metric_url("usedcars.stock_age", site))]
    """


@hookspec
def trail_scope(user):
    """Which of this plugin's records ``user`` may see in the audit trail.

    Called for each listing of the trail (the trail page, ``GET /api/v1/trail``) by someone
    who is not an administrator. The trail is filtered by entity type: for each type this
    returns, only the events of the records it selects are shown. A quality officer or an
    auditor sees the events of the types no plugin scopes as well; a department head sees
    only events of scoped types — the records their department and site let them read.
    Not tolerant: an implementation that raises stops the listing (a :class:`PluginError`
    naming the plugin), as leaving its filter out would show every event of its records.

    Args:
        user: the user reading the trail.

    Returns:
        A dict: entity type (``__trail_entity__``, or the model's name in snake case) → a
        SQLAlchemy ``select`` of the ids of the records of that type the user may read,
        as text (the trail keeps ids as strings); or, faster, a ``TrailSites``: the records
        at some sites, tested on the site each event keeps (the model's ``__trail_site__``),
        optionally narrowed by a ``within`` select and widened by a ``plus`` select of ids.
        An id-select makes the trail page look every event it passes up in your table, so
        its time grows with the data; a ``TrailSites`` rule does not.

    Example::

        from core.plugins import TrailSites, hookimpl

        @hookimpl
        def trail_scope(user):
            # Appraisals are read at the reader's site (every site from the group office),
            # and their own wherever they are: select(cast(Appraisal.id, String)).where(...)
            sites = None if user.site_id is None else [user.site_id]
            return {"appraisal": TrailSites(sites, plus=appraisals_by(user))}
    """


@hookspec
def search_sources():
    """The kinds of record this plugin lets search find, and who may read each.

    Called when search indexes or answers a query. The core keeps one index of every
    source's documents (text cut into Chinese character pairs and words, see
    `docs/search.md`), follows each commit that changes one of a source's ``models``, and
    answers a query only with the records ``readable(user)`` selects, so the rule must be the
    one the record's page enforces. Not tolerant: a source that fails stops the query (a
    :class:`PluginError` naming the plugin), as leaving its filter out would show titles of
    records the user may not open. A kind named twice stops it too.

    Returns:
        A list of ``SearchSource``.

    Example::

        from core.plugins import SearchDocument, SearchSource, hookimpl

        def appraisal_documents(keys):
            # keys None: every appraisal (a reindex); else those a commit changed.
            for appraisal in appraisals(keys):
                yield SearchDocument(key=str(appraisal.id), title=appraisal.title, body=appraisal.notes,
                                     url=f"/p/usedcars/appraisals/{appraisal.id}", site_id=appraisal.site_id)

        @hookimpl
        def search_sources():
            return [SearchSource(kind="usedcars.appraisal", label="Appraisal", documents=appraisal_documents,
                                 models=(Appraisal,), keys_of=lambda appraisal: [appraisal.id],
                                 # Your query: select(cast(Appraisal.id, String)).where(<the user's site>)
                                 readable=readable_appraisal_ids)]
    """


@hookspec
def register_job_kinds():
    """Kinds of background job this plugin runs (long work that must not block a web worker).

    Called once at start-up; the names are namespaced by the plugin like every key. A job
    of a kind runs in a worker process, where ``run`` gets the job's context
    (``params``, ``folder``, ``progress(done, total, message)``) and returns the name of the
    file it wrote into ``context.folder``. See `docs/jobs.md`.

    Returns:
        A list of ``JobKind``.

    Example::

        from core.plugins import JobKind, hookimpl

        def build_report(context):
            path = context.folder / "report.pdf"
            write_report(context.params["site"], path, progress=context.progress)
            return path.name

        @hookimpl
        def register_job_kinds():
            return [JobKind(name="usedcars.report", run=build_report, title="Stock report",
                            describe=lambda params: params.get("site", ""))]
    """


@hookspec
def prepare_job_worker():
    """Get a long-lived job worker ready for this plugin's kinds of job, once, as it starts.

    Called in ``dealerqms worker`` (``JOBS_RUNNER = "rq"``) when it starts, in a background
    thread with an app context but no request, before the worker forks the process of its
    first job: every job's process is forked from the worker, so it starts with whatever is
    loaded here — modules imported, caches filled, helper processes started — instead of
    paying for them itself. Never called in the web app, the commands or a job's own process:
    creating the app stays as fast as it is. Keep it to what makes jobs faster; touch no
    records (the worker's database connections are not the jobs'). An implementation that
    raises is logged with its plugin's name, and the jobs then pay for what it would have
    loaded. See `docs/jobs.md`.

    Returns:
        Nothing.

    Example::

        from core.plugins import hookimpl

        @hookimpl
        def prepare_job_worker():
            # Every job's process is forked from the worker: the parser the report job
            # uses is imported and warmed here once, not in each job.
            import xml.etree.ElementTree as ElementTree

            ElementTree.fromstring("<stock><car vin='LSVAU2180N2183294'/></stock>")
    """


@hookspec
def pack_sections(audit):
    """Extra sections for an audit's evidence pack.

    Called while the pack is built (in a background worker, with an app context but no
    request). Unlike page hooks, an error here stops the pack with a message naming the
    plugin: an evidence pack is complete or not made.

    Args:
        audit: the audit the pack is for.

    Returns:
        A list of ``PackSection`` (print-ready HTML: fixed table layout, no flexbox, no
        scripts, no external resources).

    Example::

        from markupsafe import escape

        from core.plugins import PackSection, hookimpl

        @hookimpl
        def pack_sections(audit):
            if "SALES" not in audit.department_codes:
                return []
            rows = "".join(f"<tr><td>{escape(car['vin'])}</td></tr>" for car in old_stock(audit.site))
            return [PackSection(title="Used-car stock over 90 days", html=f"<table>{rows}</table>")]
    """


@hookspec(firstresult=True)
def compute_metric(metric, site, period):
    """The value of a computed metric for one site and period.

    ``firstresult``: the first implementation that returns something other than ``None``
    decides; return ``None`` for metrics that are not yours. Called when a form submission
    of the period arrives and when someone asks for a recomputation. Return ``None`` too
    when there is nothing to compute from (no value is better than a misleading zero); a
    value that is not a number is logged and ignored.

    Args:
        metric: the ``Metric`` definition.
        site: the site.
        period: the period as text, ``"YYYY-MM"`` (the first month of a quarterly or yearly
            metric's period).

    Returns:
        A number, or ``None``.

    Example::

        from core.plugins import hookimpl, submissions_in_period

        @hookimpl
        def compute_metric(metric, site, period):
            if metric.key != "usedcars.history_checked":
                return None
            records = submissions_in_period("usedcars.appraisal_record", site, period, metric.period)
            if not records:
                return None
            return sum(1 for r in records if r.get("history_checked")) * 100 / len(records)
    """


@hookspec
def form_submitted(submission):
    """Event: a form submission was stored (called after commit).

    What the implementation writes is committed when it returns (or rolled back when it
    raises), separately from the submission itself. To turn a finding into a nonconformity,
    call ``raise_nonconformity`` (see ``create_nonconformity``).

    Args:
        submission: the stored form submission (``id``, ``form_key``, ``form_version``,
            ``site``, ``period``, ``data``, ``submitted_by``, ``submitted_at``).

    Returns:
        Nothing.

    Example::

        from core.plugins import hookimpl

        @hookimpl
        def form_submitted(submission):
            if submission.form_key == "usedcars.appraisal_record" and submission.data["condition"] == 1:
                schedule_inspection(submission.site, submission.data["vin"])
    """


@hookspec(firstresult=True)
def create_nonconformity(title, description, severity, site, department, source, source_ref, raised_by):
    """Raise a nonconformity (a capability, not an event): the audits feature answers it.

    Area plugins never import the audits package; they call ``raise_nonconformity``, which
    calls this hook and raises ``CapabilityMissing`` when no installed plugin provides it.
    ``firstresult``: the first implementation that returns a reference decides. The NC is
    written in the caller's unit of work (inside ``form_submitted`` it is committed when the
    event handler returns); ``nonconformity_raised`` fires after that commit.

    Args:
        title: a one-line title (at most 300 characters).
        description: what was found, as text.
        severity: ``"minor"`` or ``"major"``.
        site: the site's code (``"MAIN"``).
        department: the code of the department responsible (``"AFTERSALES"``, see ``DEPARTMENTS``).
        source: ``"complaint"``, ``"metric"``, ``"manual"`` or ``"plugin:<name>"``.
        source_ref: what the NC comes from, e.g. ``"form-submission:42"``, or ``None``.
        raised_by: the login of the user it is raised for, or ``None`` for the system.

    Returns:
        The new NC's reference (``"NC-2026-0042"``), or ``None`` from an implementation that
        does not raise NCs. Invalid fields raise ``ValidationFailed`` naming the field.

    Example::

        from core.plugins import hookimpl, raise_nonconformity

        @hookimpl
        def form_submitted(submission):
            if submission.form_key == "usedcars.appraisal_record" and submission.data["history_checked"] is False:
                raise_nonconformity(title=f"Trade-in {submission.data['vin']} appraised without its history",
                                    description="UC-PR-001 §4 asks for the service history.", severity="minor",
                                    site=submission.site.code, department="SALES", source="plugin:usedcars",
                                    source_ref=f"form-submission:{submission.id}",
                                    raised_by=submission.submitted_by.login)
    """


@hookspec(firstresult=True)
def acknowledgement_completion(site, period):
    """Count the read-and-understood acknowledgements due at a site (a capability, not an event):
    document control answers it.

    Area plugins never import the procedures package; they call ``procedure_acknowledgements``,
    which calls this hook and raises ``CapabilityMissing`` when no installed plugin provides it.
    ``firstresult``: the first implementation that returns counts decides.

    Counted at the end of the month (midnight on the site's clock, its time zone), or now for a
    month not over yet: each active person working at the site owes one acknowledgement for each
    procedure in force there then (the group's and the site's own, not withdrawn) whose
    distribution names their department or one of their roles, of the revision in force then;
    it counts as given when that person signed it before that moment. A new revision starts a
    new round, and an acknowledgement of the one it superseded no longer counts.

    Args:
        site: the ``Site``.
        period: the month, ``"YYYY-MM"``.

    Returns:
        A pair of whole numbers ``(due, given)``, or ``None`` from an implementation that does
        not keep read-and-understood records.

    Example::

        from core.plugins import hookimpl, procedure_acknowledgements

        @hookimpl
        def compute_metric(metric, site, period):
            if metric.key != "usedcars.procedures_read":
                return None
            due, given = procedure_acknowledgements(site, period)
            return given * 100 / due if due else None
    """


@hookspec
def nonconformity_raised(nc):
    """Event: a nonconformity was raised (called after commit).

    Args:
        nc: the new nonconformity (``reference``, ``title``, ``severity``, ``site``,
            ``department``, ``source``, ``source_ref`` …).

    Returns:
        Nothing.

    Example::

        from core.plugins import hookimpl, nonconformity_url

        @hookimpl
        def nonconformity_raised(nc):
            if nc.severity == "major":
                notify_group_quality(nc.reference, nonconformity_url(nc.reference))
    """


@hookspec
def nonconformity_closed(nc):
    """Event: a nonconformity was closed (called after commit).

    Args:
        nc: the closed nonconformity (``closed_at`` is set).

    Returns:
        Nothing.

    Example::

        import logging

        from core.plugins import hookimpl

        log = logging.getLogger(__name__)

        @hookimpl
        def nonconformity_closed(nc):
            log.info("%s closed after %s days", nc.reference, (nc.closed_at - nc.raised_at).days)
    """


@hookspec
def revision_effective(revision):
    """Event: a procedure revision became effective (called after commit).

    The revision it replaced is superseded in the same transaction.

    Args:
        revision: the now-effective revision (``procedure``, ``number``, ``title``,
            ``effective_date`` …).

    Returns:
        Nothing.

    Example::

        from core.plugins import hookimpl, procedure_url

        @hookimpl
        def revision_effective(revision):
            if revision.procedure.code.startswith("UC-"):
                schedule_briefing(revision.procedure.code, procedure_url(revision.procedure.code))
    """


@hookspec
def audit_reported(audit):
    """Event: an audit's report was signed and issued (called after commit).

    Args:
        audit: the reported audit (``reference``, ``site``, ``department_codes``,
            ``reported_at`` …).

    Returns:
        Nothing.

    Example::

        from core.plugins import hookimpl

        @hookimpl
        def audit_reported(audit):
            send_summary_to_dealer_principal(audit.reference, audit.site.code)
    """


@hookspec
def populate_instance(demo):
    """Event: ``dealerqms init`` has put the core's defaults in place.

    Add the plugin's starting content here; it must be safe to run again (``init`` is
    repeated on every upgrade). Called after the default site, departments and admin exist;
    what the implementation adds is committed when it returns. With ``--demo``, add demo
    records with ``demo_sites()``, ``demo_random(area, site, month)`` and
    ``submit_forms(entries)`` (see "Helpers" below): the demo must tell the same story on
    every date it is built, so draw each month from its own ``demo_random`` and give every
    form a computed metric reads enough submissions in every month by construction.

    Args:
        demo: ``True`` when ``--demo`` was given: also add demonstration records
            (measurements, submissions) to the demo sites.

    Returns:
        Nothing.

    Example::

        from core.plugins import demo_random, demo_sites, hookimpl, local_time, submissions_in_period, submit_forms

        @hookimpl
        def populate_instance(demo):
            for site in demo_sites() if demo else []:
                if submissions_in_period("usedcars.appraisal_record", site, site.months[0]):
                    continue  # added by an earlier init --demo
                for month in site.months:
                    rng = demo_random("usedcars", site, month)
                    year, number = int(month[:4]), int(month[5:])
                    # Four appraisals a month at least, by construction: every month of the KPI has a value.
                    submit_forms([{"form_key": "usedcars.appraisal_record", "data": appraisal(rng, site, month),
                                   "site": site.code, "submitted_by": site.logins["SALES"][0],
                                   "submitted_at": local_time(year, number, rng.randint(1, 28), 10)}
                                  for _ in range(4 + rng.randint(0, 3))])
    """


@hookspec
def generate_demo_data(scale, loader):
    """Add this plugin's records to ``dealerqms demo-data`` (synthetic data for demos and benchmarks).

    Called once, inside the one transaction of the whole generation, after the core has made
    the sites and users and before it makes the form submissions and measurements. Write
    rows only through ``loader``: it inserts them in bulk and records their audit-trail
    events (an ORM write here would fork the trail and is refused). An exception rolls the
    whole generation back; raise ``Conflict`` to refuse an instance that already holds this
    plugin's business records. See `docs/demo-data.md`.

    Args:
        scale: the size of the chosen scale (``scale.name`` is ``small``, ``medium`` or
            ``large``; ``scale.procedures``, ``scale.audits`` … are the counts of the quality
            bar's table).
        loader: the bulk loader: ``loader.insert(Model, rows)`` → ids,
            ``loader.event(Model, id, {attribute: (old, new)})`` for a later change,
            ``loader.random`` (seeded), ``loader.now``, ``loader.sites``, ``loader.users``,
            ``loader.users_with(role)``, ``loader.departments``.

    Returns:
        Nothing.

    Example::

        from core.plugins import hookimpl

        @hookimpl
        def generate_demo_data(scale, loader):
            rows = [{"site_id": site.id, "vin": make_vin(loader.random), "appraised_at": loader.now}
                    for site in loader.sites for _ in range(scale.audits)]
            loader.insert(Appraisal, rows)
    """
