"""Job kinds: what a background job can do, registered by the package that owns the work.

The core knows no kind of its own; ``audits`` registers the evidence pack
in its own module, which its plugin imports::

    from core.jobs import job_kind

    @job_kind("audits.pack", title=_l("Evidence pack"))
    def build_pack(context):            # runs in the worker process
        name = f"{context.params['audit']}-evidence-pack.pdf"
        write_pack(context.params["audit"], context.folder / name, progress=context.progress)
        return name                     # the result file, inside context.folder
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.jobs.worker import JobContext


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[JobContext], str]
    title: object  # a (lazy) string shown on the job page
    describe: Callable[[dict], str] | None = None  # what a job of this kind is about, from its params

    def subject(self, params: dict) -> str:
        return self.describe(params) if self.describe else ""


_KINDS: dict[str, JobKind] = {}


class DuplicateJobKind(ValueError):
    pass


def job_kind(name: str, *, title=None, describe: Callable[[dict], str] | None = None):
    """Register the decorated function as the runner of jobs of kind ``name``.

    The function gets a :class:`core.jobs.worker.JobContext` and returns the
    name of the file it wrote into ``context.folder``; raising fails the job
    (a :class:`core.errors.DomainError`'s detail is shown as it is).
    """

    def register(run: Callable[[JobContext], str]):
        existing = _KINDS.get(name)
        # Re-importing the same module (a reload) is not a conflict.
        if existing is not None and existing.run.__qualname__ != run.__qualname__:
            raise DuplicateJobKind(f"the job kind {name!r} is registered twice "
                                   f"({existing.run.__module__} and {run.__module__})")
        _KINDS[name] = JobKind(name=name, run=run, title=title or name, describe=describe)
        return run

    return register


def kind_named(name: str) -> JobKind | None:
    return _KINDS.get(name)


def kinds() -> dict[str, JobKind]:
    return dict(_KINDS)
