"""The PDF evidence pack: contents as of the audit date, PDF/A-3b, attachments, manifest, signature, safety."""

import datetime
import hashlib
import io
import json
import subprocess

import pytest

from audits.services import evidence
from core.database import commit
from tests.audits.conftest import TEST_PASSWORD, record, started, user

pytestmark = pytest.mark.usefixtures("cast", "ctx")


@pytest.fixture(autouse=True)
def in_workers(monkeypatch):
    """Even these small packs render in the worker processes, the path big packs take."""
    from audits.pack import render

    monkeypatch.setattr(render, "SMALL_JOBS", 0)
    monkeypatch.setattr(render, "SERIAL_JOBS", 0)


IN_FORCE_BODY = "# Reception\n\nGreet every visitor within two minutes of arrival.\n"
LATER_BODY = "# Reception\n\nRevisedLaterWording: greet within five minutes.\n"
HOSTILE = (
    '<script>document.write("INJECTED")</script>'
    '<link rel=attachment href=file:///etc/passwd><img src="http://127.0.0.1:9/x.png">'
)


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _effective_procedure(code="SA-PR-001"):
    from core.accounts.services import department_by_code
    from procedures import services

    procedure = services.create_procedure(
        user("qo2"), code=code, title="Reception", department=department_by_code("SALES"), body=IN_FORCE_BODY
    )
    commit()
    _approve(procedure.revisions[0])
    return procedure


def _approve(revision):
    from procedures import services

    services.submit(user("qo2"), revision, row_version=revision.row_version)
    commit()
    for login in ("head", "qo"):
        services.sign_revision(user(login), revision, meaning="approved", password=TEST_PASSWORD)
        commit()


def _audit_with_findings():
    """A started audit of SALES with a major NC (Chinese note), a photo, a hostile note,
    and its criteria procedure revised after the audit."""
    from procedures import services

    procedure = _effective_procedure()
    audit = started(criteria=["SA-PR-001"])
    item = record(audit, 0, "major_nc", "接待不及时：两位顾客等待了十分钟")
    evidence.attach_to_item(user("auditor"), item, io.BytesIO(_png()), "showroom.png", "image/png")
    commit()
    record(audit, 1, "observation", HOSTILE)
    later = services.new_draft(user("qo2"), procedure, body=LATER_BODY, change_summary="Longer wait allowed")
    commit()
    _approve(later)
    assert later.state == "effective"
    return audit


def _text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def _attachments(path) -> str:
    return subprocess.run(["pdfdetach", "-list", str(path)], capture_output=True, check=True, text=True).stdout


