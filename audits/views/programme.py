"""The audit programme of a site and year: coverage, departments not audited recently, adding entries."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from audits.forms import ProgrammeEntryForm
from audits.services import audits as audit_services
from audits.services import nonconformities as nc_services
from audits.services import programme as programme_services
from audits.services import proposal
from audits.services.common import site_named
from audits.views.shared import bp, common, errors_of, submit, typed, user
from core.accounts.permissions import Permission, can
from core.clock import today
from core.database import commit, db
from core.errors import DomainError, authorize


@bp.route("/audits/programme", methods=["GET", "POST"])
def programme():
    audit_services.require_read(user())
    site = site_named(request.args.get("site") or (user().site.code if user().site else "MAIN"))
    year = request.args.get("year", type=int) or today().year
    form = ProgrammeEntryForm()
    outcome = submit(
        form,
        lambda: programme_services.add_entry(
            user(),
            year=year,
            month=form.month.data or 0,
            site=site.code,
            department=form.department.data,
            area=form.area.data or "",
            note=form.note.data,
        ),
    )
    if outcome.done:
        flash(_("Added to the programme."), "success")
        return redirect(url_for(".programme", site=site.code, year=year))
    return render_template(
        "audits/programme.html",
        site=site,
        year=year,
        sites=nc_services.sites(),
        rows=programme_services.coverage(site, year),
        stale=programme_services.not_audited_recently(site),
        departments=nc_services.departments(),
        errors=errors_of(form),
        values=typed(form) if form.is_submitted() else {},
        can_plan=can(user(), Permission.RUN_AUDITS),
        **common(),
    ), outcome.status


@bp.route("/audits/programme/proposal", methods=["GET", "POST"])
def programme_proposal():
    site = site_named(request.values.get("site") or (user().site.code if user().site else "MAIN"))
    authorize(proposal.refusal(user(), site))
    year = request.values.get("year", type=int) or today().year
    if request.method == "POST":
        authorize(proposal.refusal(user(), site, accepting=True))
        chosen = {
            key.removeprefix("count-"): int(value)
            for key, value in request.form.items()
            if key.startswith("count-") and value.isdigit()
        }
        try:
            created = proposal.accept(user(), site=site.code, year=year, audits_a_year=chosen)
            commit()
            flash(
                _("The programme of %(year)s is in place: %(count)s audits planned.", year=year, count=len(created)),
                "success",
            )
            return redirect(url_for(".programme", site=site.code, year=year))
        except DomainError as error:
            db.session.rollback()
            flash(error.detail, "error")
    return render_template(
        "audits/programme_proposal.html",
        site=site,
        year=year,
        lines=proposal.propose(site, year),
        choices=proposal.CHOICES,
        may_accept=proposal.refusal(user(), site, accepting=True) is None,
        **common(),
    )
