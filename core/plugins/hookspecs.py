"""The hook specifications: the reference for plugin authors.

Each hook is an empty function whose docstring says when it is called, what
its arguments are, what it returns, and shows an example. An implementation
may take fewer arguments than its specification (only the ones it needs), so
new arguments can be added later without breaking plugins.

``register_*`` hooks are called once at start-up and return lists; events
(``form_submitted`` …) are called after the change they report has been
committed, each implementation on its own, and one that raises is logged
with the plugin's name without failing the request.
"""

import pluggy

hookspec = pluggy.HookspecMarker("dealerqms")


@hookspec
def register_checklists():
    """Audit checklists this plugin contributes.

    Called once at start-up.

    Returns:
        A list of :class:`~core.plugins.Checklist`. Keys start with the
        plugin's name (``<plugin>.<name>``); question keys are unique within
        a checklist. Audits copy the questions when they start, so changing a
        checklist (raise its ``version``) never alters a recorded audit.

    Example::

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

    Called once at start-up.

    Returns:
        A list of :class:`~core.plugins.Metric`, keys ``<plugin>.<name>``.
        A metric with ``computed=True`` gets its values from
        :func:`compute_metric` and refuses manual measurements.

    Example::

        @hookimpl
        def register_metrics():
            return [Metric(key="usedcars.stock_age", name="Average stock age", unit="days",
                           direction="lower", target=45, warning=60)]
    """


@hookspec
def register_forms():
    """Form definitions this plugin contributes.

    Called once at start-up.

    Returns:
        A list of :class:`~core.plugins.Form`, keys ``<plugin>.<name>``.
        Each submission keeps the form's ``version``; raise it when the
        fields change.

    Example::

        @hookimpl
        def register_forms():
            return [Form(key="usedcars.appraisal_record", title="Appraisal record", fields=[
                Field(key="vin", label="VIN", type="vin", required=True),
                Field(key="condition", label="Condition", type="rating", scale=(1, 5)),
            ])]
    """


@hookspec
def register_procedure_templates():
    """Starter procedures this plugin contributes.

    Called once at start-up. The procedure library offers each template as
    the starting point of a new procedure (code, title, department, kind,
    review interval and body filled in), remembering the plugin as its origin.

    Returns:
        A list of :class:`~core.plugins.ProcedureTemplate`; codes are unique
        across all plugins.

    Example::

        @hookimpl
        def register_procedure_templates():
            return [ProcedureTemplate(code="UC-PR-001", title="Used-car appraisal", department="SALES",
                                      body="# Purpose\\n\\nEvery trade-in is appraised …")]
    """


@hookspec
def register_migrations():
    """Folders of Alembic migration scripts for the tables this plugin owns.

    Called when the schema is created or upgraded (``dealerqms init``). Each
    folder holds version scripts whose first revision has
    ``branch_labels = ("<plugin>",)`` and ``down_revision = None`` (or depends
    on a core revision); ``alembic upgrade heads`` applies every branch.

    Returns:
        A list of :class:`pathlib.Path` (or strings) of existing folders.

    Example::

        @hookimpl
        def register_migrations():
            return [Path(__file__).parent / "migrations"]
    """


@hookspec
def register_commands(cli):
    """Add click commands to the ``dealerqms`` command line.

    Called once at start-up with the app's command group (``app.cli``); add
    commands or groups to it. Commands run inside the app context when they
    are decorated with ``flask.cli.with_appcontext``; report a user's mistake
    with ``core.cli.UserError`` (one sentence, exit status 1).

    Arguments:
        cli: the :class:`flask.cli.AppGroup` behind ``dealerqms`` and ``flask --app core``.

    Returns:
        Nothing.

    Example::

        @click.command("appraisals")
        @with_appcontext
        def appraisals():
            click.echo(f"{count_open_appraisals()} appraisals are open.")

        @hookimpl
        def register_commands(cli):
            cli.add_command(appraisals)
    """


