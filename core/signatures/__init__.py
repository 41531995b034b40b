"""Electronic signatures (21 CFR Part 11 11.50, 11.70, 11.200)."""

from core.signatures.models import Signature
from core.signatures.service import (
    MEANINGS,
    manifestation,
    sign,
    signature_matches,
    signatures_for,
)

__all__ = ["MEANINGS", "Signature", "manifestation", "sign", "signature_matches", "signatures_for"]
