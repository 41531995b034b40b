"""A `dealerqms` entry point added for one test, as if a third party's package were installed."""

from __future__ import annotations

import importlib.metadata
import sys


def with_entry_point(monkeypatch, name: str, value: str) -> None:
    """Add the entry point ``name = value`` to the ``dealerqms`` group until the test ends.

    The module it names is forgotten then too: tests write different modules under the same
    name in their own folders, and Python would otherwise hand the next test the first one."""
    real = importlib.metadata.entry_points
    extra = importlib.metadata.EntryPoint(name=name, value=value, group="dealerqms")

    def entry_points(**selection):
        found = list(real(**selection))
        return found + [extra] if selection.get("group") == "dealerqms" else found

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    package = value.partition(":")[0].partition(".")[0]
    for module in (package, f"{package}.plugin"):
        # Set and removed at once: on undo monkeypatch removes whatever the test imported under the name.
        monkeypatch.setitem(sys.modules, module, None)
        del sys.modules[module]
