"""Synthetic data of the quality bar's sizes (``dealerqms demo-data``).

:mod:`core.scaledata.sizes` has the table, :class:`BulkLoader` the bulk
machinery that keeps the audit trail intact, :mod:`core.scaledata.generate`
the core's part; areas fill their own tables through the
``generate_demo_data`` hook.
"""

from core.lazy_exports import lazy_exports
from core.scaledata.sizes import SCALES, Sizes

__all__ = ["SCALES", "BulkLoader", "SiteRow", "Sizes", "UserRow"]

# Every process lists ``demo-data`` (core.scaledata.cli, which reads the sizes); the bulk
# machinery loads with the first command that fills an instance (PEP 562).
_LAZY = {"BulkLoader": "core.scaledata.loader", "SiteRow": "core.scaledata.loader", "UserRow": "core.scaledata.loader"}


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)
