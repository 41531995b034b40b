"""Synthetic data of the quality bar's sizes (``dealerqms demo-data``).

:mod:`core.scaledata.sizes` has the table, :class:`BulkLoader` the bulk
machinery that keeps the audit trail intact, :mod:`core.scaledata.generate`
the core's part; areas fill their own tables through the
``generate_demo_data`` hook.
"""

import importlib

from core.scaledata.sizes import SCALES, Sizes

__all__ = ["SCALES", "BulkLoader", "SiteRow", "Sizes", "UserRow"]

# Every process lists ``demo-data`` (core.scaledata.cli, which reads the sizes); the bulk
# machinery loads with the first command that fills an instance (PEP 562).
_LAZY = {"BulkLoader": "core.scaledata.loader", "SiteRow": "core.scaledata.loader", "UserRow": "core.scaledata.loader"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
