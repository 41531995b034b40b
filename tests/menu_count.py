"""The menu's task count as the browser fetches it after each page (``core/static/js/nav-count.js``)."""

from __future__ import annotations


def menu_count(client) -> int:
    """How many tasks the menu's badge says wait for ``client``'s user."""
    answer = client.get("/tasks/count")
    assert answer.status_code == 200
    return answer.get_json()["count"]
