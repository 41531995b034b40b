"""Document control (ISO 9001 7.5): controlled procedures, their revisions,
two-person approval with electronic signatures, periodic review,
read-and-understood, diffs and controlled PDF copies.

Plugs into the core as a built-in plugin (``procedures.plugin``), registered
through the ``dealerqms`` entry-point group.
"""
