"""The public pages customers fill in without logging in, and the staff page of a site's
customer links. Thin: the rules are in :mod:`core.intake.services`.

The public pages show the dealership's public name and the questions, nothing else: no menu,
no account, no staff names. They are in Chinese unless the visitor asks for English
(``?lang=en``, remembered in a cookie that is only a language, never a login).
"""

from __future__ import annotations

import flask_babel
from flask import abort, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from core.database import commit, db
from core.errors import NotFound
from core.forms import services as forms
from core.intake import qr, services
from core.intake.errors import RateLimited
from core.intake.routes import public, staff

LANGUAGE_COOKIE = "dealerqms_public_language"
PUBLIC_LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"


# Every public page (its hooks and error handlers are declared in core.intake.routes) ------------


def _before_anything(_endpoint, _values):
    """Runs before the app's own before-request work (the CSRF check reads the body): the size
    limit must be in place by then, and the page's language chosen before anything is translated."""
    request.max_content_length = services.MAX_BODY
    request.max_form_memory_size = services.MAX_BODY
    asked = request.args.get("lang")
    chosen = asked if asked in PUBLIC_LANGUAGES else request.cookies.get(LANGUAGE_COOKIE)
    g.page_locale = chosen if chosen in PUBLIC_LANGUAGES else DEFAULT_LANGUAGE
    flask_babel.refresh()


def _public_headers(response):
    if request.args.get("lang") in PUBLIC_LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            request.args["lang"],
            max_age=60 * 60 * 24 * 365,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    # The survey link is the key to one answer: no caching of its page, no Referer carrying it elsewhere.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _message(status: int, title: str, text: str, site=None, headers=None):
    page = render_template("intake/public_message.html", title=title, text=text, site=site)
    return page, status, headers or {}


def _limited(error: RateLimited):
    db.session.rollback()
    minutes = services.retry_after_minutes(error)
    return _message(
        429,
        _("Please try again later"),
        _(
            "We have received many submissions from your network in a short time. "
            "Please try again in %(minutes)s minutes.",
            minutes=minutes,
        ),
        headers={"Retry-After": str(error.retry_after)},
    )


def _too_large(_error):
    return _message(413, _("Too long"), _("What you sent is too long. Please shorten your answers and send again."))


def _stale_form(_error):
    return _message(
        400,
        _("Please send again"),
        _("The page was open too long. Please go back, reload the page and send your answers again."),
    )


def _not_found(_error):
    return _message(
        404,
        _("Page not found"),
        _("This link is not valid. Please check that you scanned or typed it completely."),
    )


def _form_page(public_form, site, wtf, status=200, **context):
    definition = forms.definition(public_form.form)
    return (
        render_template(
            "intake/public_form.html",
            site=site,
            definition=definition,
            public_form=public_form,
            form=wtf,
            asked=services.asked_fields(public_form, definition),
            consent_given=request.form.get(services.CONSENT) in ("yes", "on", "1"),
            consent_name=services.CONSENT,
            honeypot_name=services.HONEYPOT,
            **context,
        ),
        status,
    )


def _done(site, outcome=None, status=200):
    return render_template("intake/public_done.html", site=site, outcome=outcome), status


def _count_attempt(token=None) -> None:
    services.count_attempt(request.remote_addr, token)
    commit()


# A survey after a delivery or a repair --------------------------------------------------


@public.route("/s/<token>", methods=["GET", "POST"])
def survey(token):
    found = services.find_token(token)
    public_form = services.public_form(found.form_key)
    site = found.site
    state = services.token_state(found)
    if state == "used":
        return _message(
            409 if request.method == "POST" else 200,
            _("Already answered"),
            _("This survey was already answered. Thank you!"),
            site=site,
        )
    if state == "expired":
        return _message(
            410,
            _("This survey has closed"),
            _("This survey link is no longer valid. Thank you for thinking of us all the same."),
            site=site,
        )
    if request.method == "GET":
        return _form_page(public_form, site, services.blank_form(public_form), action=request.path)
    _count_attempt(found)
    if services.is_bot(request.form):
        return _done(site)
    wtf, data = services.check_answer(public_form, site, request.form, found)
    if data is None:
        return _form_page(public_form, site, wtf, 422, action=request.path)
    try:
        services.submit_survey(found, data)
    except services.LinkUsed:
        db.session.rollback()
        return _message(409, _("Already answered"), _("This survey was already answered. Thank you!"), site=site)
    commit()
    return _done(site)


# A walk-in survey and a complaint at the site's link --------------------------------------


@public.route("/w/<site>/<form_key>", methods=["GET", "POST"])
def walk_in(site, form_key):
    found_site = services.public_site(site)
    public_form = services.public_form(form_key)
    if not public_form.walk_in:
        raise NotFound(_("There is no such survey."))
    if request.method == "GET":
        return _form_page(public_form, found_site, services.blank_form(public_form), action=request.path)
    _count_attempt()
    if services.is_bot(request.form):
        return _done(found_site)
    wtf, data = services.check_answer(public_form, found_site, request.form)
    if data is None:
        return _form_page(public_form, found_site, wtf, 422, action=request.path)
    services.submit_walk_in(public_form, found_site, data)
    commit()
    return _done(found_site)


@public.route("/c/<site>", methods=["GET", "POST"])
def complaint(site):
    found_site = services.public_site(site)
    public_form = services.complaint_form()
    if public_form is None:
        raise NotFound(_("There is no such page."))
    if request.method == "GET":
        return _form_page(public_form, found_site, services.blank_form(public_form), action=request.path)
    _count_attempt()
    if services.is_bot(request.form):
        # Pretend: a script learns nothing, and nothing is recorded.
        return _done(found_site, services.Outcome(recorded=False, handled_within_days=public_form.handled_within_days))
    wtf, outcome = services.submit_complaint(public_form, found_site, request.form)
    if outcome is None:
        return _form_page(public_form, found_site, wtf, 422, action=request.path)
    commit()
    return _done(found_site, outcome)


# Staff: the links to print ------------------------------------------------------------------


@staff.route("/sites/<site>")
def site_links(site):
    """The site's complaint and walk-in survey links with their QR codes, to print for the counter."""
    found = services.public_site(site)
    if not services.may_print_site_links(current_user._get_current_object(), found):
        abort(403)
    links = services.site_links(found)
    return render_template(
        "intake/site_links.html",
        site=found,
        links=[(title, url, qr.svg(url, title)) for title, url in links],
    )
