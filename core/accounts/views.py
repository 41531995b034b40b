"""Log in and out, pick a language, and the user's own page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from core.accounts import services
from core.accounts.forms import (
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    TokenForm,
)
from core.accounts.models import ApiToken
from core.database import commit, db
from core.errors import DomainError, TooManyAttempts
from core.web.forms_support import refusal_status

bp = Blueprint("auth", __name__)
account_bp = Blueprint("account", __name__, url_prefix="/account")

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
    """A fresh session: nothing from before (a planted value, the CSRF token)
    survives into the next one, except the language."""
    kept = {key: session[key] for key in _KEPT_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(kept)


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
    except TooManyAttempts:
        commit()
        form.form_errors.append(
            _(
                "Too many failed logins for this account. Wait a few minutes "
                "and try again, or ask an administrator to help."
            )
        )
        return render_template("auth/login.html", form=form), 429
    if user is None:
        commit()
        form.form_errors.append(_("Unknown login or wrong password."))
        return render_template("auth/login.html", form=form), 401
    chosen = session.get("locale") if session.get(_CHOSEN_BEFORE_LOGIN) else None
    if chosen and chosen != user.locale:
        services.set_locale(user, chosen)
    commit()
    _reset_session()
    login_user(user)
    return redirect(_safe_next(form.next.data))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    _reset_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


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
        # The locale is on the user row; saving it bumps the row version
        # that the session identity carries.
        login_user(current_user._get_current_object())
    else:
        session[_CHOSEN_BEFORE_LOGIN] = True
    return redirect(_safe_next(form.next.data))


# The user's own page ------------------------------------------------------------


def _account_page(status: int = 200, *, profile=None, password=None, token=None, new_token=None):
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
    login_user(current_user._get_current_object())
    flash(_("Your details were saved."), "success")
    return redirect(url_for("account.profile"))


@account_bp.route("/password", methods=["POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _account_page(422, password=form)
    try:
        services.set_password(
            current_user, current_user, form.new_password.data, current_password=form.current_password.data
        )
        commit()
    except DomainError as error:
        return _account_page(refusal_status(form, error, aliases={"password": "new_password"}), password=form)
    # A new password ends every other session (it bumps the row version the
    # session identity carries); this one continues, freshly rotated.
    user = current_user._get_current_object()
    _reset_session()
    login_user(user)
    flash(_("Your password was changed."), "success")
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
