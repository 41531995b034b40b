"""Capabilities one plugin offers the others through a ``firstresult`` hook.

Area plugins may use only the public plugin API, never another feature's
package; to raise a nonconformity they call :func:`raise_nonconformity`,
which asks whichever plugin implements ``create_nonconformity`` (the
built-in audits feature) and says plainly when none does.
"""

from __future__ import annotations

from core.plugin_engine.manager import plugin_manager


class CapabilityMissing(RuntimeError):
    """No installed plugin provides a capability another plugin asked for."""


def raise_nonconformity(
    *,
    title: str,
    description: str = "",
    severity: str = "minor",
    site: str,
    department: str,
    source: str = "manual",
    source_ref: str | None = None,
    raised_by: str | None = None,
) -> str:
    """Raise a nonconformity; returns its reference (``NC-2026-0042``).

    Written in the caller's unit of work. Raises :class:`CapabilityMissing`
    when no plugin implements ``create_nonconformity`` (the audits feature
    is not installed or is blocked), and ``core.errors.ValidationFailed``
    naming the field for invalid values.
    """
    reference = plugin_manager().hook.create_nonconformity(
        title=title,
        description=description,
        severity=severity,
        site=site,
        department=department,
        source=source,
        source_ref=source_ref,
        raised_by=raised_by,
    )
    if reference is None:
        raise CapabilityMissing(
            "Cannot raise a nonconformity: no installed plugin provides create_nonconformity "
            "(is the audits feature installed and enabled?)."
        )
    return reference


__all__ = ["CapabilityMissing", "raise_nonconformity"]
