"""Background jobs as JSON: their state and progress, and their result once done."""

from __future__ import annotations

import mimetypes

from flask import send_file, url_for
from marshmallow import Schema, fields, post_dump

from core.api import UTCDateTime, api_user, file_responses, token_required
from core.jobs import services
from core.jobs.models import Job, JobState
from core.jobs.routes import api as bp


def job_url(job: Job) -> str:
    return url_for("jobs_api.jobs.get_job", job_id=job.id)


def result_url(job: Job) -> str | None:
    if job.state != JobState.DONE.value or not job.result_name:
        return None
    return url_for("jobs_api.jobs.get_result", job_id=job.id)


class JobSchema(Schema):
    id = fields.String()
    kind = fields.String()
    state = fields.String(metadata={"enum": [s.value for s in JobState]})
    progress = fields.Integer(metadata={"description": "0 to 100."})
    message = fields.String(metadata={"description": "What the job is doing now, when it says."})
    error = fields.String(metadata={"description": "Why it failed, in one sentence (failed jobs only)."})
    url = fields.Function(job_url)
    result_url = fields.Function(result_url, metadata={"description": "Where to fetch the result (done jobs only)."})
    created_by = fields.Function(lambda job: job.created_by.login)
    created_at = UTCDateTime()
    started_at = UTCDateTime()
    finished_at = UTCDateTime()

    @post_dump
    def _drop_empty(self, data, **_kwargs):
        # Optional members are left out rather than null, as the API documents them.
        return {key: value for key, value in data.items() if value is not None}


@bp.route("")
@token_required()
@bp.response(200, JobSchema(many=True))
def list_jobs():
    """The caller's latest jobs (an administrator's: everyone's), newest first."""
    return services.recent_jobs(api_user())


@bp.route("/<job_id>")
@token_required()
@bp.response(200, JobSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_job(job_id):
    """A job's state and progress; poll until ``state`` is ``done`` or ``failed``."""
    return services.job_for(api_user(), job_id)


@bp.route("/<job_id>/result")
@token_required()
# The media type is the result file's, which the job kind decides (an evidence pack is application/pdf).
@bp.doc(responses=file_responses(["*/*"], "The file the job produced, as an attachment."))
@bp.alt_response(409, response="CONFLICT", description="The job is not done (yet).")
@bp.alt_response(404, response="NOT_FOUND")
def get_result(job_id):
    """The file the job produced, as an attachment."""
    job, path = services.result_file(api_user(), job_id)
    media_type = mimetypes.guess_type(job.result_name)[0] or "application/octet-stream"
    return send_file(path, mimetype=media_type, as_attachment=True, download_name=job.result_name)
