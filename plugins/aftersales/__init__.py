"""After-sales service, complaints and customer satisfaction (source chapters 4, 6 and 7).

A built-in area plugin written like a third-party one: it imports only the
public plugin API (``core.plugins``) plus Flask, Flask-Babel and markupsafe.
"""
