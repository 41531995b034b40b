"""Six Sigma figures as plain functions, kept free of Flask and the database so that each can be
checked against a hand-worked example.

DPMO (defects per million opportunities) = defects ÷ (units × opportunities per unit) × 1,000,000.
The sigma level is the short-term one industry tables give: the normal quantile of the yield
(1 − DPMO ÷ 1,000,000) plus the conventional 1.5 sigma long-term shift — Excel's
``NORMSINV(1 − DPMO/1E6) + 1.5``; 3.4 DPMO is six sigma, 66,807 DPMO three.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

MILLION = 1_000_000
SHIFT = 1.5


def dpmo(defects: int, units: int, opportunities: int) -> float:
    """Defects per million opportunities."""
    if units <= 0 or opportunities <= 0:
        raise ValueError("units and opportunities per unit must be positive")
    if defects < 0 or defects > units * opportunities:
        raise ValueError("defects must lie between 0 and units × opportunities")
    return defects / (units * opportunities) * MILLION


def sigma_level(dpmo_value: float) -> float | None:
    """The short-term sigma level of ``dpmo_value``; None at 0 (no defect: beyond any table)
    and at 1,000,000 (every opportunity a defect), where the quantile is infinite."""
    share = dpmo_value / MILLION
    if share <= 0 or share >= 1:
        return None
    return NormalDist().inv_cdf(1 - share) + SHIFT


@dataclass(frozen=True)
class Capability:
    """One measurement of a process: its counts, DPMO and sigma level."""

    defects: int
    units: int
    opportunities: int
    dpmo: float
    sigma: float | None


def capability(defects: int | None, units: int | None, opportunities: int | None) -> Capability | None:
    """The figures of one measurement, or None while a count is missing."""
    if defects is None or units is None or opportunities is None:
        return None
    value = dpmo(defects, units, opportunities)
    return Capability(defects, units, opportunities, value, sigma_level(value))
