"""The evidence pack's rendering: units in worker processes, the render cache, the merged document's
page numbers, bookmarks and contents, the instance's signing key, and fetching nothing in the workers."""

import http.server
import json
import os
import re
import subprocess
import sys
import threading

import pytest

from audits.pack import document, render
from core.plugins import PackSection, hookimpl
from tests.audits.conftest import record, started
from tests.audits.test_pack import _effective_procedure, _throwaway_signer

pytestmark = pytest.mark.usefixtures("cast", "ctx")


@pytest.fixture(autouse=True)
def small_units(monkeypatch):
    """Small audits cut into several units, rendered by the worker processes (not in the test process)."""
    monkeypatch.setattr(document, "CHECKLIST_CHUNK", 2)
    monkeypatch.setattr(document, "TRAIL_CHUNK", 6)
    monkeypatch.setattr(render, "SMALL_JOBS", 0)
    monkeypatch.setattr(render, "SERIAL_JOBS", 0)


def _audit():
    _effective_procedure()
    audit = started(criteria=["SA-PR-001"])
    record(audit, 0, "major_nc", "Two customers waited ten minutes")
    record(audit, 1, "minor_nc", "No test drive record for Tuesday")
    record(audit, 2, "conforming", "Signed handover sheets seen")
    return audit


def _pages(path) -> list[str]:
    """The text of every page (pdftotext separates pages with a form feed)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def _outline(path) -> list[tuple[int, str, int]]:
    data = json.loads(
        subprocess.run(
            ["qpdf", "--json", "--json-key=outlines", str(path)], capture_output=True, check=True, text=True
        ).stdout
    )
    found = []

    def walk(items, level):
        for item in items:
            found.append((level, item["title"], item["destpageposfrom1"]))
            walk(item["kids"], level + 1)

    walk(data["outlines"], 1)
    return found


def _pack(tmp_path, reference, name="pack.pdf", **options):
    from audits.pack import write_pack

    return write_pack(reference, tmp_path / name, **options)


@pytest.fixture(params=["workers", "here"])
def where(request, monkeypatch):
    """Where the units render: in the worker processes, or in this process, as a pack of up to about 40
    pages does when every core is busy (no fork server, no draft of the contents)."""
    if request.param == "here":
        monkeypatch.setattr(render, "SERIAL_JOBS", 10**9)
        monkeypatch.setattr(render, "load_average", lambda: 1000.0)
    return request.param


def test_page_numbers_bookmarks_and_contents_point_at_the_merged_pages(app, tmp_path, where):
    audit = _audit()
    steps = []
    result = _pack(
        tmp_path,
        audit.reference,
        html_output=tmp_path / "pack.html",
        progress=lambda done, total, label: steps.append((done, total, label)),
    )
    assert len(result.rendered) > 10 and any(
        key.startswith("checklists/") and key.endswith("/1") for key in result.rendered
    )
    workers = [key for key in result.peak_rss_kib if key.startswith("worker ")]
    assert workers if where == "workers" else not workers, result.peak_rss_kib
    assert steps[-1][0] == steps[-1][1] and [done for done, _t, _l in steps] == sorted(done for done, _t, _l in steps)
    # The progress counts every unit of the body as it is rendered, one step each.
    rendering = [done for done, _t, label in steps if label == "Rendering the pages"]
    assert len(rendering) == len([key for key in result.rendered if key != "contents"])
    assert rendering == list(range(rendering[0], rendering[0] + len(rendering)))

    pages = _pages(tmp_path / "pack.pdf")
    assert len(pages) == result.pages
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text, number
        assert text.count(audit.reference) >= 2  # header and footer of every page

    outline = _outline(tmp_path / "pack.pdf")
    from audits.services.audits import nonconformities_of

    ncs = nonconformities_of(audit)
    titles = {title for _level, title, _page in outline}
    for expected in (
        "Contents",
        "Audit plan and scope",
        "Checklist results",
        "Findings summary",
        "Nonconformities",
        "Procedures in force on the audit date",
        "Evidence index",
        "Audit trail",
        "Signatures",
        "Showroom",
        *(f"{nc.reference} — {nc.title}" for nc in ncs),
    ):
        assert expected in titles, expected
    for level, title, page in outline:
        # Every bookmark lands on the page where its section or record starts.
        heading = title.split(" — ")[0] if level == 2 else title
        assert heading in pages[page - 1], (title, page)
    assert [level for level, title, _page in outline if title.startswith(tuple(nc.reference for nc in ncs))] == [2, 2]

    contents = pages[1]
    assert "Contents" in contents
    for _level, title, page in outline[2:]:
        printed = re.search(re.escape(title) + r"\s*\.+\s*(\d+)", contents)
        assert printed and int(printed.group(1)) == page, (title, page)

    # The single HTML document renders the same pages in one plain WeasyPrint run.
    from weasyprint import HTML

    HTML(
        filename=str(tmp_path / "pack.html"), url_fetcher=lambda url: (_ for _ in ()).throw(ValueError(url))
    ).write_pdf(tmp_path / "plain.pdf")
    plain = _pages(tmp_path / "plain.pdf")
    assert len(plain) == len(pages) and f"Page {len(pages)} of {len(pages)}" in plain[-1]
    assert [(title, page) for _l, title, page in _outline(tmp_path / "plain.pdf")] == [
        (title, page) for _l, title, page in outline
    ]
    # "Page n of N" is drawn where the plain render lays it out, right-aligned, on every page.
    for number in (1, len(pages)):
        drawn, laid_out = _page_of_box(tmp_path / "pack.pdf", number), _page_of_box(tmp_path / "plain.pdf", number)
        assert all(abs(a - b) < 1.0 for a, b in zip(drawn, laid_out, strict=True)), (number, drawn, laid_out)


def _page_of_box(path, number) -> tuple[float, float, float]:
    """Left, right and top of the words "Page n of N" on page ``number`` (PDF points)."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(number), "-l", str(number), str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<', xml)
    start = next(n for n, word in enumerate(words) if word[3] == "Page" and words[n + 2][3] == "of")
    line = words[start : start + 4]
    return float(line[0][0]), float(line[-1][2]), float(line[0][1])


