"""Document-control pages. Thin: every rule is in :mod:`procedures.services`."""

from __future__ import annotations

import json

from flask import (
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from core.accounts.models import Department, Role
from core.accounts.permissions import Permission, can, require
from core.accounts.services import department_by_code
from core.clock import today
from core.database import commit, db
from core.errors import DomainError, Forbidden, authorize, enforce
from core.plugin_engine.manager import registry
from core.signatures import MEANINGS, signatures_for
from core.tasks.views import after_done
from core.times import when
from core.web.forms_support import refusal_status, run_form
from core.web.window import window
from procedures import diff as diffing
from procedures import services
from procedures.forms import (
    DraftForm,
    NewDraftForm,
    ProcedureForm,
    SignForm,
    SubmitForm,
    WithdrawForm,
)
from procedures.markdown import render
from procedures.models import RevisionState
from procedures.pdf import controlled_copy_pdf
from procedures.routes import pages as bp
from procedures.trail import STATE_LABELS

PER_PAGE = 50
MEANING_TITLES = {
    "approved": MEANINGS["approved"],
    "rejected": MEANINGS["rejected"],
    "periodic-review": MEANINGS["periodic-review"],
    "acknowledged": MEANINGS["acknowledged"],
}


def _user():
    return current_user._get_current_object()


def _editor(preview_url: str) -> dict:
    """The attributes that turn the body's textarea into the editor (``static/editor.js``):
    where to render the preview, and the toolbar's words in the reader's language."""
    labels = {
        "toolbar": _("Formatting"),
        "heading1": _("Heading 1"),
        "heading2": _("Heading 2"),
        "heading3": _("Heading 3"),
        "bold": _("Bold"),
        "italic": _("Italic"),
        "bulletList": _("Bulleted list"),
        "numberedList": _("Numbered list"),
        "quote": _("Quote"),
        "table": _("Insert a table"),
        "link": _("Insert a link"),
        "linkShort": _("Link"),
        "rule": _("Horizontal line"),
        "undo": _("Undo"),
        "redo": _("Redo"),
        "sideBySide": _("Side by side"),
        "preview": _("Preview"),
        "column": _("Column"),
        "text": _("Text"),
        "previewFailed": _("The preview could not be rendered; the text is not lost."),
    }
    return {"data_preview_url": preview_url, "data_editor_labels": json.dumps(labels, ensure_ascii=False)}


def _department_choices():
    return [
        SelectChoice(d.code, f"{d.code} — {d.label}")
        for d in db.session.execute(db.select(Department).order_by(Department.code)).scalars()
    ]


@bp.route("/")
def index():
    require(_user(), Permission.READ_EFFECTIVE_PROCEDURES)
    filters = {
        "department": request.args.get("department") or None,
        "state": request.args.get("state") or None,
        "q": (request.args.get("q") or "").strip() or None,
        "overdue": request.args.get("overdue") == "1",
    }
    query = services.list_query(_user(), **filters)
    pagination = window(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    return render_template(
        "procedures/index.html",
        pagination=pagination,
        filters=filters,
        departments=[(c.value, c.label) for c in _department_choices()],
        states=[s.value for s in RevisionState],
        can_create=can(_user(), Permission.EDIT_DRAFT),
        # Whose open revision the list may name: a draft's existence is for who may read it.
        readable_drafts={p.id for p in pagination.items if services.can_read_drafts(_user(), p)},
        today=today(),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    require(_user(), Permission.EDIT_DRAFT)
    form = ProcedureForm()
    templates = registry().procedure_templates
    form.template.choices = [SelectChoice("", _("— blank —"))] + [
        SelectChoice(code, f"{code} — {t.title}") for code, t in templates.items()
    ]
    form.department.choices = _department_choices()
    form.distribution_departments.choices = _department_choices()
    form.distribution_roles.choices = [SelectChoice(r.value, r.value.replace("_", " ")) for r in Role]
    if request.method == "GET" and request.args.get("template") in templates:
        template = templates[request.args["template"]]
        form.template.data = template.code
        body = template.body_in(str(get_locale()))
        form.code.data, form.title.data, form.body.data = template.code, str(template.title), body
        form.department.data, form.kind.data = template.department, template.kind
        form.review_interval_months.data = template.review_interval_months
    if not form.is_submitted() and _user().department and not form.department.data:
        form.department.data = _user().department.code
    template = templates.get(form.template.data or "")
    outcome = run_form(
        form,
        lambda: services.create_procedure(
            _user(),
            code=form.code.data,
            title=form.title.data,
            department=department_by_code(form.department.data),
            body=form.body.data or (template.body_in(str(get_locale())) if template else ""),
            kind=form.kind.data,
            review_interval_months=form.review_interval_months.data,
            distribution={"departments": form.distribution_departments.data, "roles": form.distribution_roles.data},
            origin_plugin=registry().plugin_of("procedure_templates", template.code) if template else None,
        ),
    )
    if not outcome.done:
        return render_template(
            "procedures/new.html", form=form, editor=_editor(url_for(".preview_new"))
        ), outcome.status
    flash(_("Procedure %(code)s created as draft revision 1.", code=outcome.result.code), "success")
    return redirect(url_for(".edit", code=outcome.result.code, number=1))


def _view_context(procedure, revision):
    user = _user()
    pending = services.open_revision(procedure)
    approvals = services.current_approvals(revision) if revision.state == RevisionState.IN_REVIEW else []
    acknowledged = (
        any(s.signer_id == user.id for s in services.acknowledgements(revision))
        if revision.state == RevisionState.EFFECTIVE
        else False
    )
    return {
        "procedure": procedure,
        "revision": revision,
        "html": render(revision.body),
        "signatures": signatures_for(revision),
        "approvals": approvals,
        "pending": pending,
        "may_edit": services.edit_refusal(user, procedure) is None,
        "may_approve": services.approve_refusal(user, revision, approvals) is None,
        "may_review": services.review_refusal(user, revision) is None,
        "may_withdraw": services.withdraw_refusal(user, procedure) is None,
        "may_read_drafts": services.can_read_drafts(user, procedure),
        "acknowledged": acknowledged,
        "today": today(),
        "visible_revisions": services.visible_revisions(user, procedure),
        **_revisions_context(user, procedure),
    }


def _revisions_context(user, procedure) -> dict:
    """What the table of revisions needs: those the user may read, their approvals, the words of states."""
    revisions = services.visible_revisions(user, procedure)
    return {
        "revision_rows": revisions,
        "revision_approvals": services.approvals_by_revision(revisions),
        "state_labels": STATE_LABELS,
        "meanings": MEANINGS,
    }


@bp.route("/<code>")
def view(code):
    procedure = services.procedure_by_code(code)
    revision = services.readable_revision(_user(), procedure, request.args.get("rev", type=int))
    return render_template(
        "procedures/view.html",
        **_view_context(procedure, revision),
        submit_form=SubmitForm(row_version=revision.row_version),
        new_draft_form=NewDraftForm(),
        withdraw_form=WithdrawForm(row_version=procedure.row_version),
    )


@bp.route("/<code>/history")
def history(code):
    procedure = services.procedure_by_code(code)
    events = services.history(_user(), procedure)
    return render_template(
        "procedures/history.html", procedure=procedure, events=events, **_revisions_context(_user(), procedure)
    )


@bp.route("/<code>/revisions", methods=["POST"])
def new_draft(code):
    procedure = services.procedure_by_code(code)
    authorize(services.edit_refusal(_user(), procedure))
    if NewDraftForm().validate_on_submit():
        revision = services.new_draft(_user(), procedure)
        commit()
        flash(_("Revision %(number)s started from the effective text.", number=revision.number), "success")
        return redirect(url_for(".edit", code=procedure.code, number=revision.number))
    return redirect(url_for(".view", code=procedure.code))


@bp.route("/<code>/revisions/<int:number>/edit", methods=["GET", "POST"])
def edit(code, number):
    procedure = services.procedure_by_code(code)
    revision = services.readable_revision(_user(), procedure, number)
    require(_user(), Permission.EDIT_DRAFT, **services.scope(procedure))
    form = DraftForm(obj=revision) if request.method == "GET" else DraftForm()
    if request.method == "GET":
        form.row_version.data = revision.row_version
    status, preview = 200, None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = render(form.body.data)
        else:
            try:
                services.edit_draft(
                    _user(),
                    revision,
                    row_version=form.row_version.data,
                    body=form.body.data,
                    title=form.title.data,
                    change_summary=form.change_summary.data,
                )
                commit()
                flash(_("Draft saved."), "success")
                return redirect(url_for(".view", code=procedure.code, rev=revision.number))
            except DomainError as error:
                status = refusal_status(form, error)
    elif form.is_submitted():
        status = 422
    if not revision.editable and request.method == "GET":
        flash(
            _(
                "Revision %(number)s is %(state)s; only a draft can be edited.",
                number=revision.number,
                state=revision.state,
            ),
            "warning",
        )
        return redirect(url_for(".view", code=procedure.code, rev=revision.number))
    return render_template(
        "procedures/edit.html",
        procedure=procedure,
        revision=revision,
        form=form,
        preview=preview,
        editor=_editor(url_for(".preview", code=procedure.code, number=revision.number)),
    ), status


def _preview_response(revision=None):
    """The editor's live preview: the text as the controlled copy renders it (JSON, CSRF-checked)."""
    sent = request.get_json(silent=True)
    body = sent.get("body") if isinstance(sent, dict) else request.form.get("body")
    return jsonify(html=str(services.preview(_user(), body if isinstance(body, str) else "", revision=revision)))


@bp.route("/preview", methods=["POST"])
def preview_new():
    return _preview_response()


@bp.route("/<code>/revisions/<int:number>/preview", methods=["POST"])
def preview(code, number):
    procedure = services.procedure_by_code(code)
    return _preview_response(services.readable_revision(_user(), procedure, number))


@bp.route("/<code>/revisions/<int:number>/submit", methods=["POST"])
def submit(code, number):
    procedure = services.procedure_by_code(code)
    revision = services.revision_by_number(procedure, number)
    authorize(services.draft_edit_refusal(_user(), revision))
    form = SubmitForm()
    if not form.validate_on_submit():
        flash(_("The effective date is not a valid date."), "error")
        return redirect(url_for(".view", code=procedure.code, rev=number))
    try:
        services.submit(_user(), revision, row_version=form.row_version.data, effective_date=form.effective_date.data)
        commit()
        flash(_("Revision %(number)s submitted for approval.", number=number), "success")
    except DomainError as error:
        db.session.rollback()
        if error.status not in (409, 422):
            raise
        flash(error.detail, "error")
    return redirect(url_for(".view", code=procedure.code, rev=number))


@bp.route("/<code>/revisions/<int:number>/sign/<meaning>", methods=["GET", "POST"])
def sign(code, number, meaning):
    procedure = services.procedure_by_code(code)
    # A draft one may not read is not there (404); one may read but not sign: 403 with
    # the reason, never the text.
    revision = services.readable_revision(_user(), procedure, number)
    if meaning not in MEANING_TITLES:
        return redirect(url_for(".view", code=procedure.code, rev=number))
    refusal = services.sign_refusal(_user(), revision, meaning)
    if refusal is not None and refusal.error is Forbidden:
        enforce(refusal)
    form = SignForm(meaning=meaning)
    status = 200
    if form.validate_on_submit():
        try:
            outcome = services.sign_revision(
                _user(), revision, meaning=meaning, password=form.password.data, comment=form.comment.data
            )
            commit()
            if outcome.became_effective:
                flash(
                    _("Signed. Both approvals are in: revision %(number)s is now effective.", number=number), "success"
                )
            else:
                # The signer's proof that it is done: the moment, on their own wall clock.
                flash(
                    _(
                        "Signed: %(meaning)s, %(time)s.",
                        meaning=MEANING_TITLES[meaning],
                        time=when(outcome.signature.signed_at),
                    ),
                    "success",
                )
            return redirect(after_done(url_for(".view", code=procedure.code, rev=number)))
        except DomainError as error:
            if error.status == 403:
                db.session.rollback()
                form.form_errors.append(error.detail)
                status = 403
            else:
                status = refusal_status(form, error)
    elif form.is_submitted():
        status = 422
    return render_template(
        "procedures/sign.html",
        procedure=procedure,
        revision=revision,
        form=form,
        meaning=meaning,
        meaning_title=MEANING_TITLES[meaning],
        content_sha256=services.content_sha256(revision),
        html=render(revision.body),
    ), status


@bp.route("/<code>/withdraw", methods=["POST"])
def withdraw(code):
    procedure = services.procedure_by_code(code)
    authorize(services.withdraw_refusal(_user(), procedure))
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("A withdrawal needs a reason."), "error")
        return redirect(url_for(".view", code=procedure.code))
    services.withdraw(_user(), procedure, reason=form.reason.data, row_version=form.row_version.data)
    commit()
    flash(_("%(code)s is withdrawn.", code=procedure.code), "success")
    return redirect(url_for(".view", code=procedure.code))


@bp.route("/<code>/diff")
def diff(code):
    procedure = services.procedure_by_code(code)
    services.require_visible_procedure(_user(), procedure)
    visible = services.visible_revisions(_user(), procedure)
    old_number = request.args.get("from", type=int) or (visible[-2].number if len(visible) > 1 else None)
    new_number = request.args.get("to", type=int) or visible[-1].number
    if old_number is None:
        flash(_("There is only one revision to compare."), "info")
        return redirect(url_for(".view", code=procedure.code))
    old = services.readable_revision(_user(), procedure, old_number)
    new = services.readable_revision(_user(), procedure, new_number)
    chunks = diffing.word_diff(old.body, new.body)
    # The rendered document by default; the Markdown source one click away.
    source = request.args.get("view") == "source"
    mode = "side" if request.args.get("mode") == "side" else "inline"
    left, right = diffing.render_side_by_side(chunks)
    return render_template(
        "procedures/diff.html",
        procedure=procedure,
        old=old,
        new=new,
        source=source,
        runs=[] if source else diffing.runs(diffing.rendered_diff(render(old.body), render(new.body))),
        mode=mode,
        inline=diffing.render_inline(chunks),
        left=left,
        right=right,
        stats=diffing.stats(chunks),
        revisions=visible,
    )


@bp.route("/<code>/revisions/<int:number>/pdf")
def pdf(code, number):
    procedure = services.procedure_by_code(code)
    revision = services.readable_revision(_user(), procedure, number)
    filename = f"{procedure.code}-rev{revision.number}.pdf"
    return Response(
        controlled_copy_pdf(revision),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@bp.route("/<code>/acknowledgements")
def acknowledgements(code):
    procedure = services.procedure_by_code(code)
    status = services.acknowledgement_status(_user(), procedure)
    return render_template("procedures/acknowledgements.html", procedure=procedure, status=status)
