"""The checklist library's pages and API. Its routes are tables: mounted at start-up, each view module
loaded on the first request that needs it (:mod:`core.lazy_views`); ``tests/test_lazy_views.py``
checks that every ``@bp.route`` matches its line."""

from __future__ import annotations

from core.lazy_views import LazyApiBlueprint, LazyBlueprint, Route

pages = LazyBlueprint(
    "checklists",
    __name__,
    signed_in=True,
    url_prefix="/checklists",
    routes=[
        Route("/", "core.checklists.views:index"),
        Route("/<key>", "core.checklists.views:view"),
        Route("/import", "core.checklists.views:import_file", methods=("GET", "POST")),
        Route("/<key>/versions/<int:version>/retire", "core.checklists.views:retire", methods=("POST",)),
        Route("/<key>/export/<kind>", "core.checklists.views:export"),
        Route("/files/<name>.<kind>", "core.checklists.views:download"),
    ],
)


api = LazyApiBlueprint(
    "checklists",
    __name__,
    url_prefix="/checklists",
    description="Audit checklists: the plugins' and the libraries imported from XLSX or YAML, with their versions.",
    routes=[
        Route("/import", "core.checklists.api:import_checklist", methods=("POST",)),
        Route("/<plugin_key:key>/versions", "core.checklists.api:list_versions"),
        Route(
            "/<plugin_key:key>/versions/<int:number>/retire", "core.checklists.api:retire_version", methods=("POST",)
        ),
        Route("/<plugin_key:key>/export", "core.checklists.api:export_checklist"),
    ],
)
