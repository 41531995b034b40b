"""dealerqms core: the app factory and the pieces every area plugs into.

`flask --app core …` and `gunicorn 'core:create_app()'` find :func:`create_app` here.
"""

__all__ = ["create_app"]


def __getattr__(name: str):
    # The app (Flask, SQLAlchemy, every model) is imported when the factory is asked for, not
    # by every `import core.…`: a pack's render worker needs core's templates and charts only,
    # and importing the app cost it three quarters of a CPU second.
    if name == "create_app":
        from core.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
