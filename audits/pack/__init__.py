"""The evidence pack: one self-verifying PDF/A-3b per audit (docs/evidence-pack.md).

``content`` gathers what the audits, procedures, metrics, signatures and trail
store about one audit, as of the audit date; ``document`` turns it into print
HTML, one section at a time (each section is hashed into the manifest);
``build`` renders the PDF through the restricted fetcher with every evidence
file and the manifest attached, optionally signs it (PAdES) and moves it into
place; ``verify`` checks a pack file without access to the system.
"""

from audits.pack.build import PackResult, build_pack, write_pack
from audits.pack.verify import VerifyReport, verify_pack

__all__ = ["PackResult", "VerifyReport", "build_pack", "verify_pack", "write_pack"]
