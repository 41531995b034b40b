"""Synthetic data of the quality bar's sizes (``dealerqms demo-data``).

:mod:`core.scaledata.sizes` has the table, :class:`BulkLoader` the bulk
machinery that keeps the audit trail intact, :mod:`core.scaledata.generate`
the core's part; areas fill their own tables through the
``generate_demo_data`` hook.
"""

from core.scaledata.loader import BulkLoader, SiteRow, UserRow
from core.scaledata.sizes import SCALES, Sizes

__all__ = ["SCALES", "BulkLoader", "SiteRow", "Sizes", "UserRow"]
