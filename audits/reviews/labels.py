"""The words of a management review that the trail shows too: its states and the kinds of
its outputs. Kept apart from the services and the compiled inputs so that start-up, which
builds the trail's entities (:mod:`audits.reviews.history`), loads only these."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATE_LABELS = {
    "planned": _l("planned"),
    "compiled": _l("inputs compiled"),
    "held": _l("held"),
    "signed": _l("signed"),
}

OUTPUT_KIND_LABELS = {
    "improvement": _l("Improvement action"),
    "objective": _l("Quality objective"),
    "nonconformity": _l("Nonconformity"),
}
