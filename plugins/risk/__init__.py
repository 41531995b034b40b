"""Legal, market and data risks (source chapter 11; ISO 9001 6.1; 汽车销售管理办法; PIPL).

A built-in area plugin written like any third-party one: it imports only
``core.plugins`` (plus Flask-Babel and markupsafe).
"""
