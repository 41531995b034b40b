"""Checking a pack file on its own: attachments against the manifest, the signature when there is one.

Needs no database: an auditor outside the dealership runs it on the file they
were handed. pyHanko reads the PDF (the same library that signs it).
"""

from __future__ import annotations

import hashlib
import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.validation.errors import SignatureValidationError

from audits.pack.build import MANIFEST_FORMAT, MANIFEST_NAME

# What a damaged or foreign file makes pyHanko and zlib raise while reading.
READ_ERRORS = (zlib.error, KeyError, TypeError, ValueError, AttributeError, IndexError)


@dataclass
class VerifyReport:
    ok: bool = True
    findings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    signed: bool = False

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)


def _resolved(value):
    return value.get_object() if hasattr(value, "get_object") else value


def _embedded_files(reader) -> dict[str, bytes | None]:
    """Every file in the document's EmbeddedFiles name tree, by name."""
    found = {}
    root = reader.root
    names = root.get("/Names")
    pending = [names["/EmbeddedFiles"]] if names is not None and "/EmbeddedFiles" in names else []
    while pending:
        node = _resolved(pending.pop())
        if "/Kids" in node:
            pending.extend(node["/Kids"])
        pairs = list(node["/Names"]) if "/Names" in node else []
        for name, spec in zip(pairs[0::2], pairs[1::2], strict=True):
            spec = _resolved(spec)
            files = spec["/EF"]
            stream = files["/F"] if "/F" in files else files["/UF"]
            try:
                found[str(_resolved(name))] = _resolved(stream).data
            except (PdfError, *READ_ERRORS):  # a damaged stream that no longer decodes: reported as a mismatch
                found[str(_resolved(name))] = None
    return found


def _check_signature(reader, report: VerifyReport, trust_roots: list[str]) -> None:
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    # No fetching: verifying a pack must not reach out to the network (OCSP, CRL, AIA).
    context = ValidationContext(trust_roots=[load_cert_from_pemder(path) for path in trust_roots], allow_fetching=False)

    signatures = reader.embedded_signatures
    if not signatures:
        report.findings.append("not signed")
        return
    report.signed = True
    for signature in signatures:
        status = validate_pdf_signature(signature, context)
        signer = status.signing_cert.subject.human_friendly if status.signing_cert else "unknown signer"
        if not (status.intact and status.valid):
            report.fail(f"signature {signature.field_name!r} by {signer} does not match the document")
            continue
        if status.coverage.name != "ENTIRE_FILE":
            report.fail(
                f"signature {signature.field_name!r} by {signer} does not cover the whole file (changed after signing)"
            )
            continue
        trust = "trusted" if status.trusted else "certificate not checked against a trusted root"
        report.findings.append(
            f"signature {signature.field_name!r} by {signer}: intact, covers the whole file ({trust})"
        )


def verify_pack(path: str | Path, *, trust_roots: list[str] = ()) -> VerifyReport:
    from pyhanko.pdf_utils.reader import PdfFileReader

    report = VerifyReport()
    data = Path(path).read_bytes()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        attachments = _embedded_files(reader)
    except (PdfError, *READ_ERRORS) as error:  # any parse failure means the file is not an intact pack
        report.fail(f"the file cannot be read as a PDF evidence pack ({error})")
        return report
    if MANIFEST_NAME not in attachments:
        report.fail(f"no {MANIFEST_NAME} attachment")
        return report
    try:
        manifest = json.loads(attachments[MANIFEST_NAME])
    except (TypeError, ValueError):
        report.fail(f"{MANIFEST_NAME} is not valid JSON")
        return report
    if manifest.get("format") != MANIFEST_FORMAT:
        report.fail(f"unknown manifest format {manifest.get('format')!r}")
        return report
    report.findings.append(
        f"audit {manifest.get('audit')}, generated {manifest.get('generated_at')}, "
        f"{len(manifest.get('sections', []))} sections in the manifest"
    )
    listed = set()
    for entry in manifest.get("files", []):
        name = entry["attachment"]
        listed.add(name)
        body = attachments.get(name)
        if name not in attachments:
            report.fail(f"{name} is in the manifest but not attached")
        elif body is None:
            report.fail(f"{name} is damaged (its stream no longer decodes)")
        elif hashlib.sha256(body).hexdigest() != entry["sha256"] or len(body) != entry["size"]:
            report.fail(f"{name} does not match its SHA-256 in the manifest")
        else:
            report.files_checked += 1
    for extra in sorted(set(attachments) - listed - {MANIFEST_NAME}):
        report.fail(f"{extra} is attached but not in the manifest")
    report.findings.append(f"{report.files_checked} of {len(listed)} attached files match the manifest")
    try:
        _check_signature(reader, report, list(trust_roots))
    except (
        PdfError,
        SignatureValidationError,
        *READ_ERRORS,
    ) as error:  # a damaged signature dictionary is a failed check, not a crash
        report.fail(f"the signature cannot be validated ({error})")
    return report