def test_the_merged_pack_keeps_one_copy_of_each_font(app, tmp_path):
    import hashlib

    import pikepdf

    _pack(tmp_path, _audit().reference)
    programs = []
    with pikepdf.open(tmp_path / "pack.pdf") as pack:
        for page in pack.pages:
            for font in page.obj.Resources.get("/Font", {}).values():
                described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                descriptor = described.FontDescriptor
                program = next(
                    descriptor[key] for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor
                )
                programs.append((program.objgen, hashlib.sha256(program.read_raw_bytes()).hexdigest()))
    distinct = set(programs)
    assert len(programs) > len(distinct), "pages share fonts"
    assert len({digest for _objgen, digest in distinct}) == len(distinct), "no font program is embedded twice"


def test_a_pack_rendered_in_one_process_embeds_each_font_once(app, tmp_path, monkeypatch):
    """Rendered here, the cover, contents, page stamps and body are one document: one subset of each font
    for the whole pack (each document of its own would carry its own subset of the same font)."""
    import pikepdf

    monkeypatch.setattr(render, "SERIAL_JOBS", 10**9)
    monkeypatch.setattr(render, "load_average", lambda: 1000.0)
    result = _pack(tmp_path, _audit().reference)
    assert not [key for key in result.peak_rss_kib if key.startswith("worker ")]
    programs: dict[str, set] = {}
    with pikepdf.open(tmp_path / "pack.pdf") as pack:
        for page in pack.pages:
            fonts = [
                *page.obj.Resources.get("/Font", {}).values(),
                *(
                    font
                    for form in page.obj.Resources.get("/XObject", {}).values()
                    for font in form.get("/Resources", {}).get("/Font", {}).values()
                ),
            ]
            for font in fonts:
                described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                descriptor = described.FontDescriptor
                program = next(
                    descriptor[key] for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor
                )
                family = str(font.BaseFont).split("+")[-1]
                programs.setdefault(family, set()).add(program.objgen)
    assert any("CJK" in family for family in programs), programs
    assert all(len(found) == 1 for found in programs.values()), programs


