"""The forms' pages and API. Its routes are tables: mounted at start-up, each view module
loaded on the first request that needs it (:mod:`core.lazy_views`); ``tests/test_lazy_views.py``
checks that every ``@bp.route`` matches its line."""

from __future__ import annotations

from core.lazy_views import LazyApiBlueprint, LazyBlueprint, Route

pages = LazyBlueprint(
    "forms",
    __name__,
    signed_in=True,
    url_prefix="/forms",
    static_folder="static",
    static_url_path="/static",
    routes=[
        Route("/", "core.forms.views:index"),
        Route("/<key>/new", "core.forms.views:fill", methods=("GET", "POST")),
        Route("/<key>/submissions", "core.forms.views:submissions"),
        Route("/<key>/submissions.xlsx", "core.forms.views:export", defaults={"kind": "xlsx"}),
        Route("/<key>/submissions.csv", "core.forms.views:export", defaults={"kind": "csv"}),
        Route("/submissions/<int:submission_id>", "core.forms.views:view"),
        Route("/submissions/<int:submission_id>/follow-up", "core.forms.views:record_follow_up", methods=("POST",)),
        Route("/schedules", "core.forms.views:schedules_index"),
        Route("/schedules/new", "core.forms.views:new_schedule", methods=("GET", "POST")),
        Route("/schedules/<int:schedule_id>/stop", "core.forms.views:stop_schedule", methods=("POST",)),
    ],
)


api = LazyApiBlueprint(
    "forms",
    __name__,
    url_prefix="/forms",
    description="Plugin-defined forms and their submissions.",
    routes=[
        Route("", "core.forms.api:list_forms"),
        Route("/<key>", "core.forms.api:get_form"),
        Route("/<key>/submissions", "core.forms.api:submit", methods=("POST",)),
        Route("/<key>/submissions", "core.forms.api:list_submissions"),
        Route("/<key>/submissions/<int:submission_id>", "core.forms.api:get_submission"),
    ],
)

schedules_api = LazyApiBlueprint(
    "form_schedules",
    __name__,
    description="Recurring forms: schedules and the dues they create.",
    routes=[
        Route("/form-schedules", "core.forms.api:list_schedules"),
        Route("/form-schedules", "core.forms.api:create_schedule", methods=("POST",)),
        Route("/form-schedules/<int:schedule_id>", "core.forms.api:stop_schedule", methods=("DELETE",)),
        Route("/form-dues", "core.forms.api:list_dues"),
    ],
)

follow_ups_api = LazyApiBlueprint(
    "survey_follow_ups",
    __name__,
    description="Follow-ups of customers' low survey scores: open until the head records how the call ended.",
    routes=[
        Route("/follow-ups", "core.forms.api:list_follow_ups"),
        Route("/follow-ups/<int:follow_up_id>", "core.forms.api:get_follow_up"),
        Route("/follow-ups/<int:follow_up_id>/outcome", "core.forms.api:record_follow_up_outcome", methods=("POST",)),
    ],
)
