"""Background jobs: work that must not block a web request (an evidence pack).

A plugin registers a *kind* (``register_job_kinds``); its service checks the
user's permission and calls :func:`submit`; the configured runner
(``JOBS_RUNNER``, a local worker process by default) runs it with time and
memory limits; the job page and ``/api/v1/jobs/{id}`` show its progress
and hand out the result. docs/jobs.md describes the runner contract.
"""

from core.jobs.models import Job, JobState
from core.jobs.services import job_for, recent_jobs, result_file, submit

__all__ = ["Job", "JobState", "job_for", "recent_jobs", "result_file", "submit"]
