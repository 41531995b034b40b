"""Read access to the core's records for plugins, so that a plugin never
imports the core's internals (only ``core.plugins``)."""

from __future__ import annotations


def submissions_in_period(form_key: str, site, period: str, span: str = "month") -> list[dict]:
    """The data of every submission of ``form_key`` at ``site`` in ``period`` (``YYYY-MM``).

    A quarterly or yearly metric passes its ``metric.period`` as ``span``: the
    submissions of the whole quarter or year that starts at ``period``.

    For ``compute_metric`` implementations::

        @hookimpl
        def compute_metric(metric, site, period):
            if metric.key == "sales.nps":
                answers = submissions_in_period("sales.survey", site, period)
                return nps([a["recommend"] for a in answers]) if answers else None
    """
    from core.forms.services import period_data

    return period_data(form_key, site, period, span)
