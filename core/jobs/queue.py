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

A job can also be lost before it runs: its worker died after taking it from
the queue but before claiming it, or Redis restarted without persistence and
forgot the queue. Its row would say ``queued`` for ever. :func:`recover_lost`
(run by every worker when it starts and every minute, and by ``dealerqms
tick``) finds such jobs — ``queued`` for a while, neither waiting in Redis's
queue nor leased by a worker — and puts each back on the queue once; a job
lost a second time is failed with the reason.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import Flask
from redis import Redis, RedisError
from sqlalchemy import update

from core.clock import utcnow
from core.config import ConfigurationError
from core.database import db, read_only
from core.jobs import states
from core.jobs.models import Job, JobState
from core.jobs.prepare import prepare_in_background
from core.jobs.states import this_host

log = logging.getLogger("dealerqms.jobs")

QUEUE_NAME = "dealerqms-jobs"
# A lease outlives a few missed renewals (a busy machine), and not much more: a dead
# worker's job is reported failed about this long after it died.
LEASE_SECONDS = 30
RENEW_SECONDS = 5
# RQ's own timeout only backs up the supervisor's time limit, which ends the job first.
BACKSTOP_SECONDS = 120

# A job younger than this may not be on the queue yet: submit() enqueues it after its commit.
QUEUED_GRACE = timedelta(seconds=60)
# A job found neither waiting nor leased is looked at again after this pause before anything is
# done: a live worker goes from taking a job off the queue to holding its lease in milliseconds.
SECOND_LOOK_SECONDS = 2.0
# How often a worker looks for lost jobs (RQ's maintenance interval; it also runs when a worker starts).
RECOVER_EVERY_SECONDS = 60
# Only one looker at a time (workers, ticks): a job is put back once, not once per looker.
RECOVER_LOCK = "dealerqms:jobs:recover"
# Written on a job put back on the queue: the record that its one retry is used.
REQUEUED = "Put back on the queue: it was lost before a worker started it."
LOST_AGAIN = (
    "The job was lost from the queue twice before a worker started it (Redis restarted without "
    "persistence, or a worker stopped as it took the job); start the job again"
)


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

    def submit(self, job_id: str, *, again: bool = False) -> None:
        queue_for(self.app).enqueue_call(
            # By name: the web process need not import the worker's side.
            "core.jobs.worker.run_queued",
            args=(job_id,),
            # The job's own id, so that a look at the queue tells which jobs wait on it; a job put back
            # gets another (RQ may still hold the first, in the registry of a worker that died with it).
            job_id=rq_job_id(job_id, again=again),
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

    def recover(self) -> list[str]:
        return recover_lost(self.app)


def rq_job_id(job_id: str, *, again: bool = False) -> str:
    return f"{job_id}-again" if again else job_id


def _waiting(redis: Redis, app: Flask) -> set[str]:
    """The ids of the jobs waiting on the queue now."""
    ids = (raw.decode() for raw in redis.lrange(queue_for(app).key, 0, -1))
    return {rq_id.removesuffix("-again") for rq_id in ids}


def _unaccounted_for(app: Flask, redis: Redis, only: set[str] | None = None) -> dict[str, str | None]:
    """Jobs queued longer than the grace period that neither wait on the queue nor have a worker's lease.

    Returns each one's id and message (``REQUEUED`` once it has been put back).
    """
    query = db.select(Job.id, Job.message).where(
        Job.state == JobState.QUEUED.value, Job.created_at < utcnow() - QUEUED_GRACE
    )
    if only is not None:
        query = query.where(Job.id.in_(only))
    with read_only(), db.engine.connect() as connection:
        queued = dict(connection.execute(query).all())
        connection.rollback()
    if not queued:
        return {}
    waiting = _waiting(redis, app)
    unseen = [job_id for job_id in queued if job_id not in waiting]
    if unseen and redis.exists(*(lease_key(job_id) for job_id in unseen)):
        # Rare (a worker between taking a job and claiming it): ask one by one which are leased.
        unseen = [job_id for job_id in unseen if not redis.exists(lease_key(job_id))]
    return {job_id: queued[job_id] for job_id in unseen}


def recover_lost(app: Flask) -> list[str]:
    """Put back on the queue, once, each job that Redis or a dying worker lost before it began; fail it
    when it is lost again. Returns what it did, in lines (for ``dealerqms tick``)."""
    try:
        redis = redis_for(app)
        lock = redis.lock(RECOVER_LOCK, timeout=60)
        if not lock.acquire(blocking=False):
            return []  # another worker or tick is looking right now
    except RedisError:
        return []  # Redis not answering: nothing can be told about the queue
    requeued = failed = 0
    try:
        suspects = _unaccounted_for(app, redis)
        if suspects:
            time.sleep(SECOND_LOOK_SECONDS)
            suspects = _unaccounted_for(app, redis, only=set(suspects))
        for job_id, message in suspects.items():
            if message is not None:  # nothing but a put-back writes on a job no worker has begun
                failed += states.fail_queued(job_id, LOST_AGAIN)
                continue
            # The mark is the record of the retry: written first, and only once, whoever else looks.
            marked = states.write_now(
                update(Job)
                .where(Job.id == job_id, Job.state == JobState.QUEUED.value, Job.message.is_(None))
                .values(message=REQUEUED)
            )
            if not marked:
                continue
            try:
                RqRunner(app).submit(job_id, again=True)
            except RedisError as error:
                failed += states.fail_queued(
                    job_id, f"The job was lost from the queue and could not be put back: {error}"
                )
                continue
            log.warning("job %s was lost from the queue before it started; put back once", job_id)
            requeued += 1
    except RedisError as error:
        log.warning("looking for jobs the queue lost stopped: %s", error)
    finally:
        try:
            lock.release()
        except RedisError:
            pass  # it expires
    lines = []
    if requeued:
        lines.append(f"jobs lost from the queue put back: {requeued}")
    if failed:
        lines.append(f"jobs lost from the queue again, failed: {failed}")
    return lines


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

        def run_maintenance_tasks(self):
            # RQ's maintenance runs when the worker starts and every maintenance_interval.
            super().run_maintenance_tasks()
            try:
                recover_lost(app)
            except Exception:
                # The database out of reach for a moment must not stop the worker: it looks again later.
                log.exception("looking for jobs the queue lost failed")

        def unsubscribe(self):
            # RQ listens for its commands in a daemon thread that waits up to 60 s per read;
            # redis-py 8's stop() waits for that read to end, holding up every exit by a minute.
            # The thread ends with the process.
            if self.pubsub_thread:
                try:
                    self.pubsub.unsubscribe()
                except RedisError:
                    pass

    worker = Worker([queue_for(app)], connection=redis_for(app), maintenance_interval=RECOVER_EVERY_SECONDS)
    # Each job's process is forked from this one: what the plugins load now (the evidence pack's WeasyPrint,
    # fonts and render workers' fork server), every job starts with. Loaded while RQ connects and registers.
    prepare_in_background(app)
    worker.work(burst=burst, logging_level="WARNING")
