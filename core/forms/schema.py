"""A form definition as JSON: the description the API serves (and the copy
stored with each version), and the JSON Schema of a submission's data."""

from __future__ import annotations

import hashlib
import json

from core.plugin_engine.types import Field, Form


def describe_field(field: Field) -> dict:
    described = {
        "key": field.key,
        "label": str(field.label),
        "type": field.type,
        "required": field.required,
        "help": str(field.help) if field.help else "",
    }
    if field.choices:
        described["choices"] = [{"value": value, "label": str(label)} for value, label in field.choices]
    if field.min is not None:
        described["min"] = field.min
    if field.max is not None:
        described["max"] = field.max
    if field.scale is not None:
        described["scale"] = list(field.scale)
    if field.fields:
        described["fields"] = [describe_field(sub) for sub in field.fields]
    if field.visible_when is not None:
        described["visible_when"] = {"field": field.visible_when[0], "value": field.visible_when[1]}
    return described


def describe(definition: Form) -> dict:
    """Key, title, version and fields, with texts in the current language."""
    return {
        "key": definition.key,
        "title": str(definition.title),
        "version": definition.version,
        "description": str(definition.description) if definition.description else "",
        "area": definition.area,
        "fields": [describe_field(field) for field in definition.fields],
    }


def definition_sha256(described: dict) -> str:
    encoded = json.dumps(described, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


_TYPES = {
    "text": {"type": "string"},
    "textarea": {"type": "string"},
    "select": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "rating": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "boolean": {"type": "boolean"},
    "email": {"type": "string", "format": "email"},
    "phone": {"type": "string"},
    "vin": {"type": "string", "pattern": "^[A-HJ-NPR-Z0-9]{17}$"},
}


def _property(field: Field) -> dict:
    if field.type == "group":
        schema = {"type": "array", "items": _object(field.fields)}
        if field.min is not None:
            schema["minItems"] = int(field.min)
        if field.max is not None:
            schema["maxItems"] = int(field.max)
    elif field.type == "multiselect":
        schema = {"type": "array", "uniqueItems": True, "items": {"enum": list(field.choice_values)}}
    else:
        schema = dict(_TYPES[field.type])
    if field.type == "select":
        schema["enum"] = list(field.choice_values)
    if field.type in ("integer", "decimal"):
        if field.min is not None:
            schema["minimum"] = field.min
        if field.max is not None:
            schema["maximum"] = field.max
    if field.type == "rating":
        schema["minimum"], schema["maximum"] = field.scale
    schema["title"] = str(field.label)
    if field.help:
        schema["description"] = str(field.help)
    return schema


def _object(fields) -> dict:
    required = [field.key for field in fields if field.required and field.visible_when is None]
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {field.key: _property(field) for field in fields},
    }
    if required:
        schema["required"] = required
    return schema


def json_schema(definition: Form) -> dict:
    """JSON Schema (2020-12) of ``data`` in ``POST /api/v1/forms/{key}/submissions``.

    Conditional fields are left out of ``required``: they are required only
    while their condition holds, which the server checks.
    """
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": str(definition.title),
        **_object(definition.fields),
    }
