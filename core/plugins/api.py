"""``GET /api/v1/plugins``: the installed plugins, as ``dealerqms plugins --json`` shows them;
``GET /api/v1/checklists[/{key}]``: the audit checklists on offer — the plugins' and the
imported ones (``core.checklists.catalog``), alike."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, fields

from core.api import token_required
from core.checklists import catalog
from core.errors import NotFound
from core.plugin_engine.manager import describe_plugins
from core.plugins.routes import api as bp

# No prefix: the blueprint serves the plugins and what they contribute.


class PluginCountsSchema(Schema):
    checklists = fields.Integer()
    metrics = fields.Integer()
    forms = fields.Integer()
    procedure_templates = fields.Integer()


class PluginSchema(Schema):
    name = fields.String(metadata={"description": "The entry-point name; the namespace of its keys."})
    version = fields.String(allow_none=True)
    builtin = fields.Boolean(metadata={"description": "Whether it ships with dealerqms."})
    hooks = fields.List(fields.String(), metadata={"description": "The hooks it implements."})
    counts = fields.Nested(PluginCountsSchema, metadata={"description": "How many definitions it contributes."})


@bp.route("/plugins")
@token_required()
@bp.response(200, PluginSchema(many=True))
def list_plugins():
    """Loaded plugins by name: version, hooks implemented and what each contributes."""
    return describe_plugins()


class TranslatedText(fields.String):
    """A plugin's text, which may be a lazy translation: rendered in the request's language."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


class QuestionSchema(Schema):
    key = fields.String()
    text = TranslatedText()
    reference = TranslatedText(metadata={"description": "What it checks against (a clause, a procedure code)."})
    guidance = TranslatedText(metadata={"description": "What evidence the auditor looks for."})
    section = fields.String(metadata={"description": "The key of its section, or empty."})
    weight = fields.Float(metadata={"description": "Its share of its section's score (scored scales)."})
    must_pass = fields.Boolean(metadata={"description": "Failing it fails the audit whatever the score."})


class SectionSchema(Schema):
    key = fields.String()
    title = TranslatedText()
    weight = fields.Float(metadata={"description": "Its share of the checklist's score."})


class ChecklistSchema(Schema):
    key = fields.String(
        metadata={"description": "``<plugin>.<name>``, or an imported library's key; what an audit plan names."}
    )
    title = TranslatedText()
    description = TranslatedText()
    area = fields.String(metadata={"description": "The department code it is meant for first, or empty."})
    departments = fields.List(fields.String(), metadata={"description": "Every department it applies to."})
    version = fields.Integer(metadata={"description": "The version audits started now record."})
    origin = fields.String(metadata={"description": "The plugin that contributes it, or `import`."})
    plugin = fields.String(
        allow_none=True, metadata={"description": "The plugin that contributes it; null for an imported checklist."}
    )
    scale = fields.String(metadata={"description": "grades, yes_no, points_0_2, points_0_3 or percent."})
    pass_threshold = fields.Float(allow_none=True, metadata={"description": "The percent an audit needs to pass."})
    sections = fields.List(fields.Nested(SectionSchema))
    questions = fields.List(fields.Nested(QuestionSchema))


class _Shown:
    """A checklist with where it comes from and its departments, found once for a whole list."""

    def __init__(self, checklist, departments: dict):
        self._checklist = checklist
        self.plugin = catalog.plugin_of(checklist.key)
        self.origin = self.plugin or catalog.IMPORTED
        self.departments = list(departments.get(checklist.key, ()))

    def __getattr__(self, name):
        return getattr(self._checklist, name)


@bp.route("/checklists")
@token_required()
@bp.doc(tags=["checklists"])
@bp.response(200, ChecklistSchema(many=True))
def list_checklists():
    """Audit checklists on offer — the plugins' and the imported ones — by key, with their
    questions in the caller's language.

    The language is the request's ``Accept-Language``, else the token user's.
    """
    checklists, departments = catalog.checklists(), catalog.departments()
    return [_Shown(checklists[key], departments) for key in sorted(checklists)]


@bp.route("/checklists/<plugin_key:key>")
@token_required()
@bp.doc(tags=["checklists"])
@bp.response(200, ChecklistSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_checklist(key):
    """One checklist with its sections and questions, in the caller's language."""
    checklist = catalog.checklist(key)
    if checklist is None:
        raise NotFound(_("No installed plugin or imported library offers a checklist '%(key)s'.", key=key))
    return _Shown(checklist, catalog.departments())
