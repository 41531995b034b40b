"""The job pages: progress while a job runs, its result or its error when it ends."""

from __future__ import annotations

import mimetypes

from flask import Blueprint, render_template, send_file
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from core.jobs import services
from core.jobs.models import JobState
from core.plugin_engine.manager import job_kind

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

STATE_LABELS = {
    JobState.QUEUED.value: _l("waiting to start"),
    JobState.RUNNING.value: _l("running"),
    JobState.DONE.value: _l("done"),
    JobState.FAILED.value: _l("failed"),
}
# Seconds between reloads of a page that shows an unfinished job; a meta
# refresh needs no script, so the strict CSP stays as it is.
REFRESH_SECONDS = 2


def _describe(job) -> tuple[object, str]:
    kind = job_kind(job.kind)
    return (kind.title, kind.subject(job.params or {})) if kind else (job.kind, "")


@bp.route("/")
@login_required
def index():
    jobs = services.recent_jobs(current_user._get_current_object())
    return render_template("jobs/index.html", jobs=[(job, *_describe(job)) for job in jobs], state_labels=STATE_LABELS)


@bp.route("/<job_id>")
@login_required
def view(job_id):
    job = services.job_for(current_user._get_current_object(), job_id)
    title, subject = _describe(job)
    return render_template(
        "jobs/view.html",
        job=job,
        title=title,
        subject=subject,
        state_labels=STATE_LABELS,
        refresh=REFRESH_SECONDS if not job.finished else None,
    )


@bp.route("/<job_id>/download")
@login_required
def download(job_id):
    job, path = services.result_file(current_user._get_current_object(), job_id)
    media_type = mimetypes.guess_type(job.result_name)[0] or "application/octet-stream"
    return send_file(path, mimetype=media_type, as_attachment=True, download_name=job.result_name)
