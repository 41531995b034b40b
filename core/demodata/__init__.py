"""Synthetic data of the quality bar's sizes (``dealerqms demo-data``).

:mod:`core.demodata.sizes` has the table, :class:`BulkLoader` the bulk
machinery that keeps the audit trail intact, :mod:`core.demodata.generate`
the core's part; areas fill their own tables through the
``generate_demo_data`` hook.
"""

from core.demodata.loader import BulkLoader, SiteRow, UserRow
from core.demodata.sizes import SCALES, Sizes

__all__ = ["SCALES", "BulkLoader", "SiteRow", "Sizes", "UserRow"]
