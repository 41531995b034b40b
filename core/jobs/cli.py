from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from core.cli import UserError
from core.database import db, iso_utc, read_only


@click.group("jobs", help="Background jobs (evidence packs).")
def jobs_group():
    pass


@jobs_group.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="How many jobs.")
@with_appcontext
def list_command(limit):
    """The latest jobs: id, kind, state, progress, who, when, error."""
    from core.jobs import services

    with read_only():
        jobs = services.recent_jobs(None, limit=limit)
        for job in jobs:
            detail = job.error or job.result_name or job.message or ""
            click.echo(
                f"{job.id}\t{job.kind}\t{job.state}\t{job.progress}%\t{job.created_by.login}\t"
                f"{iso_utc(job.created_at)}\t{detail}"
            )
    if not jobs:
        click.echo("No jobs.", err=True)


@jobs_group.command("purge")
@with_appcontext
def purge_command():
    """Remove the results of jobs that finished longer ago than JOBS_RETENTION_DAYS."""
    from core.jobs import services

    removed = services.purge_expired()
    click.echo(f"{removed} job results removed.")


@jobs_group.command("run", hidden=True)
@click.argument("job_id")
@with_appcontext
def run_command(job_id):
    """Run a queued job here, under its limits (what a queue's worker calls)."""
    from core.jobs.models import Job
    from core.jobs.worker import run_job

    with read_only():
        known = db.session.get(Job, job_id) is not None
    if not known:
        raise UserError(f"There is no job {job_id!r}.")
    state = run_job(job_id)
    click.echo(f"Job {job_id}: {state}.")
    if state != "done":
        sys.exit(1)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then exit.")
@with_appcontext
def worker_command(burst):
    """Run queued jobs (JOBS_RUNNER = rq), one at a time, each under its time and memory limits."""
    from core.jobs.queue import work

    if not current_app.config.get("DEALERQMS_REDIS_URL"):
        raise UserError("dealerqms worker takes jobs from Redis: set DEALERQMS_REDIS_URL (redis://host:6379/0).")
    work(current_app._get_current_object(), burst=burst)
