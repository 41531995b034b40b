"""``GET /api/v1/plugins``: the installed plugins, as ``dealerqms plugins --json`` shows them."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from core.api import token_required
from core.plugins.manager import describe_plugins

bp = Blueprint("plugins", __name__, url_prefix="/plugins", description="Installed plugins.")


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


@bp.route("")
@token_required()
@bp.response(200, PluginSchema(many=True))
def list_plugins():
    """Loaded plugins by name: version, hooks implemented and what each contributes."""
    return describe_plugins()
