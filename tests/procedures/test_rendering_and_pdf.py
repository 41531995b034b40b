"""What reaches the page and the PDF: sanitized Markdown, controlled-copy contents,
and a PDF renderer that fetches nothing by itself."""

import http.server
import subprocess
import threading

import pytest

from core.database import commit
from procedures import services
from procedures.markdown import render
from procedures.pdf import controlled_copy_pdf
from tests.procedures.conftest import approve, effective_procedure, make_procedure, user

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript&#58;alert(1)">x</a>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![external](http://attacker.example/pixel.png)",
    '<iframe src="https://attacker.example"></iframe>',
    "<object data=x></object><embed src=x>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<form action=https://attacker.example><input name=p></form>",
    '<a href="//attacker.example">scheme-relative</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<link rel=attachment href="file:///etc/passwd">',
    '<meta http-equiv=refresh content="0;url=https://attacker.example">',
]
FORBIDDEN_MARKUP = [
    "<script",
    "onerror",
    "onload",
    "javascript:",
    "data:text",
    "<iframe",
    "<object",
    "<embed",
    "attacker.example/pixel",
    "<form",
    "<link",
    "<meta",
    "<style",
    '//attacker.example"',
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_markdown_is_sanitized(payload):
    html = str(render(f"# Title\n\n{payload}\n\nafter")).lower()
    for marker in FORBIDDEN_MARKUP:
        assert marker not in html, f"{marker!r} survived in {html!r}"
    if "<style" not in payload:  # an unclosed raw-text element swallows what follows, harmlessly
        assert "after" in html


def test_markdown_features_render():
    html = str(
        render(
            "[TOC]\n\n# One\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1]\n\n[^1]: footnote\n\n"
            "```\ncode block\n```\n\n![evidence](/files/" + "a" * 64 + ")"
        )
    )
    assert "<table>" in html and '<div class="toc">' in html and "footnote" in html
    assert "<pre><code>code block" in html and f'src="/files/{"a" * 64}"' in html


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.mark.usefixtures("people")
def test_controlled_copy_carries_header_signatures_and_page_numbers(app, tmp_path):
    with app.test_request_context():
        body = "# 展厅接待\n\n" + "\n\n".join(f"## Step {n}\n\nGreet the customer. 欢迎光临。" for n in range(60))
        procedure = effective_procedure(body=body)
        revision = procedure.effective_revision
        text = pdf_text(controlled_copy_pdf(revision), tmp_path)
    assert "SA-PR-001" in text and "Showroom reception" in text and "Revision 1" in text
    assert f"Effective date: {revision.effective_date}" in text
    assert "展厅接待" in text and "欢迎光临" in text
    pages = text.count("\f")
    assert pages >= 2 and f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "Hana Head" in text and "Quinn Quality" in text and text.count("Uncontrolled when printed") == pages


@pytest.mark.usefixtures("people")
def test_superseded_copy_says_so_on_every_page(app, tmp_path):
    with app.test_request_context():
        body = "\n\n".join(f"Paragraph {n} of the old text." for n in range(120))
        procedure = effective_procedure(body=body)
        first = procedure.revisions[0]
        draft = services.new_draft(user("qo2"), procedure, change_summary="Shorter")
        services.edit_draft(user("qo2"), draft, row_version=draft.row_version, body="The new, shorter text.")
        services.submit(user("qo2"), draft, row_version=draft.row_version)
        commit()
        approve(draft, "head", "qo")
        text = pdf_text(controlled_copy_pdf(first), tmp_path)
    pages = text.count("\f")
    assert pages >= 2 and text.count("SUPERSEDED") >= pages


@pytest.mark.usefixtures("people")
def test_a_chinese_controlled_copy_says_its_state_and_signatures_in_chinese(app, tmp_path):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        procedure = effective_procedure(body="# 展厅接待\n\n欢迎光临。")
        first = procedure.revisions[0]
        current = pdf_text(controlled_copy_pdf(first), tmp_path)
        draft = services.new_draft(user("qo2"), procedure, change_summary="Shorter")
        commit()
        in_draft = pdf_text(controlled_copy_pdf(draft), tmp_path)
    # The state, the meaning of each signature and the mark of a copy not in force, all in Chinese.
    assert "生效" in current and "批准" in current
    for english in ("effective", "approved", "Revision", "Controlled copy", "Uncontrolled"):
        assert english not in current, english
    assert "草稿" in in_draft and "未生效" in in_draft and "NOT IN FORCE" not in in_draft and "DRAFT" not in in_draft


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):  # noqa: N802 - the http.server API
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


@pytest.mark.usefixtures("people")
def test_pdf_rendering_fetches_neither_files_nor_the_network(app, tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        from core.pdf import render_pdf

        pdf = render_pdf(
            f'<link rel="attachment" href="file://{secret}"><link rel="stylesheet" href="{url}/s.css">'
            f'<img src="{url}/i.png"><img src="file://{secret}"><p>visible</p>'
        )
    finally:
        server.shutdown()
    assert _CountingHandler.hits == []
    assert b"TOP-SECRET-CONTENT" not in pdf
    path = tmp_path / "hostile.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfdetach", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    assert "0 embedded files" in listing
    assert "visible" in pdf_text(pdf, tmp_path)


def test_twenty_page_copy_renders(app, people, tmp_path):
    import time

    with app.test_request_context():
        body = "\n\n".join(f"## Section {n}\n\n" + "The quality officer checks the record. " * 25 for n in range(70))
        procedure = make_procedure(body=body)
        started = time.perf_counter()
        pdf = controlled_copy_pdf(procedure.revisions[0])
        elapsed = time.perf_counter() - started
    pages = pdf_text(pdf, tmp_path).count("\f")
    print(f"\n{pages}-page controlled copy rendered in {elapsed:.2f} s")
    assert pages >= 20
