"""Checklists as data: libraries a quality officer imports from a spreadsheet or a YAML file.

:mod:`core.checklists.format` reads and writes the file format (``docs/checklists.md``);
the other modules keep imported libraries, their versions, and offer them to the rest of the
product as the same :class:`core.plugins.Checklist` values plugins contribute.
"""
