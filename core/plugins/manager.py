import pluggy

from core.plugins import hookspecs

pm = pluggy.PluginManager("dealerqms")
pm.add_hookspecs(hookspecs)


def init_app(app):
    pass


def startup(app):
    pass


def migration_locations():
    return [p for paths in pm.hook.register_migrations() for p in paths]
