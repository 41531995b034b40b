"""The corrective-action pages: my actions, one action, completing and verifying it, its evidence."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from audits.forms import CompleteActionForm, VerifyActionForm
from audits.services import actions as action_services
from audits.services import evidence as evidence_services
from audits.services import nonconformities as nc_services
from audits.views.shared import PER_PAGE, bp, common, errors_of, submit, typed, upload_errors, user
from core.database import commit, db
from core.errors import DomainError, ValidationFailed, authorize
from core.signatures import manifestation, signatures_for
from core.tasks.views import after_done
from core.web.forms_support import refusal_status
from core.web.links import Links


@bp.route("/actions/mine")
def my_actions():
    nc_services.require_read(user())
    # The earliest due of each list, and one more to know whether there are others (the export
    # has them all): a head of department may own thousands, and a page of thousands of rows
    # is neither fast nor read.
    mine = action_services.my_action_rows(user(), limit=PER_PAGE + 1)
    verify = action_services.verification_rows(user(), limit=PER_PAGE + 1)
    return render_template(
        "audits/my_actions.html",
        mine=mine[:PER_PAGE],
        more_mine=len(mine) > PER_PAGE,
        verify=verify[:PER_PAGE],
        more_verify=len(verify) > PER_PAGE,
        shown=PER_PAGE,
        action_link=Links("audits.action", "action_id"),
        **common(),
    )


def _action_page(action, *, errors=None, values=None, status=200):
    current = user()
    return render_template(
        "audits/action.html",
        action=action,
        nc=action.nonconformity,
        errors=errors or {},
        values=values or {},
        signatures=[(s, manifestation(s)) for s in signatures_for(action)],
        may_complete=action_services.complete_refusal(current, action) is None,
        may_verify=action_services.verify_refusal(current, action) is None,
        may_add_evidence=evidence_services.action_evidence_refusal(current, action) is None,
        is_overdue=action_services.is_overdue(action),
        **common(),
    ), status


@bp.route("/actions/<int:action_id>")
def action(action_id):
    action = action_services.action_by_id(action_id)
    action_services.require_visible(user(), action)
    return _action_page(action)


@bp.route("/actions/<int:action_id>/complete", methods=["POST"])
def complete_action(action_id):
    action = action_services.action_by_id(action_id)
    authorize(action_services.complete_refusal(user(), action))
    form = CompleteActionForm()
    outcome = submit(
        form,
        lambda: action_services.complete_action(
            user(), action, note=form.note.data or "", row_version=form.row_version.data
        ),
    )
    if outcome.done:
        flash(_("%(label)s is done; it now waits for an effectiveness check.", label=action.label), "success")
        return redirect(after_done(url_for(".action", action_id=action_id)))
    return _action_page(
        action_services.action_by_id(action_id), errors=errors_of(form), values=typed(form), status=outcome.status
    )


@bp.route("/actions/<int:action_id>/verify", methods=["POST"])
def verify_action(action_id):
    action = action_services.action_by_id(action_id)
    authorize(action_services.verify_refusal(user(), action))
    form = VerifyActionForm()
    status = 200
    if form.validate_on_submit():
        try:
            action_services.verify_action(
                user(),
                action,
                effective=form.effective.data == "yes",
                note=form.verification_note.data or "",
                password=form.password.data or "",
                row_version=form.row_version.data,
            )
            commit()
            flash(_("Verification of %(label)s recorded.", label=action.label), "success")
            return redirect(after_done(url_for(".action", action_id=action_id)))
        except DomainError as error:
            if error.status == 403 and "password" in error.detail:
                db.session.rollback()
                form.password.errors = [error.detail]
                status = 403
            else:
                status = refusal_status(form, error, aliases={"note": "verification_note"})
    else:
        status = 422
    values = {"verification_note": form.verification_note.data or "", "effective": form.effective.data}
    return _action_page(action_services.action_by_id(action_id), errors=errors_of(form), values=values, status=status)


@bp.route("/actions/<int:action_id>/evidence", methods=["POST"])
def action_evidence(action_id):
    action = action_services.action_by_id(action_id)
    authorize(evidence_services.action_evidence_refusal(user(), action))
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed.field("file", _("choose a photo or file first"))
        item = evidence_services.attach_to_action(user(), action, upload.stream, upload.filename, upload.mimetype)
        commit()
        flash(_("%(name)s added as evidence.", name=item.name), "success")
    except DomainError as error:
        db.session.rollback()
        if error.status not in (409, 413, 422):
            raise
        return _action_page(action_services.action_by_id(action_id), errors=upload_errors(error), status=error.status)
    return redirect(url_for(".action", action_id=action_id))
