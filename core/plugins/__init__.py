"""The public plugin API: everything a plugin imports comes from here."""

import pluggy

hookimpl = pluggy.HookimplMarker("dealerqms")

__all__ = ["hookimpl"]
