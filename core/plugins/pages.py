"""Addresses of the core's pages that a plugin may link to (a ``MenuLink``,
a dashboard panel, an overdue item), so that it never spells out the core's
URLs or endpoint names.

In a request they are ``flask.url_for``'s; outside one (a ``tick``, a command)
they are the same paths, for a notification's link (e-mail makes it absolute).
"""

from __future__ import annotations

from flask import current_app, has_request_context
from flask import url_for as _request_url_for

from core.paths import path_for
from core.plugin_engine.capabilities import CapabilityMissing


def _url(endpoint: str, **values) -> str:
    return _request_url_for(endpoint, **values) if has_request_context() else path_for(endpoint, **values)


# The endpoints of the core's pages and of the built-in features' pages that
# plugins may link to; tests/test_plugins_api.py checks each resolves.
FORM_ENDPOINT = "forms.fill"
SUBMISSIONS_ENDPOINT = "forms.submissions"
METRIC_ENDPOINT = "metrics.metric"
NONCONFORMITY_ENDPOINT = "audits.nonconformity"
PROCEDURE_ENDPOINT = "procedures.view"


def form_url(form_key: str, site=None, **values) -> str:
    """The page where a user fills in the form ``form_key`` (``/forms/<key>/new``), about ``site``
    when given, starting with ``values`` (field key → value) where a page already knows them."""
    return _url(FORM_ENDPOINT, key=form_key, **({"site": site.code} if site is not None else {}), **values)


def submissions_url(form_key: str, site=None) -> str:
    """The page listing the submissions of ``form_key`` (those of ``site`` when given).

    The full list a dashboard panel that shows its first rows links to
    ("and 40 more").
    """
    return _url(SUBMISSIONS_ENDPOINT, key=form_key, **({"site": site.code} if site is not None else {}))


def metric_url(metric_key: str, site=None) -> str:
    """The page of the metric ``metric_key``: its trend, values and target (at ``site`` when given)."""
    return _url(METRIC_ENDPOINT, key=metric_key, **({"site": site.code} if site is not None else {}))


def nonconformity_url(reference: str) -> str:
    """The page of the nonconformity ``reference`` (``NC-2026-0042``, as ``raise_nonconformity`` returns it).

    Raises :class:`CapabilityMissing` when the feature that keeps
    nonconformities (the built-in audits) is not installed or is blocked.
    """
    return _url(_provided(NONCONFORMITY_ENDPOINT, "nonconformity pages", "audits"), reference=reference)


def procedure_url(code: str) -> str:
    """The page of the procedure ``code`` (``UC-PR-001``): its effective revision.

    Raises :class:`CapabilityMissing` when the procedures feature is not
    installed or is blocked.
    """
    return _url(_provided(PROCEDURE_ENDPOINT, "procedure pages", "procedures"), code=code)


def _provided(endpoint: str, what: str, feature: str) -> str:
    if endpoint not in current_app.view_functions:
        raise CapabilityMissing(
            f"Cannot link to {what}: no installed plugin provides them "
            f"(is the {feature} feature installed and enabled?)."
        )
    return endpoint


__all__ = ["form_url", "metric_url", "nonconformity_url", "procedure_url", "submissions_url"]
