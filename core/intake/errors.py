"""What the public pages refuse with, apart from :mod:`core.intake.services`: their error
handlers are registered at start-up (:mod:`core.intake.routes`), the services load with the
pages."""

from __future__ import annotations

from flask_babel import gettext as _

from core.errors import TooManyAttempts


class RateLimited(TooManyAttempts):
    def __init__(self, retry_after: int):
        self.retry_after = max(1, retry_after)
        super().__init__(_("Too many submissions from here; please try again later."))
