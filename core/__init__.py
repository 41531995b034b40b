"""dealerqms core: the app factory and the pieces every area plugs into.

`flask --app core …` finds :func:`create_app` here.
"""

from core.app import create_app

__all__ = ["create_app"]
