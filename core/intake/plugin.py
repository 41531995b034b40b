"""Public intake — the customers' survey and complaint pages, and the one-time survey link
each delivery or repair order issues (see docs/intake.md).

Each hook imports what it uses when it is called: importing the hooks stays cheap.
"""

from __future__ import annotations

from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    from core.intake import routes

    return [routes.public, routes.staff]


@hookimpl
def form_submitted(submission):
    from core.forms.models import FormSubmission
    from core.intake import services

    # A transaction (a delivery, a repair order) gets its survey link as soon as it is recorded;
    # anything else announced as a submission (a stand-in in a plugin's test) is none of ours.
    if isinstance(submission, FormSubmission):
        services.issue_tokens(submission)


@hookimpl
def register_trail_entities():
    from core.intake import history

    return list(history.ENTITIES)