def test_a_repeat_pack_renders_only_what_changed(app, tmp_path, where):
    audit = _audit()
    first = _pack(tmp_path, audit.reference)
    assert first.reused == []
    again = _pack(tmp_path, audit.reference, "again.pdf")
    assert again.rendered == [], "nothing changed: every unit comes from the cache"
    # Nothing changed: the pack is the file made the first time (its cover keeps that generation time).
    assert again.from_cache and (tmp_path / "again.pdf").read_bytes() == (tmp_path / "pack.pdf").read_bytes()
    assert again.manifest == first.manifest and again.pages == first.pages

    record(audit, 2, "conforming", "Signed handover sheets seen; one copy missing its date")
    changed = _pack(tmp_path, audit.reference, "changed.pdf")
    assert not changed.from_cache
    chunk = "checklists/fieldcheck.showroom/1"  # items 3 and 4 of the checklist
    assert chunk in changed.rendered
    assert "checklists/fieldcheck.showroom/0" in changed.reused
    assert "procedures/SA-PR-001/1" in changed.reused, "the revision in force never renders twice"
    assert len([key for key in changed.reused if key.startswith("nonconformities/")]) == 2
    assert set(changed.rendered) <= {chunk, "trail", "contents"} | {
        k for k in changed.rendered if k.startswith("trail/")
    }
    pages = _pages(tmp_path / "changed.pdf")
    assert "one copy missing its date" in " ".join(pages)
    if len(pages) == first.pages:  # no page moved: the contents is the one rendered the first time
        assert "contents" in changed.reused and "contents" not in changed.rendered
    # The pieces of the page numbers came from the cache, with their measurements.
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text, number
        assert text.count(audit.reference) >= 2


def test_a_damaged_cache_entry_is_rendered_again(app, tmp_path):
    from pathlib import Path

    audit = _audit()
    first = _pack(tmp_path, audit.reference)
    entries = sorted((Path(app.instance_path) / "cache" / "pack").glob("*.pdfunit"))
    # The finished pack is kept too (with a note of what it is made of), next to its units.
    pdfs = [entry for entry in entries if entry.read_bytes()[64:68] == b"%PDF"]
    whole = next(entry for entry in pdfs if entry.read_bytes()[64:] == first.pdf)
    units = [entry for entry in pdfs if entry != whole]
    assert len(units) > 10

    def text(entry) -> str:
        return subprocess.run(
            ["pdftotext", "-", "-"], input=entry.read_bytes()[64:], capture_output=True, check=True
        ).stdout.decode()

    def damage(entry) -> None:
        data = bytearray(entry.read_bytes())
        data[len(data) // 2] ^= 0xFF
        entry.write_bytes(bytes(data))

    # A unit of the body (the page stamps are not counted among the rendered units), and the pack made of it.
    damage(next(entry for entry in units if "Nonconformities" in text(entry)))
    damage(whole)

    result = _pack(tmp_path, audit.reference, "after.pdf")
    assert not result.from_cache
    assert len(result.rendered) == 1
    check = subprocess.run(
        ["qpdf", "--check", str(tmp_path / "after.pdf")], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout
    assert len(_pages(tmp_path / "after.pdf")) == result.pages
    third = _pack(tmp_path, audit.reference, "third.pdf")
    assert third.from_cache and third.rendered == [], "the entries were written again, intact"
    assert (tmp_path / "third.pdf").read_bytes() == (tmp_path / "after.pdf").read_bytes()


def test_the_cache_stays_under_its_cap(app, tmp_path):
    from audits.pack.cache import UnitCache

    cache = UnitCache(tmp_path / "cache", max_bytes=350)  # two entries of 164 bytes
    for number in range(5):
        cache.put(f"{number:064x}", b"%PDF" + bytes([number]) * 96)
        cache.evict()
    kept = sorted(path.name[:64] for path in (tmp_path / "cache").iterdir())
    assert kept == [f"{3:064x}", f"{4:064x}"]  # the oldest went first
    assert cache.get(f"{4:064x}") == b"%PDF" + bytes([4]) * 96
    assert cache.get(f"{0:064x}") is None


def test_the_instance_signing_key_signs_when_the_command_names_none(app, tmp_path):
    from cryptography.hazmat.primitives import serialization

    audit = started()
    record(audit, 0, "minor_nc", "Slow greeting")
    key, cert = _throwaway_signer(tmp_path)
    # The instance keeps its key encrypted, the passphrase in a file of its own.
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"instance secret"),
        )
    )
    (tmp_path / "passphrase").write_text("instance secret\n")
    app.config.update(
        DEALERQMS_PACK_SIGN_KEY=str(key),
        DEALERQMS_PACK_SIGN_CERT=str(cert),
        DEALERQMS_PACK_SIGN_PASSPHRASE_FILE=str(tmp_path / "passphrase"),
    )
    runner = app.test_cli_runner()
    built = runner.invoke(args=["pack", audit.reference, "-o", str(tmp_path / "signed.pdf")])
    assert built.exit_code == 0, built.output
    assert "signed" in built.output
    verified = runner.invoke(args=["pack", "verify", str(tmp_path / "signed.pdf"), "--trust", str(cert)])
    assert verified.exit_code == 0 and "Pack Signer Test: intact, covers the whole file (trusted)" in verified.output

    (tmp_path / "passphrase").write_text("wrong\n")
    refused = runner.invoke(args=["pack", audit.reference, "-o", str(tmp_path / "not.pdf")])
    assert refused.exit_code == 1 and "signing key" in refused.output and "Traceback" not in refused.output
    assert not (tmp_path / "not.pdf").exists()


