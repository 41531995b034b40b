"""Metric definitions, measurements, site targets and series as JSON."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from core.accounts.api import KeyOf
from core.accounts.services import site_by_code
from core.api import Integer, NonEmptyString, Number, QueryBoolean, UTCDateTime, api_user, may_refuse, token_required
from core.api.schemas import Pattern
from core.database import commit
from core.errors import NotFound, ValidationFailed
from core.forms.api import site_in_body
from core.metrics import services
from core.metrics.models import Source
from core.metrics.routes import api as bp


class MetricSchema(Schema):
    key = fields.String()
    name = fields.Function(lambda metric: str(metric.name))
    unit = fields.Function(lambda metric: str(metric.unit))
    direction = fields.String(metadata={"description": "`higher` or `lower` is better."})
    target = fields.Float()
    warning = fields.Float(allow_none=True)
    period = fields.String(metadata={"description": "`month`, `quarter` or `year`."})
    computed = fields.Boolean(metadata={"description": "Computed from form submissions; refuses manual values."})
    formula = fields.Function(lambda metric: str(metric.formula))
    area = fields.String()


class MeasurementSchema(Schema):
    metric = fields.String(attribute="metric_key", dump_only=True)
    site = KeyOf("code")
    period = fields.String(dump_only=True)
    value = fields.Float(dump_only=True)
    status = fields.Method("_status", dump_only=True)
    source = fields.String(dump_only=True)
    entered_by = KeyOf("login")
    entered_at = UTCDateTime(dump_only=True)
    corrected_at = UTCDateTime(dump_only=True, allow_none=True)
    correction_reason = fields.String(dump_only=True, allow_none=True)
    row_version = fields.Integer(dump_only=True, metadata={"description": "Send it back with a correction."})

    def _status(self, measurement):
        metric = services.definition(measurement.metric_key)
        return services.status(metric, services.thresholds_for(metric, measurement.site), measurement.value)


# YYYY-MM; the service checks what the metric's period allows (a quarter's first month, January).
PERIOD = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def _period(**kwargs):
    return fields.String(validate=Pattern(PERIOD, error="{input!r} is not a period; write it as YYYY-MM"), **kwargs)


class MeasurementCreateSchema(Schema):
    site = NonEmptyString(required=True)
    period = _period(required=True, metadata={"description": "YYYY-MM."})
    value = Number(required=True, metadata={"description": "A number."})


class MeasurementCorrectionSchema(Schema):
    value = Number(required=True, metadata={"description": "The corrected number."})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    row_version = Integer(required=True)


class MetricRecomputeSchema(Schema):
    site = NonEmptyString(required=True)
    period = _period(required=True, metadata={"description": "YYYY-MM."})


class MetricTargetSchema(Schema):
    metric = fields.String(attribute="metric_key", dump_only=True)
    site = KeyOf("code")
    target = Number(required=True)
    warning = Number(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    row_version = Integer(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The version you read; required when the site has an override already (422 without it, "
            "409 when stale), left out for a first one."
        },
    )


class SeriesPointSchema(Schema):
    period = fields.String()
    value = fields.Float()
    status = fields.String(metadata={"description": "`green`, `amber` or `red`."})


class MetricSeriesArgs(Schema):
    site = NonEmptyString(required=True)
    period_from = _period(data_key="from", metadata={"description": "YYYY-MM, inclusive."})
    period_to = _period(data_key="to", metadata={"description": "YYYY-MM, inclusive."})


class MeasurementImportArgs(Schema):
    import_valid_rows = QueryBoolean(
        load_default=False, metadata={"description": "Import the valid rows even when others have errors."}
    )


class MeasurementImportReportSchema(Schema):
    rows = fields.Integer()
    imported = fields.Integer()
    errors = fields.List(fields.Dict(), metadata={"description": "`row` (the header is row 1), `column`, `message`."})


def _number(value, name="value"):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed.field(name, _("write a number, such as 42 or 3.5"))
    return value


@bp.route("")
@token_required()
@bp.response(200, MetricSchema(many=True))
def list_metrics():
    """Every metric the plugins define."""
    return services.definitions()


@bp.route("/<plugin_key:key>")
@token_required()
@bp.response(200, MetricSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_metric(key):
    """One metric definition (the plugin's target; sites may override it)."""
    return services.definition(key)


@bp.route("/<plugin_key:key>/measurements", methods=["POST"])
@token_required(guard=lambda user, key: services.entry_refusal(user, services.definition(key)))
@bp.arguments(MeasurementCreateSchema)
@bp.response(201, MeasurementSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
@may_refuse(bp, 403)
def create_measurement(body, key):
    """Record a value; 409 when the period has one already (correct it with PUT) or the metric is computed."""
    metric = services.definition(key)
    site = site_in_body(body["site"])
    measurement = services.record(api_user(), metric, site, body["period"], _number(body["value"]), source=Source.API)
    commit()
    return (
        measurement,
        201,
        {"Location": url_for(".get_measurement", key=key, site=site.code, period=measurement.period)},
    )


@bp.route("/<plugin_key:key>/measurements/<site>/<period:period>")
@token_required()
@bp.response(200, MeasurementSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_measurement(key, site, period):
    """One measurement."""
    return services.measurement_at(services.definition(key), site_by_code(site.upper()), period, reader=api_user())


@bp.route("/<plugin_key:key>/measurements/<site>/<period:period>", methods=["PUT"])
@token_required(
    guard=lambda user, key, site, period: services.correction_refusal(
        user, services.definition(key), site_by_code(site.upper()), period
    )
)
@bp.arguments(MeasurementCorrectionSchema)
@bp.response(200, MeasurementSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
@may_refuse(bp, 403)
def correct_measurement(body, key, site, period):
    """Correct a value: the same row changes; the trail keeps the old value and the reason."""
    measurement = services.measurement_at(services.definition(key), site_by_code(site.upper()), period)
    services.correct(
        api_user(), measurement, _number(body["value"]), reason=body["reason"], row_version=body["row_version"]
    )
    commit()
    return measurement


@bp.route("/<plugin_key:key>/recompute", methods=["POST"])
@token_required(guard=lambda user, key: services.entry_refusal(user, services.definition(key)))
@bp.arguments(MetricRecomputeSchema)
@bp.response(200, MeasurementSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
@may_refuse(bp, 403)
def recompute(body, key):
    """Recompute a computed metric for a site and period from the form submissions."""
    metric = services.definition(key)
    site = site_in_body(body["site"])
    measurement = services.recompute_on_demand(api_user(), metric, site, body["period"])
    commit()
    if measurement is None:
        raise NotFound(
            _(
                "No form submission to compute %(metric)s from for %(site)s in %(period)s.",
                metric=metric.name,
                site=site.code,
                period=body["period"],
            )
        )
    return measurement


@bp.route("/<plugin_key:key>/targets/<site>", methods=["PUT"])
@token_required(guard=lambda user, key, site: services.target_refusal(user, site_by_code(site.upper())))
@bp.arguments(MetricTargetSchema)
@bp.response(200, MetricTargetSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def set_target(body, key, site):
    """A site's own target and warning threshold (quality officers; the reason goes into the trail)."""
    override = services.set_site_target(
        api_user(),
        services.definition(key),
        site_by_code(site.upper()),
        target=_number(body["target"], "target"),
        warning=None if body["warning"] is None else _number(body["warning"], "warning"),
        reason=body["reason"],
        row_version=body["row_version"],
    )
    commit()
    return override


@bp.route("/<plugin_key:key>/series")
@token_required()
@bp.arguments(MetricSeriesArgs, location="query")
@bp.response(200, SeriesPointSchema(many=True))
@bp.alt_response(404, response="NOT_FOUND")
def series(args, key):
    """Values by period with their status (against the site's target)."""
    metric = services.definition(key)
    return services.series(
        metric, site_in_body(args["site"]), period_from=args.get("period_from"), period_to=args.get("period_to")
    )


@bp.route("/imports", methods=["POST"])
@token_required(guard=lambda user: services.entry_refusal(user))
@bp.arguments(MeasurementImportArgs, location="query")
@bp.response(200, MeasurementImportReportSchema)
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def import_measurements(args):
    """Import a CSV (`metric,site,period,value`) sent as the multipart field `file` or as `text/csv`.

    With any bad row nothing is imported (the report says which rows and
    columns) unless `import_valid_rows=true`; answers 422 with the report
    when nothing was imported because of errors.
    """
    from flask import request

    upload = request.files.get("file")
    text = (upload.read() if upload else request.get_data()).decode("utf-8-sig", errors="replace")
    report = services.import_csv(api_user(), text, import_valid_rows=args["import_valid_rows"])
    commit()
    if report.errors and not report.imported:
        raise ValidationFailed(
            _("%(count)s row(s) have errors; nothing was imported.", count=len(report.errors)),
            errors=[{"field": f"row {e['row']}.{e['column']}", "message": e["message"]} for e in report.errors],
        )
    return report
