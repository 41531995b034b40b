"""dealerqms core: the app factory and the pieces every area plugs into.

`flask --app core …` and `gunicorn 'core:create_app()'` find :func:`create_app` here.
"""

from core.lazy_exports import lazy_exports

__all__ = ["create_app"]


# The app (Flask, SQLAlchemy, every model) is imported when the factory is asked for, not by
# every `import core.…`: a pack's render worker needs core's templates and charts only, and
# importing the app cost it three quarters of a CPU second.
__getattr__, __dir__ = lazy_exports(globals(), {"create_app": "core.app"})