class _Counter(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):
        type(self).hits += 1
        self.send_response(302)
        self.send_header("Location", "file:///etc/passwd")
        self.end_headers()

    def log_message(self, *args):
        pass


class HostileSection:
    def __init__(self, port):
        self.port = port

    @hookimpl
    def pack_sections(self, audit):
        url = f"http://127.0.0.1:{self.port}"
        return [
            PackSection(
                title="Hostile plugin",
                html=(
                    f'<p>Plugin text</p><img src="file:///etc/passwd"><img src="{url}/a.png">'
                    f'<link rel="attachment" href="file:///etc/passwd"><link rel="stylesheet" href="{url}/s.css">'
                    f'<a rel="attachment" href="{url}/redirect">x</a><div style="background: url({url}/b.png)">y</div>'
                ),
            )
        ]


def test_workers_fetch_nothing_a_section_names(app, tmp_path, register_plugin):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        register_plugin(HostileSection(server.server_address[1]), "hostile")
        audit = started()
        result = _pack(tmp_path, audit.reference)
    finally:
        server.shutdown()
    assert any(key.startswith("plugin-") for key in result.rendered)
    assert [key for key in result.peak_rss_kib if key.startswith("worker ")]
    assert _Counter.hits == 0
    text = " ".join(_pages(tmp_path / "pack.pdf"))
    assert "Plugin text" in text and "root:x:0:0" not in text
    listed = subprocess.run(
        ["pdfdetach", "-list", str(tmp_path / "pack.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "passwd" not in listed and "manifest.json" in listed


def test_a_render_over_its_time_limit_writes_nothing(app, tmp_path):
    audit = _audit()
    app.config["DEALERQMS_PACK_TIMEOUT"] = 0.01
    runner = app.test_cli_runner()
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(args=["pack", audit.reference, "-o", str(out / "pack.pdf")])
    assert result.exit_code == 1 and "longer than the limit" in result.output and "Traceback" not in result.output
    assert list(out.iterdir()) == []


def test_a_small_pack_renders_in_workers_only_with_a_core_to_spare(monkeypatch):
    """Workers cost CPU time of their own (the fork server, each batch's styles and fonts): on a machine with
    every core taken, a pack of up to about 40 pages renders faster in the calling process; a large pack still
    uses the workers, which bound each process's memory."""
    monkeypatch.undo()  # the module's own thresholds, not this file's
    cores = render.default_workers()
    typical, large = 76_000, 410_000  # characters of HTML of bench_pack.py's 28- and 151-page packs
    monkeypatch.setattr(render, "load_average", lambda: cores + 0.5)
    assert render.renders_here(typical) and not render.renders_here(large)
    monkeypatch.setattr(render, "load_average", lambda: cores - 1.0)
    assert not render.renders_here(typical) and not render.renders_here(large)
    assert render.renders_here(render.SMALL_JOBS - 1)  # a small change renders here whatever the load


def _forked(work):
    """``work()`` in a process forked from this one, as a job worker forks one per job; returns its JSON answer."""

    from core.database import db

    db.session.commit()  # what the test made is the database's, as a queued job's records are
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover — the forked process ends here
        code = 1
        try:
            os.close(reading)
            os.setpgid(0, 0)  # a job's process is a group of its own
            # A job's process connects afresh: the pool and the session's connection are the parent's.
            db.engine.dispose(close=False)
            db.session.registry.clear()
            os.write(writing, json.dumps(work()).encode())
            code = 0
        except BaseException:
            import traceback

            traceback.print_exc()  # the child's own failure, on the test's captured output
        finally:
            os._exit(code)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        answer = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    assert status == 0 and answer, "the forked pack failed"
    return json.loads(answer)


def test_packs_forked_from_a_prepared_job_worker_render_with_its_warm_fork_server(app, tmp_path):
    """A long-lived job worker prepares once (the prepare_job_worker hook): WeasyPrint warm and the render
    workers' fork server started. Every job's process forked from it renders with that same fork server — kept
    between packs, not started per pack — and makes the same, complete pack."""
    import sys
    from multiprocessing import forkserver

    from audits.jobs import prepare_worker
    from audits.pack import verify_pack

    audit = _audit()
    reference = audit.reference
    app.config["DEALERQMS_PACK_CACHE_MB"] = 0  # every pack renders: none is the file made before
    prepare_worker()
    server = forkserver._forkserver._forkserver_pid
    assert server and "weasyprint" in sys.modules

    def pack(name):
        def work():
            result = _pack(tmp_path, reference, name=name)
            workers = [key for key in result.peak_rss_kib if key.startswith("worker ")]
            return {"server": forkserver._forkserver._forkserver_pid, "workers": workers, "pages": result.pages}

        return work

    first, second = _forked(pack("first.pdf")), _forked(pack("second.pdf"))
    assert first["server"] == second["server"] == server
    assert first["workers"] and second["workers"]
    assert os.kill(server, 0) is None  # still there for the next pack
    here = _pack(tmp_path, reference, name="here.pdf")
    assert first["pages"] == second["pages"] == here.pages
    for name in ("first.pdf", "second.pdf"):
        report = verify_pack(tmp_path / name)
        assert report.ok and report.files_checked >= 0, report.problems
        # Page for page the same, but the cover: it prints when each was generated (and the manifest's hash).
        assert _pages(tmp_path / name)[1:] == _pages(tmp_path / "here.pdf")[1:]


# Two units big enough to go to render workers, for the scripts below (``render`` imported before).
TWO_UNITS = """
PREFIX = '<!doctype html><html><head><meta charset="utf-8"></head><body>'
jobs = [
    render.Job(f"u{n}", PREFIX, f'<section id="u{n}"><h1>Unit {n}</h1><!-- {"x" * 130_000} --></section>', f"u{n}",
               {}, {}, f"unit {n}")
    for n in (1, 2)
]
"""


def test_render_workers_join_the_process_group_of_the_pack_that_asked(tmp_path):
    """A job's supervisor ends a job by killing its process group: render workers forked from a fork server the
    job worker keeps (in the worker's group) must be in the job's group."""
    script = (
        """
import json, os
from audits.pack import render

render.keep_warm(2)
"""
        + TWO_UNITS
        + """reading, writing = os.pipe()
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    seen = []
    with render.Renderer(workers=2, memory_limit_mb=None, timeout=120) as renderer:
        renderer.submit(jobs)
        def done(result, job):
            in_group = os.getpgid(result.worker) == os.getpgid(0)
            seen.append([result.key, result.pdf[:5].decode(), result.worker != os.getpid(), in_group])

        renderer.wait(done)
    os.write(writing, json.dumps(sorted(seen)).encode())
    os._exit(0)
os.close(writing)
print(os.fdopen(reading).read())
os.waitpid(pid, 0)
"""
    )
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [
        ["u1", "%PDF-", True, True],
        ["u2", "%PDF-", True, True],
    ]


def test_a_python_whose_fork_server_cannot_be_shared_gives_each_job_a_fork_server_of_its_own(tmp_path):
    """Sharing the job worker's fork server relies on private parts of ``multiprocessing.forkserver``. Where
    they are missing (another Python version), the worker keeps none and a job's pack still renders in workers,
    from a fork server the job starts itself — slower, never a failed pack."""
    script = (
        """
import json, os
from multiprocessing import forkserver
from audits.pack import render

del forkserver._forkserver  # as if this Python's fork server had no such part

def fork_servers(parent):
    found = []
    for entry in os.listdir('/proc'):
        try:
            with open(f'/proc/{entry}/stat') as stat:
                ppid = int(stat.read().rsplit(')', 1)[1].split()[1])
            with open(f'/proc/{entry}/cmdline', 'rb') as command:
                if ppid == parent and b'multiprocessing.forkserver' in command.read():
                    found.append(int(entry))
        except (OSError, ValueError):
            pass
    return found

render.keep_warm(2)
kept = fork_servers(os.getpid())
"""
        + TWO_UNITS
        + """reading, writing = os.pipe()
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    seen = []
    with render.Renderer(workers=2, memory_limit_mb=None, timeout=120) as renderer:
        renderer.submit(jobs)
        def done(result, job):
            seen.append([result.key, result.pdf[:5].decode(), result.worker != os.getpid()])

        renderer.wait(done)
        own = fork_servers(os.getpid())
    os.write(writing, json.dumps({"units": sorted(seen), "own fork servers": len(own)}).encode())
    os._exit(0)
os.close(writing)
answer = json.loads(os.fdopen(reading).read())
os.waitpid(pid, 0)
print(json.dumps({"kept by the worker": len(kept), **answer}))
"""
    )
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "kept by the worker": 0,
        "units": [["u1", "%PDF-", True], ["u2", "%PDF-", True]],
        "own fork servers": 1,
    }


RENDER_AFTER_IMPORT = """
from core import pdf

pdf.import_weasyprint()
rendered = pdf.render_pdf('<html lang="zh-CN"><body><p>审核证据包</p></body></html>', pdf_variant="pdf/a-3b")
print("rendered", rendered[:5].decode(), "searches", searches)
"""


def _fresh_python(script: str) -> subprocess.CompletedProcess:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=180, check=False
    )


def test_a_process_imports_weasyprint_without_searching_for_its_libraries():
    """A pack's job is a fresh process: its first render must not run ldconfig, gcc and ld some fifty times
    (a second of a busy machine) to find libraries the dynamic linker loads by their file names."""
    script = (
        """
import sys
searches = []
sys.addaudithook(lambda event, args: searches.append(str(args[0])) if event == "subprocess.Popen" else None)
"""
        + RENDER_AFTER_IMPORT
    )
    done = _fresh_python(script)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "rendered %PDF- searches []"


def test_weasyprint_is_imported_with_the_search_where_only_the_search_finds_a_library():
    script = (
        """
import ctypes.util
import cffi
from core import pdf

searches = []
loaded = cffi.FFI.dlopen


def dlopen(ffi, name, flags=0):
    # A system where pango loads only from where ctypes.util.find_library finds it.
    if "pango-1.0" in str(name) and ctypes.util.find_library is pdf._not_searched:
        raise OSError(f"cannot load library {name!r}")
    return loaded(ffi, name, flags)


cffi.FFI.dlopen = dlopen
"""
        + RENDER_AFTER_IMPORT
    )
    done = _fresh_python(script)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines() == ["rendered %PDF- searches []"]


def test_the_findings_chart_has_a_bar_per_grade_as_long_as_its_count(app):
    """The findings chart is laid out by the page itself: a row per grade in the table's order, unanswered last,
    each bar coloured as on the dashboard and as long as its count against the largest."""
    from flask_babel import force_locale

    from audits.labels import RESULT_LABELS
    from core.charts import COLOURS

    with app.test_request_context(), force_locale("zh_CN"):
        bars = document.findings_bars({"conforming": 26, "minor_nc": 13, "major_nc": 1}, RESULT_LABELS)
        assert [(bar.label, bar.count) for bar in bars] == [
            ("符合", 26),
            ("轻微不符合", 13),
            ("严重不符合", 1),
            ("观察项", 0),
            ("改进机会", 0),
            ("不适用", 0),
            ("未回答", 0),
        ]
    assert [bar.colour for bar in bars[:4]] == [COLOURS["green"], COLOURS["amber"], COLOURS["red"], COLOURS[None]]
    assert bars[0].width == 2 * bars[1].width > 0 and bars[3].width == 0
