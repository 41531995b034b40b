import pluggy

hookspec = pluggy.HookspecMarker("dealerqms")


@hookspec
def register_migrations():
    """Folders of Alembic migration versions for the tables a plugin owns."""


@hookspec
def populate_instance(demo):
    """Called by ``dealerqms init`` after the core's defaults are in place."""