@hookspec
def register_translations():
    """Folders of gettext catalogs for this plugin's texts.

    Called once at start-up. Each folder is laid out as ``pybabel compile``
    leaves it (``<locale>/LC_MESSAGES/messages.mo``, with Babel's full locale
    names, e.g. ``zh_Hans_CN`` for ``zh_CN``); the catalogs are merged with
    the core's, so a plugin translates only its own strings.

    Returns:
        A list of :class:`pathlib.Path` (or strings) of existing folders.

    Example::

        @hookimpl
        def register_translations():
            return [Path(__file__).parent / "translations"]
    """


@hookspec
def register_blueprints():
    """Flask blueprints with this plugin's own pages.

    Called once at start-up. Each blueprint must be named after the plugin
    (``Blueprint("usedcars", __name__)``) and is mounted under
    ``/p/<plugin>/``; a plugin has at most one (nest further blueprints in it
    if it needs more). Views check permissions themselves
    (``core.accounts.permissions.require``).

    Returns:
        A list of :class:`flask.Blueprint`.

    Example::

        bp = Blueprint("usedcars", __name__, template_folder="templates")

        @bp.route("/")
        @login_required
        def index():
            return render_template("usedcars/index.html")

        @hookimpl
        def register_blueprints():
            return [bp]
    """


@hookspec
def register_api_blueprints():
    """flask-smorest blueprints with this plugin's JSON API.

    Called once at start-up. Each blueprint must be named after the plugin
    and is mounted under ``/api/v1/p/<plugin>/`` (registered as
    ``<plugin>_api``, so it may share its name with the plugin's page
    blueprint); its schemas appear in ``/api/v1/openapi.json``.

    Returns:
        A list of :class:`flask_smorest.Blueprint`.

    Example::

        api = Blueprint("usedcars", __name__, description="Used cars")

        @api.route("/stock")
        @api.response(200, StockSchema(many=True))
        def stock():
            return list_stock()

        @hookimpl
        def register_api_blueprints():
            return [api]
    """


@hookspec
def menu_links(user):
    """Entries for the navigation menu.

    Called for every page that shows the menu.

    Args:
        user: the logged-in :class:`core.accounts.models.User` (check its
            roles to decide what to show; the menu is only shown to users
            who are logged in).

    Returns:
        A list of :class:`~core.plugins.MenuLink` (empty to add nothing).

    Example::

        @hookimpl
        def menu_links(user):
            if user.has_role("quality_officer"):
                return [MenuLink(label="Used cars", endpoint="usedcars.index")]
            return []
    """


@hookspec
def dashboard_panels(site, user):
    """Panels to show on the dashboard.

    Args:
        site: the :class:`core.accounts.models.Site` the dashboard shows.
        user: the logged-in user.

    Returns:
        A list of :class:`~core.plugins.DashboardPanel`: a title with HTML,
        or with the key of a metric whose trend the dashboard draws.

    Example::

        @hookimpl
        def dashboard_panels(site, user):
            return [DashboardPanel(title="Stock age", chart="usedcars.stock_age"),
                    DashboardPanel(title="Cars over 90 days",
                                   html=f"<p>{count_old_stock(site)}</p>")]
    """


@hookspec
def dashboard_overdue(site, user):
    """Overdue work of this plugin's records that the dashboard lists for ``user``.

    Called for each dashboard view; an implementation that raises is logged
    with the plugin's name and left out. The dashboard merges every
    plugin's items, earliest due first, and shows the first 50 (``OVERDUE_SHOWN``).

    Arguments:
        site: the site shown (``None`` for a user of the group office viewing every site).
        user: the signed-in user: list only what they may see and act on.

    Returns:
        A list of :class:`~core.plugins.OverdueItem`; with many items, an
        :class:`~core.plugins.OverdueList` of the earliest 50 whose ``total``
        says how many there are in all.

    Example::

        @hookimpl
        def dashboard_overdue(site, user):
            late = overdue_appraisals(site)
            return OverdueList([OverdueItem(kind="Appraisal", label=a.vin, url=url_for("usedcars.appraisal", id=a.id),
                                            due=a.due) for a in late[:50]], total=len(late))
    """


