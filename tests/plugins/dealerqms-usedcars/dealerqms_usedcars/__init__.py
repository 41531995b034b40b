"""Used cars: appraisal of trade-ins, their reconditioning, and the age of
used-car stock.

A third-party dealerqms plugin, registered through the ``dealerqms`` entry
point group as ``usedcars`` (``dealerqms_usedcars.plugin``); it uses nothing
of dealerqms but ``core.plugins``.
"""
