"""``JOBS_RUNNER = "rq"``: jobs on a Redis queue, run by ``dealerqms worker`` processes on any node.

RQ rather than Celery: it needs nothing but the Redis the app already uses
for sessions, its worker is a small library we drive from our own command,
and a job here is one function call with one argument (the job's id), which
is all RQ does. Every limit and every state change stays with the job's own
supervisor (:func:`core.jobs.worker.run_job`); RQ only carries ids to it.

A worker that dies on another machine cannot be checked by its pid, so the
worker holds a *lease* for the job it runs: a Redis key with a short expiry
that it renews while it waits for the job. A reader that finds a running job
without its lease (job page, API, ``dealerqms jobs list``) fails it.
"""

from __future__ import annotations

import time

from flask import Flask
from redis import Redis, RedisError

from core.config import ConfigurationError
from core.jobs.models import Job, JobState
from core.jobs.states import this_host

QUEUE_NAME = "dealerqms-jobs"
# A lease outlives a few missed renewals (a busy machine), and not much more: a dead
# worker's job is reported failed about this long after it died.
LEASE_SECONDS = 30
RENEW_SECONDS = 5
# RQ's own timeout only backs up the supervisor's time limit, which ends the job first.
BACKSTOP_SECONDS = 120


def lease_key(job_id: str) -> str:
    return f"dealerqms:jobs:lease:{job_id}"


def redis_for(app: Flask) -> Redis:
    url = app.config.get("DEALERQMS_REDIS_URL")
    if not url:
        raise ConfigurationError('JOBS_RUNNER "rq" needs DEALERQMS_REDIS_URL (redis://host:6379/0).')
    connection = app.extensions.get("dealerqms-jobs-redis")
    if connection is None:
        connection = app.extensions["dealerqms-jobs-redis"] = Redis.from_url(url)
    return connection


def queue_for(app: Flask):
    from rq import Queue

    return Queue(QUEUE_NAME, connection=redis_for(app))


class RqRunner:
    """Puts each job's id on the ``dealerqms-jobs`` queue; ``dealerqms worker`` processes take it from there."""

    def __init__(self, app: Flask):
        self.app = app
        self.timeout = int(float(app.config["JOBS_TIME_LIMIT"])) + BACKSTOP_SECONDS

    def submit(self, job_id: str) -> None:
        queue_for(self.app).enqueue_call(
            # By name: the web process need not import the worker's side.
            "core.jobs.worker.run_queued",
            args=(job_id,),
            timeout=self.timeout,
            description=f"dealerqms job {job_id}",
            # The job's row keeps the outcome; RQ's copy of it is only for a look with rq's tools.
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )

    def lost(self, job: Job) -> bool:
        """A running job whose worker no longer holds its lease: that worker, wherever it ran, is gone."""
        if job.state != JobState.RUNNING.value:
            return False
        try:
            return not redis_for(self.app).exists(lease_key(job.id))
        except RedisError:
            return False  # Redis not answering says nothing about the worker


class Lease:
    """The running worker's claim on a job, renewed while the supervisor waits for the work."""

    def __init__(self, app: Flask, job_id: str):
        self.redis = redis_for(app)
        self.key = lease_key(job_id)
        self.renewed = 0.0

    def renew(self) -> None:
        now = time.monotonic()
        if now - self.renewed >= RENEW_SECONDS:
            try:
                self.redis.set(self.key, this_host(), ex=LEASE_SECONDS)
                self.renewed = now
            except RedisError:
                pass  # tried again at the next wait; the lease outlives a few misses

    def release(self) -> None:
        try:
            self.redis.delete(self.key)
        except RedisError:
            pass  # it expires by itself


def work(app: Flask, *, burst: bool) -> None:
    """Take jobs from the queue one after another until stopped (or, with ``burst``, until it is empty)."""
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        # SimpleWorker runs each job in this process: run_job forks the process that does the
        # work (its own limits and process group) itself, and this app context is the job's.

        def unsubscribe(self):
            # RQ listens for its commands in a daemon thread that waits up to 60 s per read;
            # redis-py 8's stop() waits for that read to end, holding up every exit by a minute.
            # The thread ends with the process.
            if self.pubsub_thread:
                try:
                    self.pubsub.unsubscribe()
                except RedisError:
                    pass

    Worker([queue_for(app)], connection=redis_for(app)).work(burst=burst, logging_level="WARNING")
