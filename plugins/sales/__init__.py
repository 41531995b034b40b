"""Sales: showroom, test drive, delivery and sales satisfaction (source chapters 2, 3, 4 and 5).

A built-in area plugin written exactly like a third-party one: it imports only
``core.plugins`` (plus Flask-Babel and markupsafe) and is found through the
``dealerqms`` entry-point group.
"""
