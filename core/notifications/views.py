"""The notification pages: one's notifications, one's e-mail choices, and for administrators
the e-mail that has not gone out and why."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.accounts.permissions import Permission, require
from core.database import commit
from core.errors import DomainError
from core.notifications import mail, services
from core.notifications.routes import pages as bp

MODE_LABELS = {
    services.IMMEDIATELY: _l("E-mail at once"),
    services.DAILY: _l("Daily digest"),
    services.OFF: _l("In the app only"),
}


def _user():
    return current_user._get_current_object()


def _texts(notification):
    return services.texts(notification)


@bp.route("/")
def index():
    return render_template("notifications/index.html", notifications=services.recent(_user(), limit=100))


@bp.route("/<int:notification_id>/open", methods=["POST"])
def open_one(notification_id):
    """Mark it read and go to its record."""
    notification = services.notification_of(_user(), notification_id)
    services.mark_read(_user(), notification_id)
    commit()
    return redirect(notification.url)


@bp.route("/read", methods=["POST"])
def read_all():
    count = services.mark_read(_user())
    commit()
    flash(_("%(count)s notifications marked read.", count=count), "success")
    return redirect(url_for(".index"))


@bp.route("/preferences", methods=["GET", "POST"])
def preferences():
    user = _user()
    errors, status = {}, 200
    if request.method == "POST":
        chosen = {kind.key: request.form.get(kind.key, "") for kind in services.kinds()}
        try:
            services.set_preferences(user, chosen)
            commit()
            flash(_("Your notification choices were saved."), "success")
            return redirect(url_for(".preferences"))
        except DomainError as error:
            errors = {item.get("field", ""): item["message"] for item in error.errors}
            status = error.status
    return render_template(
        "notifications/preferences.html",
        kinds=services.kinds(),
        modes=MODE_LABELS,
        current=services.preferences_of(user),
        mode_for=lambda kind: services.mode_for(user, kind),
        errors=errors,
        has_email=bool(user.email),
    ), status


@bp.route("/mail")
def waiting_mail():
    require(_user(), Permission.MANAGE_USERS)
    return render_template("notifications/mail.html", waiting=mail.waiting())