@hookspec
def dashboard_kpis(site, user):
    """KPI tiles the dashboard shows for ``site``.

    Called for each dashboard view; an implementation that raises is logged
    with the plugin's name and left out. Tiles are grouped by ``Kpi.group``.

    Arguments:
        site: the site shown (``None``: no tiles, the group office picks a site).
        user: the signed-in user.

    Returns:
        A list of :class:`~core.plugins.Kpi`.

    Example::

        @hookimpl
        def dashboard_kpis(site, user):
            return [Kpi(label="Cars in stock over 90 days", value=str(count_over_90(site)), group="Used cars")]
    """


@hookspec
def register_job_kinds():
    """Kinds of background job this plugin runs (long work that must not block a web worker).

    Called once at start-up; the names are namespaced by the plugin like
    every key. A job of a kind is submitted with ``core.jobs.submit`` and
    runs in a worker process, where ``run`` gets the job's context.

    Returns:
        A list of :class:`~core.plugins.JobKind`.

    Example::

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
def pack_sections(audit):
    """Extra sections for an audit's evidence pack.

    Called while the pack is built (in a background worker, with an app
    context but no request). Unlike page hooks, an error here stops the pack
    with a message naming the plugin: an evidence pack is complete or not
    made.

    Args:
        audit: the audit the pack is for.

    Returns:
        A list of :class:`~core.plugins.PackSection` (print-ready HTML).

    Example::

        @hookimpl
        def pack_sections(audit):
            if "SALES" not in audit.department_codes:
                return []
            return [PackSection(title="Used-car stock at the audit date",
                                html=render_template("usedcars/pack.html", audit=audit))]
    """


@hookspec(firstresult=True)
def compute_metric(metric, site, period):
    """The value of a computed metric for one site and period.

    ``firstresult``: the first implementation that returns something other
    than ``None`` decides; return ``None`` for metrics that are not yours.
    Called when a form submission of the period arrives and when someone asks
    for a recomputation.

    Args:
        metric: the :class:`~core.plugins.Metric` definition.
        site: the :class:`core.accounts.models.Site`.
        period: the period as text, ``"YYYY-MM"``.

    Returns:
        A number, or ``None`` when this plugin does not compute that metric
        (or there is nothing to compute from yet).

    Example::

        @hookimpl
        def compute_metric(metric, site, period):
            if metric.key != "usedcars.appraisal_rate":
                return None
            return appraised_trade_ins(site, period) / max(trade_ins(site, period), 1) * 100
    """


@hookspec
def form_submitted(submission):
    """Event: a form submission was stored (called after commit).

    What the implementation writes is committed when it returns (or rolled
    back when it raises), separately from the submission itself.

    Args:
        submission: the stored form submission (``form_key``,
            ``form_version``, ``site``, ``data``, ``submitted_by``).

    Returns:
        Nothing.

    Example::

        @hookimpl
        def form_submitted(submission):
            if submission.form_key == "usedcars.complaint" and submission.data["severity"] == "high":
                raise_nonconformity(title="Used-car complaint", source="plugin:usedcars", …)
    """


@hookspec(firstresult=True)
def create_nonconformity(title, description, severity, site, department, source, source_ref, raised_by):
    """Raise a nonconformity (a capability, not an event): the audits feature answers it.

    Area plugins must not import the audits package; they call
    :func:`core.plugins.raise_nonconformity`, which calls this hook and says
    clearly when no installed plugin provides it. ``firstresult``: the first
    implementation that returns a reference decides. The NC is written in the
    caller's unit of work (inside ``form_submitted`` it is committed when the
    event handler returns); ``nonconformity_raised`` fires after that commit.

    Args:
        title: a one-line title (at most 300 characters).
        description: what was found, as text.
        severity: ``"minor"`` or ``"major"``.
        site: the site's code (``"MAIN"``).
        department: the code of the department responsible (``"AFTERSALES"``).
        source: ``"complaint"``, ``"metric"``, ``"manual"`` or ``"plugin:<name>"``.
        source_ref: what the NC comes from, e.g. ``"form-submission:42"``, or ``None``.
        raised_by: the login of the user it is raised for, or ``None`` for the system.

    Returns:
        The new NC's reference (``"NC-2026-0042"``), or ``None`` from an
        implementation that does not raise NCs. Invalid fields raise
        :class:`core.errors.ValidationFailed` naming the field.

    Example::

        @hookimpl
        def form_submitted(submission):
            if submission.form_key == "usedcars.complaint" and submission.data["severity"] == "high":
                raise_nonconformity(title="Complaint: " + submission.data["subject"],
                                    description=submission.data["details"], severity="major",
                                    site=submission.site.code, department="SALES",
                                    source="plugin:usedcars", source_ref=f"form-submission:{submission.id}")
    """


@hookspec
def nonconformity_raised(nc):
    """Event: a nonconformity was raised (called after commit).

    Args:
        nc: the new nonconformity (``reference``, ``severity``, ``site``,
            ``department``, ``source`` …).

    Returns:
        Nothing.

    Example::

        @hookimpl
        def nonconformity_raised(nc):
            if nc.severity == "major":
                notify_group_quality(nc.reference)
    """


@hookspec
def nonconformity_closed(nc):
    """Event: a nonconformity was closed (called after commit).

    Args:
        nc: the closed nonconformity.

    Returns:
        Nothing.

    Example::

        @hookimpl
        def nonconformity_closed(nc):
            log.info("%s closed after %s days", nc.reference, (nc.closed_at - nc.raised_at).days)
    """


@hookspec
def revision_effective(revision):
    """Event: a procedure revision became effective (called after commit).

    The revision it replaced is superseded in the same transaction.

    Args:
        revision: the now-effective revision (``procedure``, ``number``,
            ``effective_date`` …).

    Returns:
        Nothing.

    Example::

        @hookimpl
        def revision_effective(revision):
            if revision.procedure.code.startswith("UC-"):
                schedule_briefing(revision)
    """


@hookspec
def audit_reported(audit):
    """Event: an audit's report was signed and issued (called after commit).

    Args:
        audit: the reported audit (``reference``, ``site``, findings …).

    Returns:
        Nothing.

    Example::

        @hookimpl
        def audit_reported(audit):
            send_summary_to_dealer_principal(audit.reference)
    """


@hookspec
def populate_instance(demo):
    """Event: ``dealerqms init`` has put the core's defaults in place.

    Add the plugin's starting content here (it must be safe to run again:
    ``init`` is repeated on every upgrade). Called after the default site,
    departments and admin exist; what the implementation adds is committed
    when it returns.

    Args:
        demo: ``True`` when ``--demo`` was given: also add demonstration
            records (measurements, submissions) to the demo site.

    Returns:
        Nothing.

    Example::

        @hookimpl
        def populate_instance(demo):
            if demo:
                add_demo_appraisals(site_by_code("BJ01"))
    """


@hookspec
def generate_demo_data(scale, loader):
    """Add this plugin's records to ``dealerqms demo-data`` (synthetic data for demos and benchmarks).

    Called once, inside the one transaction of the whole generation, after
    the core has made the sites and users and before it makes the form
    submissions and measurements. Write rows only through ``loader``: it
    inserts them in bulk and records their audit-trail events (an ORM write
    here would fork the trail and is refused). An exception rolls the whole
    generation back; raise :class:`~core.errors.Conflict` to refuse an
    instance that already holds this plugin's business records.

    Args:
        scale: the :class:`~core.demodata.Sizes` of the chosen scale
            (``scale.name`` is ``small``, ``medium`` or ``large``;
            ``scale.procedures``, ``scale.audits`` … are the counts of the
            quality bar's table).
        loader: the :class:`~core.demodata.BulkLoader`:
            ``loader.insert(Model, rows)`` → ids, ``loader.event(Model, id,
            {attribute: (old, new)})`` for a later change, ``loader.random``
            (seeded), ``loader.now``, ``loader.sites``, ``loader.users``,
            ``loader.users_with(role)``, ``loader.departments``.

    Returns:
        Nothing.

    Example::

        @hookimpl
        def generate_demo_data(scale, loader):
            rows = [{"site_id": site.id, "vin": make_vin(loader.random), "appraised_at": loader.now}
                    for site in loader.sites for _ in range(scale.audits)]
            loader.insert(Appraisal, rows)
    """
