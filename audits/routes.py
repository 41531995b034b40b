"""The audit area's pages and API as tables of routes: mounted at start-up, each view module
loaded on the first request that needs it (:mod:`core.lazy_views`). A view's ``@bp.route``
must match its line here; ``tests/test_lazy_views.py`` checks every one."""

from __future__ import annotations

from audits.labels import SEVERITY_LABELS, STATE_LABELS
from core.lazy_views import LazyApiBlueprint, LazyBlueprint, Route

# ---------------------------------------------------------------- pages

pages = LazyBlueprint(
    "audits",
    __name__,
    signed_in=True,
    template_folder="templates",
    static_folder="static",
    static_url_path="/audits/static",
    url_prefix="/",
    routes=[
        Route("/actions/mine", "audits.views.actions:my_actions"),
        Route("/actions/<int:action_id>", "audits.views.actions:action"),
        Route("/actions/<int:action_id>/complete", "audits.views.actions:complete_action", methods=("POST",)),
        Route("/actions/<int:action_id>/verify", "audits.views.actions:verify_action", methods=("POST",)),
        Route("/actions/<int:action_id>/evidence", "audits.views.actions:action_evidence", methods=("POST",)),
        Route("/audits/", "audits.views.audits:index"),
        Route("/audits/new", "audits.views.audits:new_audit", methods=("GET", "POST")),
        Route("/audits/<reference>/edit", "audits.views.audits:edit_audit", methods=("GET", "POST")),
        Route("/audits/<reference>", "audits.views.audits:audit"),
        Route("/audits/<reference>/start", "audits.views.audits:start", methods=("POST",)),
        Route("/audits/<reference>/items/<int:item_id>", "audits.views.audits:record", methods=("POST",)),
        Route(
            "/audits/<reference>/items/<int:item_id>/evidence", "audits.views.audits:item_evidence", methods=("POST",)
        ),
        Route("/audits/<reference>/report", "audits.views.audits:report", methods=("GET", "POST")),
        Route("/audits/<reference>/close", "audits.views.audits:close", methods=("POST",)),
        Route("/audits/<reference>/cancel", "audits.views.audits:cancel", methods=("POST",)),
        Route("/audits/<reference>/packs", "audits.views.audits:export_pack", methods=("POST",)),
        Route("/evidence/<int:evidence_id>", "audits.views.evidence:evidence"),
        Route("/audits/export.csv", "audits.views.exports:audits_export", defaults={"kind": "csv"}),
        Route("/audits/export.xlsx", "audits.views.exports:audits_export", defaults={"kind": "xlsx"}),
        Route("/nonconformities/export.csv", "audits.views.exports:nonconformities_export", defaults={"kind": "csv"}),
        Route("/nonconformities/export.xlsx", "audits.views.exports:nonconformities_export", defaults={"kind": "xlsx"}),
        Route("/actions/mine.csv", "audits.views.exports:my_actions_export", defaults={"kind": "csv"}),
        Route("/actions/mine.xlsx", "audits.views.exports:my_actions_export", defaults={"kind": "xlsx"}),
        Route("/audits/<reference>/results.csv", "audits.views.exports:audit_results", defaults={"kind": "csv"}),
        Route("/audits/<reference>/results.xlsx", "audits.views.exports:audit_results", defaults={"kind": "xlsx"}),
        Route("/audits/<reference>/checklist.pdf", "audits.views.exports:blank_checklist"),
        Route("/nonconformities/", "audits.views.nonconformities:nonconformities"),
        Route("/nonconformities/new", "audits.views.nonconformities:new_nonconformity", methods=("GET", "POST")),
        Route("/nonconformities/<reference>", "audits.views.nonconformities:nonconformity"),
        Route("/nonconformities/<reference>/transition", "audits.views.nonconformities:transition", methods=("POST",)),
        Route("/nonconformities/<reference>/actions", "audits.views.nonconformities:add_action", methods=("POST",)),
        Route("/nonconformities/<reference>/evidence", "audits.views.nonconformities:nc_evidence", methods=("POST",)),
        Route("/audits/programme", "audits.views.programme:programme", methods=("GET", "POST")),
        Route("/audits/programme/proposal", "audits.views.programme:programme_proposal", methods=("GET", "POST")),
        Route("/audits/scores", "audits.views.scores:scores"),
    ],
)
inspection_pages = LazyBlueprint(
    "inspections",
    __name__,
    signed_in=True,
    template_folder="templates",
    url_prefix="/inspections",
    routes=[
        Route("/", "audits.inspections.views:index"),
        Route("/schedules/new", "audits.inspections.views:new_schedule", methods=("GET", "POST")),
        Route("/schedules/<int:schedule_id>/stop", "audits.inspections.views:stop_schedule", methods=("POST",)),
        Route("/<int:inspection_id>", "audits.inspections.views:inspection", methods=("GET", "POST")),
    ],
)
improvement_pages = LazyBlueprint(
    "improvements",
    __name__,
    signed_in=True,
    template_folder="templates",
    url_prefix="/improvements",
    routes=[
        Route("/", "audits.improvements.views:index"),
        Route("/suggest", "audits.improvements.views:suggest", methods=("GET", "POST")),
        Route("/<reference>", "audits.improvements.views:improvement"),
        Route("/<reference>/update", "audits.improvements.views:update", methods=("POST",)),
        Route("/<reference>/stage", "audits.improvements.views:stage", methods=("POST",)),
        Route("/<reference>/dmaic", "audits.improvements.views:dmaic", methods=("POST",)),
        Route("/<reference>/evidence", "audits.improvements.views:evidence", methods=("POST",)),
    ],
)
objective_pages = LazyBlueprint(
    "objectives",
    __name__,
    signed_in=True,
    template_folder="templates",
    url_prefix="/objectives",
    routes=[
        Route("/", "audits.objectives.views:index"),
        Route("/new", "audits.objectives.views:new", methods=("GET", "POST")),
        Route("/<int:objective_id>", "audits.objectives.views:objective", methods=("GET", "POST")),
        Route("/<int:objective_id>/withdraw", "audits.objectives.views:withdraw", methods=("POST",)),
    ],
)
review_pages = LazyBlueprint(
    "reviews",
    __name__,
    signed_in=True,
    template_folder="templates",
    url_prefix="/reviews",
    routes=[
        Route("/", "audits.reviews.views:index"),
        Route("/new", "audits.reviews.views:new", methods=("GET", "POST")),
        Route("/<reference>", "audits.reviews.views:review", methods=("GET", "POST")),
        Route("/<reference>/compile", "audits.reviews.views:compile_inputs", methods=("POST",)),
        Route("/<reference>/record", "audits.reviews.views:record", methods=("POST",)),
        Route("/<reference>/hold", "audits.reviews.views:hold", methods=("POST",)),
        Route("/<reference>/outputs", "audits.reviews.views:add_output", methods=("POST",)),
        Route("/<reference>/sign", "audits.reviews.views:sign", methods=("POST",)),
        Route("/<reference>/record.pdf", "audits.reviews.views:record_pdf"),
    ],
)


