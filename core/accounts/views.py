"""Log in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from core.accounts import services
from core.accounts.forms import LoginForm
from core.database import db
from core.errors import TooManyAttempts

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL here would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("web.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    if request.args.get("idle"):
        flash(_("You were logged out after a period of inactivity."), "info")
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.login.data, form.password.data, request.remote_addr)
        except TooManyAttempts as error:
            db.session.commit()
            form.password.errors.append(error.detail)
            return render_template("auth/login.html", form=form), 429
        db.session.commit()
        if user is None:
            form.password.errors.append(_("Unknown login or wrong password."))
            return render_template("auth/login.html", form=form), 401
        # A fresh session at login: nothing from before (including a planted
        # session id or CSRF token) survives into the authenticated one.
        session.clear()
        login_user(user)
        return redirect(_safe_next(form.next.data))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
