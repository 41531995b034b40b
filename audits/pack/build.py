"""Rendering the pack: PDF/A-3b, evidence files and the manifest attached,
optionally signed (PAdES), written to a temporary name and moved into place."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import force_locale

from audits.pack import content as pack_content
from audits.pack import document
from audits.services.audits import audit_by_reference
from core.database import iso_utc
from core.pdf import RestrictedURLFetcher, render_pdf
from core.storage import file_store

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "dealerqms-evidence-pack/1"
SIGNATURE_FIELD = "EvidencePack"


class PackError(ValueError):
    """The pack cannot be made as asked (one sentence for the user)."""


@dataclass
class PackResult:
    reference: str
    pdf: bytes
    html: str
    manifest: dict
    manifest_sha256: str
    signed: bool = False


def attachment_name(evidence) -> str:
    """A unique, path-free attachment name: the row id keeps two files with one name apart."""
    cleaned = re.sub(r"[^\w.\-]+", "_", evidence.name, flags=re.UNICODE).strip("._") or "file"
    return f"E{evidence.id:05d}-{cleaned[:120]}"


def canonical_json(data) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")


def _manifest(content, sections) -> dict:
    head = content.chain_head
    return {
        "format": MANIFEST_FORMAT,
        "audit": content.audit.reference,
        "generated_at": iso_utc(content.generated_at),
        "product_version": content.product_version,
        "sections": [{"key": s.key, "title": s.title, "sha256": s.sha256} for s in sections],
        "files": [{"attachment": attachment_name(e), "name": e.name, "media_type": e.media_type, "size": e.size,
                   "sha256": e.sha256} for e in content.evidence],
        "trail": {"ok": content.chain.ok, "events": content.chain.events,
                  "head_seq": head.seq if head else None, "head_hash": head.hash if head else None},
    }


def build_pack(audit, *, locale: str | None = None) -> PackResult:
    """The pack of ``audit`` as PDF bytes (unsigned), with its HTML and manifest."""
    from weasyprint import Attachment

    store = file_store()
    with force_locale(locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")):
        content = pack_content.gather(audit)
        body = document.sections(content)
        manifest = _manifest(content, body)
        manifest_bytes = canonical_json(manifest)
        manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
        front = document.front_matter(content, body, manifest_sha256)
        html = document.document(content, front, body)
    files = {e.sha256: store.read(e.sha256) for e in content.evidence}
    for evidence in content.evidence:
        if hashlib.sha256(files[evidence.sha256]).hexdigest() != evidence.sha256:
            raise PackError(f"stored file {evidence.sha256} of evidence {evidence.name!r} no longer matches its hash")
    # Attachments come from bytes the product hands over, never from a URL.
    fetcher = RestrictedURLFetcher()
    attachments = [Attachment(file_obj=io.BytesIO(files[e.sha256]), name=attachment_name(e),
                              description=f"{e.name} ({e.sha256})", relationship="Data", url_fetcher=fetcher)
                   for e in content.evidence]
    attachments.append(Attachment(file_obj=io.BytesIO(manifest_bytes), name=MANIFEST_NAME,
                                  description="SHA-256 of every section and file", relationship="Data",
                                  url_fetcher=fetcher))
    media_types = {e.sha256: e.media_type for e in content.evidence}
    pdf = render_pdf(html, read_file=lambda sha256: files[sha256] if sha256 in files
                     else _unknown(sha256), media_types=media_types, pdf_variant="pdf/a-3b",
                     attachments=attachments)
    return PackResult(audit.reference, pdf, html, manifest, manifest_sha256)


def _unknown(sha256: str) -> bytes:
    # Only the audit's own evidence may be pulled into its pack.
    from core.pdf import RefusedURL

    raise RefusedURL(f"{sha256[:64]} is not evidence of this audit")


def sign_pdf(pdf: bytes, key_file: str, cert_file: str, passphrase: bytes | None = None) -> bytes:
    """A PAdES signature over the whole rendered pack (an incremental update)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(key_file, cert_file, key_passphrase=passphrase)
    if signer is None:
        raise PackError("the signing key or certificate could not be read")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES,
                                            md_algorithm="sha256", reason="dealerqms evidence pack")
    return signers.sign_pdf(writer, metadata, signer=signer).getvalue()


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, so no reader ever sees half a pack."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_pack(reference: str, output: str | Path, *, html_output: str | Path | None = None,
               sign_key: str | None = None, sign_cert: str | None = None, locale: str | None = None) -> PackResult:
    audit = audit_by_reference(reference)
    result = build_pack(audit, locale=locale)
    if sign_key or sign_cert:
        if not (sign_key and sign_cert):
            raise PackError("signing needs both a key and a certificate")
        result.pdf = sign_pdf(result.pdf, sign_key, sign_cert)
        result.signed = True
    write_atomically(Path(output), result.pdf)
    if html_output:
        write_atomically(Path(html_output), result.html.encode("utf-8"))
    return result
