"""The public pages customers fill in and the staff page of a site's customer links. Their
routes are tables: mounted at start-up, the view module (with the intake's and the forms'
services) loaded on the first request that needs it (:mod:`core.lazy_views`);
``tests/test_lazy_views.py`` checks that every ``@bp.route`` matches its line.

The public pages' request hooks and error handlers are declared here too, and load the view
module when they first run; so does the staff pages' app-wide context processor, whose
helpers import the services only when a page calls them."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound as HttpNotFound
from werkzeug.exceptions import RequestEntityTooLarge

from core.errors import NotFound
from core.intake.errors import RateLimited
from core.lazy_views import LazyBlueprint, LazyView, Route

VIEWS = "core.intake.views"

public = LazyBlueprint(
    "intake_public",
    __name__,
    static_folder="static",
    static_url_path="/public-static",
    routes=[
        Route("/s/<token>", f"{VIEWS}:survey", methods=("GET", "POST")),
        Route("/w/<site>/<form_key>", f"{VIEWS}:walk_in", methods=("GET", "POST")),
        Route("/c/<site>", f"{VIEWS}:complaint", methods=("GET", "POST")),
    ],
)
# Before the app's own before-request work: the size limit and the page's language.
public.url_value_preprocessor(LazyView(f"{VIEWS}:_before_anything"))
public.after_request(LazyView(f"{VIEWS}:_public_headers"))
public.register_error_handler(RateLimited, LazyView(f"{VIEWS}:_limited"))
public.register_error_handler(RequestEntityTooLarge, LazyView(f"{VIEWS}:_too_large"))
public.register_error_handler(CSRFError, LazyView(f"{VIEWS}:_stale_form"))
public.register_error_handler(NotFound, LazyView(f"{VIEWS}:_not_found"))
public.register_error_handler(HttpNotFound, LazyView(f"{VIEWS}:_not_found"))

staff = LazyBlueprint(
    "intake",
    __name__,
    signed_in=True,
    url_prefix="/intake",
    routes=[Route("/sites/<site>", f"{VIEWS}:site_links")],
)


@staff.app_context_processor
def _transaction_link():
    """``survey_link_of(submission)`` for the submission page: the customer's survey link and its QR code."""

    def survey_link_of(submission):
        from core.intake import qr, services

        token = services.token_of(submission)
        if token is None:
            return None
        url = url_for("intake_public.survey", token=token.token, _external=True)
        return {
            "url": url,
            "svg": qr.svg(url, _("QR code of the customer's survey")),
            "state": services.token_state(token),
            "expires_at": token.expires_at,
        }

    def site_links_url():
        """The user's site's printable customer links, for those who may print them."""
        from core.intake import services

        user = current_user._get_current_object()
        site = getattr(user, "site", None)
        if site is None or not services.may_print_site_links(user, site):
            return None
        return url_for("intake.site_links", site=site.code)

    return {"survey_link_of": survey_link_of, "site_links_url": site_links_url}
