"""KPI pages: overview per site, one metric's trend, the group comparison,
entry, correction, recomputation, site targets and CSV import. Thin: the
rules are in :mod:`core.metrics.services`."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core import charts
from core.accounts.models import Role, Site
from core.accounts.permissions import Permission, can
from core.database import commit, db
from core.errors import DomainError, authorize, enforce
from core.metrics import dashboard, services
from core.metrics.forms import (
    CorrectionForm,
    ImportForm,
    MeasurementForm,
    RecomputeForm,
    TargetForm,
)
from core.metrics.history import SOURCE_LABELS
from core.metrics.routes import pages as bp
from core.plugin_engine import manager
from core.web.dashboard import panels
from core.web.forms_support import refusal_status

PAGE_PERIODS = 36

# The audits package raises nonconformities; the button appears only when it is installed.
NC_ENDPOINT = "audits.new_nonconformity"


def _user():
    return current_user._get_current_object()


def _sites():
    return db.session.execute(db.select(Site).filter_by(active=True).order_by(Site.code)).scalars().all()


def _site(code: str | None = None) -> Site | None:
    code = code if code is not None else request.args.get("site")
    if code:
        site = db.session.execute(db.select(Site).filter_by(code=code.upper())).scalar_one_or_none()
        if site is None:
            abort(404)
        return site
    if current_user.site is not None:
        return current_user.site
    sites = _sites()
    return sites[0] if sites else None


def nc_url(metric_key: str, site: Site, period: str) -> str | None:
    """Where to raise a nonconformity from a red measurement, or None when no package offers it."""
    if NC_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(NC_ENDPOINT, source="metric", metric=metric_key, site=site.code, period=period)


def may_enter(metric, site=None) -> bool:
    return services.entry_refusal(_user(), metric, site) is None


def _panels(site: Site | None, area: str | None):
    """What plugins show below the KPIs of ``site`` (of one area): the audits area's Pareto of NC root causes."""
    return panels(manager.kpi_panels(site, area, _user()), site) if site is not None else []


# The months the KPI page's picker offers, newest first.
PICKER_MONTHS = 24


def _month() -> str | None:
    """The month a reader picked (``?period=YYYY-MM``), or None for the default (the last complete period)."""
    picked = request.args.get("period") or None
    if picked is not None and not services.PERIOD.match(picked):
        abort(404)
    return picked


@bp.route("/")
def index():
    site = _site()
    area = request.args.get("area") or None
    month = _month()
    current = services.current_period()
    return render_template(
        "metrics/index.html",
        site=site,
        sites=_sites(),
        area=area,
        month=month,
        months=[services.add_months(current, -n) for n in range(PICKER_MONTHS)],
        current_month=current,
        areas=dashboard.areas(site),
        groups=dashboard.grid(site, area=area, month=month),
        panels=_panels(site, area),
        may_import=can(_user(), Permission.ENTER_MEASUREMENTS),
    )


def _metric_page(metric, site, *, entry=None, recompute=None, status=200):
    # The latest periods only: years of monthly values make an unreadable chart
    # and a slow page; the API's series has them all.
    rows = services.series_rows(metric, site, limit=PAGE_PERIODS)
    points = services.series(metric, site, period_from=rows[-1].period) if rows else []
    thresholds = services.thresholds_for(metric, site)
    chart = (
        charts.trend_svg(
            title=f"{metric.name} · {site.code}",
            periods=[p.period for p in points],
            values=[p.value for p in points],
            target=thresholds.target,
            warning=thresholds.warning,
            direction=metric.direction,
            unit=str(metric.unit),
            statuses=[p.status for p in points],
            **dashboard.chart_numbers(metric),
        )
        if points
        else None
    )
    allowed = may_enter(metric, site)
    if entry is None and allowed and not metric.computed:
        entry = MeasurementForm(site=site.code, period=services.current_period())
    if recompute is None and allowed and metric.computed:
        recompute = RecomputeForm(site=site.code, period=services.current_period())
    return render_template(
        "metrics/metric.html",
        metric=metric,
        site=site,
        sites=_sites(),
        chart=chart,
        thresholds=thresholds,
        rows=rows,
        status_of=lambda value: services.status(metric, thresholds, value),
        value_text=dashboard.value_formatter(metric),
        nc_url=nc_url,
        source_labels=SOURCE_LABELS,
        entry=entry if allowed and not metric.computed else None,
        recompute=recompute if allowed and metric.computed else None,
        may_correct=allowed and not metric.computed,
        may_set_target=Role.QUALITY_OFFICER in _user().roles,
        # A metric of no area belongs to no part of the site the panels could narrow to.
        panels=_panels(site, metric.area) if metric.area else [],
    ), status


@bp.route("/<key>")
def metric(key):
    metric = services.definition(key)
    site = _site()
    if site is None:
        abort(404)
    return _metric_page(metric, site)


