"""The evidence pack: one self-verifying PDF/A-3b per audit (docs/evidence-pack.md).

``content`` gathers what the audits, procedures, metrics, signatures and trail
store about one audit, as of the audit date; ``document`` cuts it into render
units of print HTML; ``render`` and ``worker`` render units in worker
processes, ``cache`` keeps them; ``build`` merges, stamps page numbers and
bookmarks, attaches every evidence file and the manifest, optionally signs
(PAdES) and moves the file into place; ``verify`` checks a pack file without
access to the system.

The names below are imported on first use: a render worker imports
``audits.pack.worker`` and should not pay for the rest of the package.
"""

from __future__ import annotations

from core.lazy_exports import lazy_exports

_EXPORTS = {
    "PackResult": "audits.pack.build",
    "build_pack": "audits.pack.build",
    "write_pack": "audits.pack.build",
    "VerifyReport": "audits.pack.verify",
    "verify_pack": "audits.pack.verify",
}

__all__ = ["PackResult", "VerifyReport", "build_pack", "verify_pack", "write_pack"]


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
