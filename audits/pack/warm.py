"""Imported by the render workers' fork server (see :func:`audits.pack.render.warm_up`): WeasyPrint, its
lazily loaded parts and the fonts are loaded once there, so that every worker forked from it starts
warm instead of paying for its first document (about 0.4 CPU seconds, several times that in wall time
on a busy machine)."""

from __future__ import annotations

import logging

from audits.pack import worker

log = logging.getLogger(__name__)

try:
    worker.warm()
except Exception:  # noqa: BLE001 - a cold worker is slower, never wrong: the fork server must come up
    log.warning("the render workers' fork server could not warm up", exc_info=True)
