"""The plugin engine: loads the default and the installed plugins, checks and
collects what their hooks contribute, and answers the rest of the product.

Kept apart from :mod:`core.plugins` (the public API plugins import, which
re-exports from every area of the core) so that the core's own modules can ask
the engine without importing the whole core through that facade.
"""