def _flip_attachment_byte(source, target, content: bytes) -> None:
    """The pack with one byte of one attached file changed (streams uncompressed by qpdf first, so the
    file's bytes can be found and changed in place)."""
    plain = target.with_suffix(".plain.pdf")
    subprocess.run(["qpdf", "--stream-data=uncompress", str(source), str(plain)], check=True)
    data = bytearray(plain.read_bytes())
    at = data.find(content)
    assert at > 0
    data[at + len(content) // 2] ^= 0x01
    target.write_bytes(bytes(data))


def test_the_pack_shows_the_audit_as_of_its_date_and_verifies(app, tmp_path):
    audit = _audit_with_findings()
    pdf, html = tmp_path / "pack.pdf", tmp_path / "pack.html"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["pack", audit.reference, "-o", str(pdf), "--html", str(html)])
    assert result.exit_code == 0, result.output
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]

    text = _text(pdf)
    pages = int(
        subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        .stdout.split("Pages:")[1]
        .split()[0]
    )
    flat = " ".join(text.split())
    for expected in (
        audit.reference,
        "Sales process audit",
        "MAIN",
        "SALES",
        "Lead auditor",
        "dealerqms",
        f"Page 1 of {pages}",
        f"Page {pages} of {pages}",
        "Is every visitor greeted within two minutes?",
        "Major NC",
        "showroom.png",
        hashlib.sha256(_png()).hexdigest()[:20],
    ):
        assert expected in flat, expected
    from audits.services.audits import nonconformities_of

    nc = nonconformities_of(audit)[0]
    assert nc.reference in flat and nc.severity == "major"
    assert "Greet every visitor within two minutes of arrival." in flat
    assert "RevisedLaterWording" not in flat
    assert "接待不及时" in flat
    # The trail appendix reads as sentences in a table with the chain's columns; no JSON.
    appendix = flat[flat.index("Chain verification at generation time") :]
    appendix = appendix[: appendix.index("Signatures")]
    assert "Hash Previous hash" in appendix and "What happened" in appendix
    assert f"created nonconformity {nc.reference}" in appendix
    assert "{" not in appendix and '":' not in appendix and "_id" not in appendix
    # The hostile note is printed as text; nothing it names was fetched or run.
    assert "<script>document.write(" in flat
    assert "root:x:0:0" not in text

    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert " 48    32 " in images  # the photo, inline as a thumbnail and in the index

    listed = _attachments(pdf)
    assert "showroom.png" in listed and "manifest.json" in listed and "passwd" not in listed
    subprocess.run(["pdfdetach", "-savefile", "manifest.json", "-o", str(tmp_path / "m.json"), str(pdf)], check=True)
    manifest = json.loads((tmp_path / "m.json").read_text())
    assert [f["sha256"] for f in manifest["files"]] == [hashlib.sha256(_png()).hexdigest()]
    assert {s["key"] for s in manifest["sections"]} >= {
        "plan",
        "checklists",
        "nonconformities",
        "procedures",
        "evidence",
        "trail",
        "signatures",
    }
    assert manifest["trail"]["ok"] is True
    # The manifest keeps each event as stored: its hash recomputes, and the appendix shows it shortened.
    from core.trail.chain import event_hash

    entries = manifest["trail"]["entries"]
    assert entries and all(
        event_hash(
            *(e[k] for k in ("seq", "at", "actor", "action", "entity_type", "entity_id", "changes")),
            e["reason"],
            e["prev_hash"],
        )
        == e["hash"]
        for e in entries
    )
    for entry in entries:
        assert f"{entry['seq']} " in appendix and entry["hash"][:12] in appendix.replace(" ", ""), entry["seq"]
    assert hashlib.sha256(
        json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=1).encode()
    ).hexdigest() in flat.replace(" ", "")

    check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    metadata = subprocess.run(["pdfinfo", "-meta", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="B"' in metadata
    outline = subprocess.run(
        ["qpdf", "--json", "--json-key=outlines", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    for title in (
        "Audit plan and scope",
        "Checklist results",
        "Nonconformities",
        nc.reference,
        "Evidence index",
        "Audit trail",
        "Signatures",
    ):
        assert title in outline, title
    assert "<script>" not in html.read_text().replace("&lt;script&gt;", "")

    verified = runner.invoke(args=["pack", "verify", str(pdf)])
    assert verified.exit_code == 0, verified.output
    assert "1 of 1 attached files match the manifest" in verified.output and "not signed" in verified.output

    tampered = tmp_path / "tampered.pdf"
    _flip_attachment_byte(pdf, tampered, _png())
    refused = runner.invoke(args=["pack", "verify", str(tampered)])
    assert refused.exit_code == 1
    assert "does not match its SHA-256" in refused.output


def _throwaway_signer(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Pack Signer Test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def test_a_signed_pack_verifies_and_a_one_byte_change_fails(app, tmp_path):
    audit = started()
    record(audit, 0, "minor_nc", "Slow greeting")
    key, cert = _throwaway_signer(tmp_path)
    pdf = tmp_path / "signed.pdf"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "pack",
            audit.reference,
            "-o",
            str(pdf),
            "--sign-key",
            str(key),
            "--sign-cert",
            str(cert),
            "--locale",
            "zh_CN",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "signed" in result.output
    text = " ".join(_text(pdf).split())
    assert "第 1 页，共" in text and "证据包" in text and "检查表结果" in text

    verified = runner.invoke(args=["pack", "verify", str(pdf)])
    assert verified.exit_code == 0, verified.output
    assert "Pack Signer Test: intact, covers the whole file" in verified.output
    assert "not checked against a trusted root" in verified.output
    trusted = runner.invoke(args=["pack", "verify", str(pdf), "--trust", str(cert)])
    assert trusted.exit_code == 0 and "(trusted)" in trusted.output, trusted.output

    data = bytearray(pdf.read_bytes())
    # One byte inside the signed range (the rendered pages, before the signature's own objects).
    data[len(data) // 3] ^= 0x01
    (tmp_path / "changed.pdf").write_bytes(bytes(data))
    refused = runner.invoke(args=["pack", "verify", str(tmp_path / "changed.pdf")])
    assert refused.exit_code == 1, refused.output


def test_refusals_are_one_sentence_and_write_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "out"
    out.mkdir()
    missing = runner.invoke(args=["pack", "IA-1999-999", "-o", str(out / "x.pdf")])
    assert missing.exit_code == 1 and "IA-1999-999" in missing.output and "Traceback" not in missing.output
    assert list(out.iterdir()) == []
    (tmp_path / "key.pem").write_text("not a key")
    half = runner.invoke(
        args=["pack", "IA-1999-999", "-o", str(tmp_path / "x.pdf"), "--sign-key", str(tmp_path / "key.pem")]
    )
    assert half.exit_code == 1 and "--sign-cert" in half.output
    (tmp_path / "plain.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    not_a_pack = runner.invoke(args=["pack", "verify", str(tmp_path / "plain.pdf")])
    assert not_a_pack.exit_code == 1
