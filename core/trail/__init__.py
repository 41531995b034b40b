"""The hash-chained audit trail (21 CFR Part 11 11.10(e)).

Every flush that creates, changes or deletes a domain record appends events
in the same transaction (see :mod:`core.trail.recorder`); nothing in the
product updates or deletes an event; :func:`core.trail.chain.verify` walks
the chain.
"""

from core.trail.context import acting_as, current_actor, reason
from core.trail.models import TrailEvent

__all__ = ["TrailEvent", "acting_as", "current_actor", "reason"]
