"""The job pages: progress while a job runs, its result or its error when it ends."""

from __future__ import annotations

import mimetypes

from flask import jsonify, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.jobs import services
from core.jobs.models import STATE_LABELS, JobState
from core.jobs.routes import pages as bp
from core.plugin_engine.manager import job_kind

# Seconds between reloads of a page that shows an unfinished job in a browser
# without script (a meta refresh inside <noscript>); with script, the page
# asks /jobs/<id>/status instead and changes in place (static/js/job-progress.js).
REFRESH_SECONDS = 2
# Milliseconds between two questions of that script.
POLL_MILLISECONDS = 1000


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
        poll=POLL_MILLISECONDS,
    )


def status_of(job) -> dict:
    """What the job page shows, as JSON for its script: the same words the page would print."""
    done = job.state == JobState.DONE.value and bool(job.result_name)
    return {
        "state": job.state,
        "state_label": str(STATE_LABELS.get(job.state, job.state)),
        "progress": job.progress,
        "message": job.message or "",
        "finished": bool(job.finished),
        "download_url": url_for("jobs.download", job_id=job.id) if done else None,
        "download_label": _("Download %(name)s", name=job.result_name) if done else None,
        "error": job.error or None,
    }


@bp.route("/<job_id>/status")
@login_required
def status(job_id):
    """The job's state and progress for the page's script (the API's ``/api/v1/jobs/{id}`` takes a token)."""
    response = jsonify(status_of(services.job_for(current_user._get_current_object(), job_id)))
    # Progress changes by the second: no cache may answer for the server.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<job_id>/download")
@login_required
def download(job_id):
    job, path = services.result_file(current_user._get_current_object(), job_id)
    media_type = mimetypes.guess_type(job.result_name)[0] or "application/octet-stream"
    return send_file(path, mimetype=media_type, as_attachment=True, download_name=job.result_name)
