"""The words of the forms' records that the trail shows too. Kept apart from the services so
that start-up, which builds the trail's entities (:mod:`core.forms.history`), loads only these."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The three ways a call to the customer ends (SA-PR-002 §4.6: the manager contacts the customer).
RESULTS = {
    "resolved": _l("Reached and resolved"),
    "complaint": _l("Reached, not resolved: complaint registered"),
    "unreachable": _l("Could not reach the customer"),
}
