"""Document control's pages and API as tables of routes: mounted at start-up, each view module
loaded on the first request that needs it (:mod:`core.lazy_views`). A view's ``@bp.route``
must match its line here; ``tests/test_lazy_views.py`` checks every one."""

from __future__ import annotations

from flask import request
from flask_login import login_required

from core.lazy_views import LazyApiBlueprint, LazyBlueprint, Route
from procedures.labels import revision_state

pages = LazyBlueprint(
    "procedures",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
    url_prefix="/procedures",
    routes=[
        Route("/", "procedures.views:index"),
        Route("/new", "procedures.views:new", methods=("GET", "POST")),
        Route("/<code>", "procedures.views:view"),
        Route("/<code>/history", "procedures.views:history"),
        Route("/<code>/revisions", "procedures.views:new_draft", methods=("POST",)),
        Route("/<code>/revisions/<int:number>/edit", "procedures.views:edit", methods=("GET", "POST")),
        Route("/preview", "procedures.views:preview_new", methods=("POST",)),
        Route("/<code>/revisions/<int:number>/preview", "procedures.views:preview", methods=("POST",)),
        Route("/<code>/revisions/<int:number>/submit", "procedures.views:submit", methods=("POST",)),
        Route("/<code>/revisions/<int:number>/sign/<meaning>", "procedures.views:sign", methods=("GET", "POST")),
        Route("/<code>/withdraw", "procedures.views:withdraw", methods=("POST",)),
        Route("/<code>/diff", "procedures.views:diff"),
        Route("/<code>/revisions/<int:number>/pdf", "procedures.views:pdf"),
        Route("/<code>/acknowledgements", "procedures.views:acknowledgements"),
    ],
)


@pages.app_context_processor
def _labels():
    return {"revision_state": revision_state}


@pages.before_request
@login_required
def _logged_in():
    if request.endpoint == "procedures.static":
        return  # the editor's files: nothing of the library to bring up to date
    from procedures import services

    services.apply_due_if_any()


api = LazyApiBlueprint(
    "procedures",
    __name__,
    description="Controlled procedures and their revisions (ISO 9001 7.5).",
    routes=[
        Route("/procedures", "procedures.api:list_procedures"),
        Route("/procedures", "procedures.api:create_procedure", methods=("POST",)),
        Route("/procedures/<code>", "procedures.api:get_procedure"),
        Route("/procedures/<code>", "procedures.api:update_procedure", methods=("PATCH",)),
        Route("/procedures/<code>/withdraw", "procedures.api:withdraw_procedure", methods=("POST",)),
        Route("/procedures/<code>/revisions", "procedures.api:create_revision", methods=("POST",)),
        Route("/procedures/<code>/revisions/<int:number>", "procedures.api:get_revision"),
        Route("/procedures/<code>/revisions/<int:number>", "procedures.api:update_revision", methods=("PATCH",)),
        Route("/procedures/<code>/revisions/<int:number>/submit", "procedures.api:submit_revision", methods=("POST",)),
        Route(
            "/procedures/<code>/revisions/<int:number>/signatures", "procedures.api:sign_revision", methods=("POST",)
        ),
        Route("/procedures/<code>/revisions/<int:number>/pdf", "procedures.api:revision_pdf"),
        Route("/procedures/<code>/diff", "procedures.api:diff_revisions"),
    ],
)
