"""Internal and external communication, cross-department meetings and the sales-to-service
handoff (source chapter 10). A built-in area plugin that imports only the public plugin
API (``core.plugins``) plus Flask, Flask-Babel and markupsafe."""
