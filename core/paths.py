"""Paths of pages, in a request or outside one (a tick, the command line)."""

from __future__ import annotations

from flask import current_app


def path_for(endpoint: str, **values) -> str:
    """``url_for``'s path, also without a request: links kept in records (notifications) and
    listed on the command line (tasks) are paths; e-mail makes them absolute."""
    return current_app.url_map.bind("localhost").build(endpoint, values)
