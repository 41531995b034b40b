"""Log in and out, pick a language, and the user's own page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from core.accounts import services, sessions
from core.accounts.forms import (
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    TokenForm,
)
from core.accounts.models import ApiToken, UserSession
from core.accounts.routes import account_pages as account_bp
from core.accounts.routes import pages as bp
from core.database import commit, db
from core.errors import DomainError
from core.web.forms_support import refusal_status

# Survives the session reset at login and logout: a language is no secret,
# and the login page should not switch back to English after a logout.
_KEPT_ACROSS_LOGIN = ("locale",)
# Set when someone picks a language before logging in, so that their choice
# is saved on their account once they do.
_CHOSEN_BEFORE_LOGIN = "locale_chosen"


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL here would be an open redirect.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("web.dashboard")


def _reset_session() -> None:
    """A fresh session under a new id: nothing from before (a planted value,
    the CSRF token) survives into the next one, except the language."""
    kept = {key: session[key] for key in _KEPT_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(kept)
    sessions.rotate(current_app, session)


def _this_session() -> UserSession | None:
    """The ``user_session`` row of this browser (set when the session was loaded)."""
    return g.get("user_session")


# First match wins: Edge and Opera also call themselves Chrome, Chrome calls itself Safari.
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("MicroMessenger", "WeChat"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_label(user_agent: str | None) -> str:
    """A label such as "Chrome on Windows" for a User-Agent header: enough to recognise one's own devices."""
    text = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in text), None)
    system = next((name for mark, name in _SYSTEMS if mark in text), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or text[:60] or _("Unknown browser")


def _wait_message(seconds: int) -> str:
    if seconds < 60:
        return ngettext(
            "Too many failed logins. Try again in %(num)d second.",
            "Too many failed logins. Try again in %(num)d seconds.",
            seconds,
        )
    return ngettext(
        "Too many failed logins. Try again in %(num)d minute.",
        "Too many failed logins. Try again in %(num)d minutes.",
        -(-seconds // 60),
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    if request.method == "GET" and request.args.get("idle"):
        flash(_("You were logged out after a period of inactivity."), "info")
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200
    try:
        user = services.authenticate(form.login.data, form.password.data, request.remote_addr)
    except services.LoginThrottled as refusal:
        form.form_errors.append(_wait_message(refusal.retry_after))
        page = render_template("auth/login.html", form=form)
        return page, 429, {"Retry-After": str(refusal.retry_after)}
    if user is None:
        commit()
        form.form_errors.append(_("Unknown login or wrong password."))
        return render_template("auth/login.html", form=form), 401
    chosen = session.get("locale") if session.get(_CHOSEN_BEFORE_LOGIN) else None
    if chosen and chosen != user.locale:
        services.set_locale(user, chosen)
    _reset_session()
    g.user_session = services.start_session(
        user, session.sid, remote_addr=request.remote_addr, user_agent=request.user_agent.string
    )
    commit()
    login_user(user)
    return redirect(_safe_next(form.next.data))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    _end_this_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def _end_this_session() -> None:
    record = _this_session()
    if record is not None:
        services.end_session(current_user, record)
        commit()
    logout_user()
    _reset_session()


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["locale"] = form.locale.data
    if current_user.is_authenticated:
        try:
            services.set_locale(current_user, form.locale.data)
        except DomainError:
            db.session.rollback()
            abort(400)
        commit()
    else:
        session[_CHOSEN_BEFORE_LOGIN] = True
    return redirect(_safe_next(form.next.data))


# The user's own page ------------------------------------------------------------


def _account_page(status: int = 200, *, profile=None, password=None, token=None, new_token=None):
    this = _this_session()
    user = current_user._get_current_object()
    profile = profile or ProfileForm(
        formdata=None,
        data={"display_name": user.display_name, "email": user.email or "", "row_version": user.row_version},
    )
    language = LanguageForm(formdata=None, data={"locale": user.locale, "next": url_for("account.profile")})
    return render_template(
        "account/profile.html",
        user=user,
        profile_form=profile,
        password_form=password or PasswordChangeForm(),
        token_form=token or TokenForm(formdata=None),
        language_form=language,
        tokens=services.tokens_of(user),
        new_token=new_token,
        sessions=[(record, browser_label(record.user_agent)) for record in services.active_sessions_of(user)],
        this_session_id=this.id if this is not None else None,
    ), status


@account_bp.route("")
@login_required
def profile():
    return _account_page()


@account_bp.route("/profile", methods=["POST"])
@login_required
def save_profile():
    form = ProfileForm()
    if not form.validate_on_submit():
        return _account_page(422, profile=form)
    try:
        services.update_profile(
            current_user,
            current_user,
            display_name=form.display_name.data,
            email=form.email.data,
            row_version=form.row_version.data,
        )
        commit()
    except DomainError as error:
        return _account_page(refusal_status(form, error), profile=form)
    flash(_("Your details were saved."), "success")
    return redirect(url_for("account.profile"))


@account_bp.route("/password", methods=["POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _account_page(422, password=form)
    this = _this_session()
    try:
        services.set_password(
            current_user,
            current_user,
            form.new_password.data,
            current_password=form.current_password.data,
            keep=this,
        )
        commit()
    except DomainError as error:
        return _account_page(refusal_status(form, error, aliases={"password": "new_password"}), password=form)
    # Every other session has ended; this one continues under a new id, so
    # that a copy of its cookie taken before the change opens nothing either.
    if this is not None:
        sessions.rotate(current_app, session)
        services.renew_session(this, session.sid)
        commit()
    flash(_("Your password was changed."), "success")
    return redirect(url_for("account.profile"))


@account_bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id):
    record = db.session.get(UserSession, session_id)
    this = _this_session()
    if record is None:
        abort(404)
    if this is not None and record.id == this.id:
        _end_this_session()
        flash(_("You are logged out."), "info")
        return redirect(url_for("auth.login"))
    services.end_session(current_user, record)
    commit()
    flash(_("The session was ended: that browser must log in again."), "success")
    return redirect(url_for("account.profile"))


@account_bp.route("/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    ended = services.end_sessions_of(current_user, keep=_this_session())
    commit()
    flash(ngettext("%(num)d other session was ended.", "%(num)d other sessions were ended.", ended), "success")
    return redirect(url_for("account.profile"))


@account_bp.route("/tokens", methods=["POST"])
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _account_page(422, token=form)
    token, plain = services.create_token(current_user, current_user, form.name.data)
    commit()
    # Rendered, not redirected: the token exists in plain text only in this response.
    return _account_page(new_token=(token, plain))


@account_bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    services.revoke_token(current_user, token)
    commit()
    flash(_("The token %(prefix)s… was revoked.", prefix=token.prefix), "success")
    return redirect(url_for("account.profile"))
