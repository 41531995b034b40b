"""Each plugin's own settings, from the instance's configuration.

An instance configures a plugin in ``<instance>/config.py``::

    DEALERQMS_PLUGIN_CONFIG = {"usedcars": {"stock_age_limit": 90}}

or in the environment, one JSON object per plugin (its name upper-cased,
``-`` as ``_``), which wins over the file key by key::

    DEALERQMS_PLUGIN_CONFIG_USEDCARS='{"stock_age_limit": 120}'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from flask import current_app

PLUGIN_CONFIG = "DEALERQMS_PLUGIN_CONFIG"


def plugin_config(name: str) -> Mapping:
    """The settings of the plugin ``name`` (read-only; empty when the instance sets none).

    Needs an app context. Give every setting a default in the plugin::

        limit = plugin_config("usedcars").get("stock_age_limit", 90)
    """
    return MappingProxyType(dict((current_app.config.get(PLUGIN_CONFIG) or {}).get(name) or {}))


__all__ = ["plugin_config"]
