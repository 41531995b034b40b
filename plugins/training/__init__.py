"""Training and development (source chapter 8; ISO 9001 7.2, 7.3).

A built-in area plugin written like any third-party one: it imports only
``core.plugins`` (plus Flask-Babel for its texts).
"""
