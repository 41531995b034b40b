"""Names a package exports but imports on first use (PEP 562).

Every process imports the packages a command or worker touches; what only some of them use
(the app factory, the bulk loader, the plugin API's record readers, the pack builder) is
imported when a name is first read, and kept in the package from then on::

    __getattr__, __dir__ = lazy_exports(globals(), {"BulkLoader": "core.scaledata.loader"})
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_exports(namespace: dict, exports: dict[str, str]) -> tuple[Callable, Callable]:
    """The module-level ``__getattr__`` and ``__dir__`` of the package whose ``globals()`` is
    ``namespace``: each name of ``exports`` is read from the module named beside it."""
    package = namespace["__name__"]

    def __getattr__(name: str):
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