@pages.app_context_processor
def _labels():
    return {"audit_state_labels": STATE_LABELS, "severity_labels": SEVERITY_LABELS}


# The plugin mounts one page blueprint: the recurring checks' and the improvement register's pages are nested in it.
pages.register_blueprint(inspection_pages)
pages.register_blueprint(improvement_pages)
pages.register_blueprint(objective_pages)
pages.register_blueprint(review_pages)

# ---------------------------------------------------------------- API

api = LazyApiBlueprint(
    "audits",
    __name__,
    description="Internal audits (ISO 9001 9.2), nonconformities and corrective actions (10.2).",
    routes=[
        Route("/audit-programme", "audits.api.programme:get_programme"),
        Route("/audit-programme", "audits.api.programme:add_programme_entry", methods=("POST",)),
        Route("/audit-programme/proposal", "audits.api.programme:get_programme_proposal"),
        Route("/audit-programme/proposal", "audits.api.programme:accept_programme_proposal", methods=("POST",)),
        Route("/audits", "audits.api.audits:list_audits"),
        Route("/audits", "audits.api.audits:plan_audit", methods=("POST",)),
        Route("/audits/<reference>", "audits.api.audits:get_audit"),
        Route("/audits/<reference>", "audits.api.audits:update_audit", methods=("PATCH",)),
        Route("/audits/<reference>/start", "audits.api.audits:start_audit", methods=("POST",)),
        Route("/audits/<reference>/score", "audits.api.audits:get_score"),
        Route("/audits/<reference>/items", "audits.api.audits:list_items"),
        Route("/audits/<reference>/items/<int:item_id>", "audits.api.audits:record_item", methods=("PUT",)),
        Route(
            "/audits/<reference>/items/<int:item_id>/evidence",
            "audits.api.audits:upload_item_evidence",
            methods=("POST",),
        ),
        Route("/audits/<reference>/report", "audits.api.audits:report_audit", methods=("POST",)),
        Route("/audits/<reference>/close", "audits.api.audits:close_audit", methods=("POST",)),
        Route("/audits/<reference>/cancel", "audits.api.audits:cancel_audit", methods=("POST",)),
        Route("/nonconformities", "audits.api.nonconformities:list_nonconformities"),
        Route("/nonconformities", "audits.api.nonconformities:raise_nonconformity", methods=("POST",)),
        Route("/nonconformities/<reference>", "audits.api.nonconformities:get_nonconformity"),
        Route("/nonconformities/<reference>", "audits.api.nonconformities:update_nonconformity", methods=("PATCH",)),
        Route(
            "/nonconformities/<reference>/transition",
            "audits.api.nonconformities:transition_nonconformity",
            methods=("POST",),
        ),
        Route("/nonconformities/<reference>/actions", "audits.api.nonconformities:add_action", methods=("POST",)),
        Route(
            "/nonconformities/<reference>/evidence", "audits.api.nonconformities:upload_nc_evidence", methods=("POST",)
        ),
        Route("/actions", "audits.api.actions:list_actions"),
        Route("/actions/<int:action_id>", "audits.api.actions:get_action"),
        Route("/actions/<int:action_id>/complete", "audits.api.actions:complete_action", methods=("POST",)),
        Route("/actions/<int:action_id>/verify", "audits.api.actions:verify_action", methods=("POST",)),
        Route("/actions/<int:action_id>/evidence", "audits.api.actions:upload_action_evidence", methods=("POST",)),
        Route("/evidence/<int:evidence_id>", "audits.api.evidence:get_evidence"),
        Route("/evidence/<int:evidence_id>/content", "audits.api.evidence:evidence_content"),
        Route("/audits/<reference>/packs", "audits.api.packs:start_pack", methods=("POST",)),
        Route("/audit-scores", "audits.api.scores:list_scored_checklists"),
        Route("/audit-scores/<key>", "audits.api.scores:get_score_comparison"),
    ],
)
inspections_api = LazyApiBlueprint(
    "inspections",
    __name__,
    description="Recurring checks: schedules and their inspections.",
    routes=[
        Route("/inspection-schedules", "audits.inspections.api:list_schedules"),
        Route("/inspection-schedules", "audits.inspections.api:create_schedule", methods=("POST",)),
        Route("/inspection-schedules/<int:schedule_id>", "audits.inspections.api:stop_schedule", methods=("DELETE",)),
        Route("/inspections", "audits.inspections.api:list_inspections"),
        Route("/inspections/<int:inspection_id>", "audits.inspections.api:get_inspection"),
        Route("/inspections/<int:inspection_id>", "audits.inspections.api:record_inspection", methods=("PUT",)),
        Route(
            "/inspections/<int:inspection_id>/items/<int:item_id>/evidence",
            "audits.inspections.api:upload_item_photo",
            methods=("POST",),
        ),
    ],
)
improvements_api = LazyApiBlueprint(
    "improvements",
    __name__,
    description="The improvement register (ISO 9001 10.1, 10.3): PDCA and DMAIC.",
    routes=[
        Route("/improvements", "audits.improvements.api:list_improvements"),
        Route("/improvements", "audits.improvements.api:create_improvement", methods=("POST",)),
        Route("/improvements/<reference>", "audits.improvements.api:get_improvement"),
        Route("/improvements/<reference>", "audits.improvements.api:update_improvement", methods=("PATCH",)),
        Route("/improvements/<reference>/stage", "audits.improvements.api:change_stage", methods=("POST",)),
        Route("/improvements/<reference>/dmaic", "audits.improvements.api:set_dmaic", methods=("PUT",)),
        Route(
            "/improvements/<reference>/evidence",
            "audits.improvements.api:upload_improvement_evidence",
            methods=("POST",),
        ),
    ],
)
objectives_api = LazyApiBlueprint(
    "objectives",
    __name__,
    description="Quality objectives (ISO 9001 6.2) and their monthly updates.",
    routes=[
        Route("/objectives", "audits.objectives.api:list_objectives"),
        Route("/objectives", "audits.objectives.api:create_objective", methods=("POST",)),
        Route("/objectives/<int:objective_id>", "audits.objectives.api:get_objective"),
        Route("/objectives/<int:objective_id>/updates", "audits.objectives.api:update_objective", methods=("POST",)),
        Route("/objectives/<int:objective_id>/withdraw", "audits.objectives.api:withdraw_objective", methods=("POST",)),
    ],
)
reviews_api = LazyApiBlueprint(
    "reviews",
    __name__,
    description="Management reviews (ISO 9001 9.3): planning and their inputs.",
    routes=[
        Route("/reviews", "audits.reviews.api:list_reviews"),
        Route("/reviews", "audits.reviews.api:plan_review", methods=("POST",)),
        Route("/reviews/<reference>", "audits.reviews.api:get_review"),
        Route("/reviews/<reference>", "audits.reviews.api:update_review", methods=("PATCH",)),
        Route("/reviews/<reference>/compile", "audits.reviews.api:compile_review", methods=("POST",)),
        Route("/reviews/<reference>/record", "audits.reviews.api:record_review", methods=("POST",)),
        Route("/reviews/<reference>/hold", "audits.reviews.api:hold_review", methods=("POST",)),
        Route("/reviews/<reference>/outputs", "audits.reviews.api:list_outputs"),
        Route("/reviews/<reference>/outputs", "audits.reviews.api:add_output", methods=("POST",)),
        Route("/reviews/<reference>/sign", "audits.reviews.api:sign_review", methods=("POST",)),
        Route("/reviews/<reference>/pdf", "audits.reviews.api:review_pdf"),
    ],
)

# The plugin mounts one API blueprint: the recurring checks' is nested in it.
api.register_blueprint(inspections_api)
api.register_blueprint(improvements_api)
api.register_blueprint(objectives_api)
api.register_blueprint(reviews_api)
