"""The error start-up raises for a plugin it cannot use.

Kept apart from the manager so that ``core.plugins`` can export it (plugin
tests expect it) without importing the manager.
"""

from __future__ import annotations

import click


class PluginError(click.ClickException):
    """A plugin cannot be loaded or breaks a rule; start-up stops.

    A ``ClickException`` so that every ``dealerqms`` command reports it as
    one sentence (exit status 1) instead of a traceback.
    """

    def __init__(self, plugin: str, problem: str):
        super().__init__(f"Plugin {plugin!r}: {problem}")
        self.plugin = plugin
        self.problem = problem


__all__ = ["PluginError"]