@bp.route("/<key>/measurements", methods=["POST"])
def record(key):
    metric = services.definition(key)
    authorize(services.entry_refusal(_user(), metric))
    form = MeasurementForm()
    site = _site(form.site.data or "")
    if form.validate_on_submit():
        try:
            services.record(_user(), metric, site, form.period.data, form.value.data)
            commit()
            flash(
                _("Recorded %(value)s for %(period)s.", value=f"{form.value.data:g}", period=form.period.data),
                "success",
            )
            return redirect(url_for(".metric", key=key, site=site.code))
        except DomainError as error:
            status = refusal_status(form, error)
            existing = services.find(metric, site, form.period.data)
            if existing is not None and status == 409:
                form.form_errors[:] = [
                    _(
                        "%(period)s already has a value (%(value)s); correct it instead.",
                        period=existing.period,
                        value=f"{existing.value:g}",
                    )
                ]
                form.correct_url = url_for(".correct", key=key, site=site.code, period=existing.period)
            return _metric_page(metric, site, entry=form, status=status)
    return _metric_page(metric, site, entry=form, status=422)


@bp.route("/<key>/measurements/<site>/<period>/correct", methods=["GET", "POST"])
def correct(key, site, period):
    metric = services.definition(key)
    site = _site(site)
    authorize(services.correction_refusal(_user(), metric, site, period))
    measurement = services.measurement_at(metric, site, period)
    form = CorrectionForm(row_version=measurement.row_version) if request.method == "GET" else CorrectionForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.correct(
                _user(), measurement, form.value.data, reason=form.reason.data, row_version=form.row_version.data
            )
            commit()
            flash(_("Corrected %(period)s.", period=period), "success")
            return redirect(url_for(".metric", key=key, site=site.code))
        except DomainError as error:
            status = refusal_status(form, error)
    elif form.is_submitted():
        status = 422
    if request.method == "GET":
        form.value.data = measurement.value
    return render_template("metrics/correct.html", metric=metric, site=site, measurement=measurement, form=form), status


@bp.route("/<key>/recompute", methods=["POST"])
def recompute(key):
    metric = services.definition(key)
    authorize(services.entry_refusal(_user(), metric))
    form = RecomputeForm()
    site = _site(form.site.data or "")
    if form.validate_on_submit():
        try:
            found = services.recompute_on_demand(_user(), metric, site, form.period.data)
            commit()
            if found is None:
                flash(_("There is nothing to compute %(period)s from yet.", period=form.period.data), "warning")
            else:
                flash(_("Recomputed %(period)s: %(value)s.", period=found.period, value=f"{found.value:g}"), "success")
            return redirect(url_for(".metric", key=key, site=site.code))
        except DomainError as error:
            status = refusal_status(form, error)
            return _metric_page(metric, site, recompute=form, status=status)
    return _metric_page(metric, site, recompute=form, status=422)


@bp.route("/<key>/target", methods=["GET", "POST"])
def target(key):
    metric = services.definition(key)
    site = _site()
    enforce(services.target_refusal(_user(), site))
    current = services.thresholds_for(metric, site)
    form = TargetForm()
    if request.method == "GET":
        form.target.data, form.warning.data = current.target, current.warning
        form.row_version.data = current.row_version
    status = 200
    if form.validate_on_submit():
        try:
            services.set_site_target(
                _user(),
                metric,
                site,
                target=form.target.data,
                warning=form.warning.data,
                reason=form.reason.data,
                row_version=form.row_version.data,
            )
            commit()
            flash(_("The target of %(site)s was changed.", site=site.code), "success")
            return redirect(url_for(".metric", key=key, site=site.code))
        except DomainError as error:
            status = refusal_status(form, error)
    elif form.is_submitted():
        status = 422
    return render_template("metrics/target.html", metric=metric, site=site, form=form, current=current), status


@bp.route("/compare")
def compare():
    metrics = services.definitions()
    opening = services.comparison_opening()
    if opening is None:
        return render_template("metrics/compare.html", metrics=[], metric=None, period=None, window=None, chart=None)
    key = request.args.get("metric")
    metric = services.definition(key) if key else opening[0]
    period = request.args.get("period") or services.shown_period(metric)
    try:
        ranked = services.comparison(metric, period)
    except DomainError:
        abort(422)
    worst_first = request.args.get("order") != "best"
    window = services.comparison_window(ranked, worst_first=worst_first, page=request.args.get("page", 1, type=int))
    shown = [item for _place, item in window.rows]
    chart = (
        charts.comparison_svg(
            title=f"{metric.name} · {period}",
            sites=[item.site.code for item in shown],
            values=[item.value for item in shown],
            statuses=[item.status for item in shown],
            target=float(metric.target),
            unit=str(metric.unit),
            **dashboard.chart_numbers(metric),
        )
        if any(i.value is not None for i in shown)
        else None
    )
    return render_template(
        "metrics/compare.html",
        metrics=metrics,
        metric=metric,
        period=period,
        window=window,
        worst_first=worst_first,
        chart=chart,
        value_text=dashboard.value_formatter(metric),
    )


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    authorize(services.entry_refusal(_user()))
    form = ImportForm()
    report, status = None, 200
    if form.validate_on_submit():
        text = form.file.data.read().decode("utf-8-sig", errors="replace")
        try:
            report = services.import_csv(_user(), text, import_valid_rows=form.import_valid_rows.data)
            commit()
            status = 200 if report.ok or report.imported else 422
        except DomainError as error:
            status = refusal_status(form, error, aliases={"file": "file"})
    elif form.is_submitted():
        status = 422
    return render_template("metrics/import.html", form=form, report=report), status
