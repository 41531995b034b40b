"""Marketing: promotion planning, legal review, execution and evaluation (source chapters 2 and 9).

A built-in area plugin written exactly like a third-party one: it imports only
``core.plugins`` (plus Flask-Babel and markupsafe).
"""
