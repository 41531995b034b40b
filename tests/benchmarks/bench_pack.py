"""The evidence pack against one plain WeasyPrint render of the same final HTML.

    python tests/benchmarks/bench_pack.py                      # 188 table-heavy pages, 3 runs
    python tests/benchmarks/bench_pack.py --size typical       # about 30 pages, like the demo's audits
    python tests/benchmarks/bench_pack.py --checklists 8 --questions 60   # 323 pages
    python tests/benchmarks/bench_pack.py --runs 5 --checklists 4 --questions 45 --procedures 3

Builds, in a temporary instance (SQLite), an audit whose pack is about 190
table-heavy pages (``--size large``, the default; ``--size typical``: about 30,
what most audits make): checklists with long notes, NCs with containment and a
5-why chain, procedure revisions in force, the trail events all that made.
Then, side by side in every run, each in a fresh process:

  (a) plain: one WeasyPrint render of the pack's ``--html`` output
      (time of importing WeasyPrint and ``write_pdf``, peak RSS of that process);
  (b) first: ``write_pack`` with an empty render cache, the audit's first pack (time of the call,
      peak RSS of the calling process and of every render worker);
  (d) unchanged: ``write_pack`` again with nothing changed (the file made by (b));
  (c) repeat: ``write_pack`` again after one changed checklist response;

and then (b), (d), (c) again the way a deployment builds packs: each in a process forked from a
warm job worker — one process, started before the first run, that created the app and ran the
``prepare_job_worker`` preparation (WeasyPrint warm, the render workers' fork server running), and
forks one process per pack as ``dealerqms worker`` does (timed from the fork to that process's
end). The plain render forked from the same worker is printed too, for comparison only: the
issue's (a), the denominator of every ratio, is one plain render as it costs in a fresh process.

Prints the medians and the ratios b/a, c/a, c/b, d/a and max peak RSS(b) / peak RSS(a), each with
its target and whether it is met. Targets: typical b/a ≤ 1.0, c/a ≤ 0.35, d/a ≤ 0.1 or the
existing file; large b/a ≤ 0.6, c/b ≤ 0.25, memory ratio ≤ 1. It prints the CPU seconds of each
and their ratios too (less moved by the load of a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from core.plugins import Checklist, Question, hookimpl

PASSWORD = "benchmark password 1"
REFERENCE_FILE = "reference.txt"

NOTE = (
    "Observed at the showroom entrance between 10:00 and 10:45. The salesperson on duty greeted two of three "
    "walk-in customers within the time the procedure asks; the third waited while the phone was answered. "
    "Spoke with the sales manager, who confirmed the rota leaves one person alone at lunchtime. "
)
BODY_PARAGRAPH = (
    "Every step of this procedure is carried out by the person named in the rota for the day and "
    "recorded in the dealer management system before the end of the shift. Deviations are reported "
    "to the department head, who decides on containment and records the decision. "
)


# What --size sets (each can be given on its own as well).
SIZES = {
    "large": {"checklists": 5, "questions": 50, "procedures": 3, "nc_items": 60},
    "typical": {"checklists": 2, "questions": 15, "procedures": 1, "nc_items": 12},
}


class BenchPlugin:
    def __init__(self, checklists: int, questions: int):
        self.checklists = [
            Checklist(
                key=f"bench.c{c}",
                title=f"Bench checklist {c + 1}",
                area="SALES",
                questions=[
                    Question(
                        key=f"q{q}",
                        text=f"Question {q + 1} of checklist {c + 1}: is the documented step "
                        f"carried out, recorded and checked by the responsible person?",
                        reference=f"BP-PR-00{c % 3 + 1} §{q + 1}",
                    )
                    for q in range(questions)
                ],
            )
            for c in range(checklists)
        ]

    @hookimpl
    def register_checklists(self):
        return self.checklists


def make_app(folder: Path, args):
    from core import create_app
    from core.plugin_engine import manager

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "bench",
            "DEALERQMS_LOAD_ENTRYPOINTS": "builtin",
        }
    )
    manager.register(BenchPlugin(args.checklists, args.questions), "bench", app=app)
    return app


def build(app, args) -> str:
    from audits.services import audits, nonconformities
    from core.accounts import services as accounts
    from core.database import commit
    from core.migration import upgrade
    from procedures import services as procedures

    with app.app_context():
        upgrade()
        accounts.ensure_defaults()
        people = {
            "qo": ("quality_officer", "QUALITY"),
            "qo2": ("quality_officer", "QUALITY"),
            "head": ("department_head", "SALES"),
            "auditor": ("auditor", "TRAINING"),
        }
        for login, (role, department) in people.items():
            accounts.create_user(
                None,
                login=login,
                display_name=login.title(),
                roles=[role],
                password=PASSWORD,
                department=accounts.department_by_code(department),
                site=accounts.site_by_code("MAIN"),
            )
        commit()
        user = accounts.user_by_login
        codes = []
        for number in range(args.procedures):
            code = f"BP-PR-{number + 1:03d}"
            body = f"# Procedure {number + 1}\n\n" + "\n\n".join(
                f"## Step {step + 1}\n\n{BODY_PARAGRAPH * 3}" for step in range(12)
            )
            procedure = procedures.create_procedure(
                user("qo2"),
                code=code,
                title=f"Bench procedure {number + 1}",
                department=accounts.department_by_code("SALES"),
                body=body,
            )
            commit()
            revision = procedure.revisions[0]
            procedures.submit(user("qo2"), revision, row_version=revision.row_version)
            commit()
            for login in ("head", "qo"):
                procedures.sign_revision(user(login), revision, meaning="approved", password=PASSWORD)
                commit()
            codes.append(code)
        from core.clock import today

        audit = audits.plan_audit(
            user("qo"),
            title="Benchmark audit",
            site="MAIN",
            departments=["SALES"],
            scope="Showroom and handover",
            criteria=codes,
            lead_auditor="auditor",
            auditors=["qo"],
            planned_date=today(),
            checklists=[c.key for c in BenchPlugin(args.checklists, 1).checklists],
        )
        commit()
        audits.start_audit(user("auditor"), audit, row_version=audit.row_version)
        commit()
        grades = [
            "conforming",
            "conforming",
            "observation",
            "conforming",
            "ofi",
            "conforming",
            "minor_nc",
            "conforming",
            "conforming",
            "conforming",
            "conforming",
            "major_nc",
        ]
        for index, item in enumerate(audit.items):
            result = grades[index % len(grades)] if index < args.nc_items else "conforming"
            audits.record_result(
                user("auditor"),
                audit,
                item,
                result=result,
                note=(NOTE * 2)[: args.note_chars + (index % 3) * 40],
                row_version=item.row_version,
            )
            commit()
        for nc in audits.nonconformities_of(audit):
            nonconformities.transition(user("qo"), nc, to="contained", containment=NOTE, row_version=nc.row_version)
            commit()
            chain = [{"why": f"Why {n + 1}? {NOTE[:120]}", "because": f"Because {NOTE[:160]}"} for n in range(5)]
            nonconformities.transition(
                user("qo"),
                nc,
                to="root_cause_identified",
                root_cause={"method": "5why", "chain": chain},
                row_version=nc.row_version,
            )
            commit()
        return audit.reference


def empty_render_cache(folder: Path) -> None:
    """The instance's pack cache emptied: no unit, stamp or whole pack of any audit rendered before. The pack
    templates' compiled code (``cache/pack-templates``) stays, as it does on a deployment, where the first pack
    of any audit wrote it (compiling them is 0.1-0.15 CPU s, paid once an instance, not once an audit)."""
    shutil.rmtree(folder / "cache" / "pack", ignore_errors=True)


def change_one_response(app, reference: str, run: int) -> None:
    from audits.services import audits
    from core.accounts.services import user_by_login
    from core.database import commit

    with app.app_context():
        audit = audits.audit_by_reference(reference)
        item = audit.items[len(audit.items) // 2]
        audits.record_result(
            user_by_login("auditor"),
            audit,
            item,
            result=item.result,
            note=f"{item.note} Re-checked (run {run}).",
            row_version=item.row_version,
        )
        commit()


def child(args) -> None:
    """One measured pack or plain render, in a fresh process; prints one JSON line."""
    from audits.pack.worker import cpu_seconds, peak_rss_kib

    if args.child == "plain":
        html = Path(args.html).read_text()
        cpu, started = cpu_seconds(), time.perf_counter()
        # Importing WeasyPrint counts, as it does for the pack (its fork server imports it).
        import weasyprint  # noqa: F401

        from core.pdf import render_pdf

        pdf = render_pdf(html, pdf_variant="pdf/a-3b")
        seconds = time.perf_counter() - started
        Path(args.output).write_bytes(pdf)
        print(json.dumps({"seconds": seconds, "cpu": cpu_seconds() - cpu, "peak_kib": {"plain": peak_rss_kib()}}))
        return
    from audits.pack import write_pack

    app = make_app(Path(args.instance), args)
    with app.app_context():
        cpu, started = cpu_seconds(), time.perf_counter()
        result = write_pack(args.reference, args.output, html_output=args.html)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu + sum(result.worker_cpu_seconds.values())
    print(
        json.dumps(
            {
                "seconds": seconds,
                "pages": result.pages,
                "rendered": len(result.rendered),
                "reused": len(result.reused),
                "peak_kib": result.peak_rss_kib,
                "render_seconds": result.render_seconds,
                "from_cache": getattr(result, "from_cache", False),  # absent before whole packs were kept
                "cpu": cpu,
            }
        )
    )


def warm_worker(args) -> None:
    """A long-lived job worker, as ``dealerqms worker`` runs: the app created once, the plugins' preparation
    (``prepare_job_worker``: WeasyPrint warm, the render workers' fork server running) done once; then, for
    every request on standard input (one JSON line), a process forked from it does the work, as
    :func:`core.jobs.worker.run_job` forks one per job. Answers one JSON line per request on standard output."""
    from audits.pack.worker import cpu_seconds, peak_rss_kib
    from core.database import db
    from core.jobs import prepare

    app = make_app(Path(args.instance), args)
    started = time.perf_counter()
    prepare.prepare_in_background(app).join()
    print(json.dumps({"ready": time.perf_counter() - started, "cpu": cpu_seconds()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        reading, writing = os.pipe()
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the job's process
            os.close(reading)
            code = 1
            try:
                # As the job's process does: the worker's connections are the worker's.
                with app.app_context():
                    db.engine.dispose(close=False)
                answer = measured_work(app, request)
                answer["cpu"] += cpu_seconds()  # this process's own, from its fork
                answer["peak_kib"].setdefault("main", peak_rss_kib())
                os.write(writing, json.dumps(answer).encode())
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(writing)
        with os.fdopen(reading, "rb") as pipe:
            answer = pipe.read()
        _pid, status = os.waitpid(pid, 0)
        if status != 0 or not answer:
            sys.exit(f"the worker's {request['kind']} failed (status {status})")
        answer = json.loads(answer)
        # From the fork to the end of the job's process: what a job costs once the worker has taken it.
        answer["seconds"] = time.perf_counter() - started
        print(json.dumps(answer), flush=True)


def measured_work(app, request: dict) -> dict:
    """One pack (``write_pack``) or one plain render, in this process; CPU seconds of the render workers only."""
    if request["kind"] == "plain":
        from core.pdf import render_pdf

        Path(request["output"]).write_bytes(render_pdf(Path(request["html"]).read_text(), pdf_variant="pdf/a-3b"))
        return {"cpu": 0.0, "peak_kib": {}}
    from audits.pack import write_pack

    with app.app_context():
        result = write_pack(request["reference"], request["output"], html_output=request["html"])
    return {
        "pages": result.pages,
        "rendered": len(result.rendered),
        "reused": len(result.reused),
        "peak_kib": result.peak_rss_kib,
        "from_cache": result.from_cache,
        "cpu": sum(result.worker_cpu_seconds.values()),
    }


class WarmWorker:
    """The bench's long-lived worker process (see :func:`warm_worker`)."""

    def __init__(self, args):
        self.log = open(args.folder / "worker.log", "w")  # noqa: SIM115 - closed by close()
        self.process = subprocess.Popen(
            [*child_command(args, "worker")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.ready = self.answer()

    def answer(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            self.close()
            sys.exit(f"the warm worker stopped:\n{Path(self.log.name).read_text()[-3000:]}")
        return json.loads(line)

    def run(self, kind: str, **request) -> dict:
        self.process.stdin.write(json.dumps({"kind": kind, **{k: str(v) for k, v in request.items()}}) + "\n")
        self.process.stdin.flush()
        return self.answer()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()
        self.log.close()


def child_command(args, kind: str) -> list[str]:
    return [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--instance",
        str(args.folder),
        "--checklists",
        str(args.checklists),
        "--questions",
        str(args.questions),
        "--procedures",
        str(args.procedures),
    ]


def run_child(args, kind: str, **paths) -> dict:
    command = child_command(args, kind)
    for name, value in paths.items():
        command += [f"--{name}", str(value)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", choices=sorted(SIZES), default="large", help="typical: about 30 pages; large: 188")
    parser.add_argument("--checklists", type=int)
    parser.add_argument("--questions", type=int)
    parser.add_argument("--procedures", type=int)
    parser.add_argument("--nc-items", type=int, help="items (from the first) that get mixed grades")
    parser.add_argument("--note-chars", type=int, default=60, help="length of the shortest checklist note")
    parser.add_argument("--child", choices=["plain", "pack", "worker"], help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    parser.add_argument("--reference", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--html", help=argparse.SUPPRESS)
    args = parser.parse_args()
    for name, value in SIZES[args.size].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.child == "worker":
        warm_worker(args)
        return
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory() as folder:
        args.folder = Path(folder)
        app = make_app(args.folder, args)
        started = time.perf_counter()
        reference = build(app, args)
        print(f"built {reference} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        worker = WarmWorker(args)
        print(
            f"warm worker ready: preparation {worker.ready['ready']:.1f} s (CPU {worker.ready['cpu']:.1f} s, "
            f"app included), load {os.getloadavg()[0]:.1f}",
            file=sys.stderr,
        )
        fresh = {name: [] for name in "abcd"}
        warm = {name: [] for name in "abcd"}
        html, out = args.folder / "pack.html", args.folder / "pack.pdf"
        try:
            for run in range(1, args.runs + 1):
                empty_render_cache(args.folder)
                b = run_child(args, "pack", reference=reference, output=out, html=html)
                a = run_child(args, "plain", html=html, output=args.folder / "plain.pdf")
                d = run_child(args, "pack", reference=reference, output=out, html=html)
                change_one_response(app, reference, 2 * run - 1)
                c = run_child(args, "pack", reference=reference, output=out, html=html)
                for name, value in zip("abcd", (a, b, c, d), strict=True):
                    fresh[name].append(value)
                print(
                    f"run {run}, fresh processes: {describe(a, b, c, d)} | load {os.getloadavg()[0]:.1f}",
                    file=sys.stderr,
                )
                empty_render_cache(args.folder)
                b = worker.run("pack", reference=reference, output=out, html=html)
                a = worker.run("plain", html=html, output=args.folder / "plain.pdf")
                d = worker.run("pack", reference=reference, output=out, html=html)
                change_one_response(app, reference, 2 * run)
                c = worker.run("pack", reference=reference, output=out, html=html)
                for name, value in zip("abcd", (a, b, c, d), strict=True):
                    warm[name].append(value)
                print(
                    f"run {run}, warm worker:     {describe(a, b, c, d)} | load {os.getloadavg()[0]:.1f}",
                    file=sys.stderr,
                )
        finally:
            worker.close()
        report(args, fresh, warm)


def describe(a: dict, b: dict, c: dict, d: dict) -> str:
    return (
        f"plain {a['seconds']:.1f} s (CPU {a['cpu']:.1f} s)"
        f" | first pack {b['seconds']:.1f} s (CPU {b['cpu']:.1f} s, main and workers), {b['pages']} pages, "
        f"{b['rendered']} units rendered, peak "
        + ", ".join(f"{name} {kib / 1024:.0f} MiB" for name, kib in sorted(b["peak_kib"].items()))
        + f" | unchanged {d['seconds']:.2f} s ({'the file made before' if d['from_cache'] else 'made again'})"
        + f" | repeat {c['seconds']:.1f} s (CPU {c['cpu']:.1f} s), {c['rendered']} rendered, {c['reused']} reused"
    )


def report(args, fresh: dict, warm: dict) -> None:
    median = statistics.median

    def seconds(runs: list[dict]) -> float:
        return median(r["seconds"] for r in runs)

    def cpu(runs: list[dict]) -> float:
        return median(r["cpu"] for r in runs)

    # Issue #20: the memory target is one of the large pack's figures.
    targets = {
        "typical": {"b/a": 1.0, "c/a": 0.35, "d/a": 0.1},
        "large": {"b/a": 0.6, "c/b": 0.25, "memory b/a": 1.0},
    }.get(args.size, {})
    if (args.checklists, args.questions, args.procedures, args.nc_items) != tuple(
        SIZES[args.size][name] for name in ("checklists", "questions", "procedures", "nc_items")
    ):
        targets = {}  # the targets are for the two sizes as defined

    def ratio(name: str, value: float) -> str:
        target = targets.get(name)
        if target is None:
            return f"{name} = {value:.2f}"
        return f"{name} = {value:.2f} (target ≤ {target:g}: {'met' if value <= target else 'NOT met'})"

    a_s = seconds(fresh["a"])
    a_mem = median(r["peak_kib"]["plain"] for r in fresh["a"])
    b_mem = median(max(r["peak_kib"].values()) for r in fresh["b"])
    print(f"pack of {fresh['b'][0]['pages']} pages, medians of {args.runs} runs:")
    print(
        f"  (a) plain WeasyPrint render of the same HTML, fresh process: {a_s:.1f} s, peak RSS {a_mem / 1024:.0f} MiB"
    )
    print("      (every ratio below divides by this: what one plain render costs)")
    for label, runs in (("fresh processes, as `dealerqms pack` runs", fresh), ("warm job worker", warm)):
        b_s, c_s, d_s = seconds(runs["b"]), seconds(runs["c"]), seconds(runs["d"])
        print(f"  {label}:")
        print(
            f"    (b) pack, empty cache: {b_s:.1f} s   (c) after one changed response: {c_s:.2f} s   "
            f"(d) nothing changed: {d_s:.2f} s"
        )
        shown = [ratio("b/a", b_s / a_s), ratio("c/a", c_s / a_s), ratio("c/b", c_s / b_s), ratio("d/a", d_s / a_s)]
        if "d/a" in targets and all(r["from_cache"] for r in runs["d"]):
            # Issue #20: "≤ 0.1, or the existing file when inputs are unchanged".
            shown[3] = f"d/a = {d_s / a_s:.2f} (target ≤ 0.1 or the existing file: met, the existing file)"
        if runs is fresh:
            shown.append(ratio("memory b/a", b_mem / a_mem))
        print("    " + "   ".join(shown))
        print(
            f"    CPU seconds (calling process and render workers): (a) {cpu(fresh['a']):.1f}, "
            f"(b) {cpu(runs['b']):.1f}, (c) {cpu(runs['c']):.1f}, (d) {cpu(runs['d']):.2f}: "
            f"b/a = {cpu(runs['b']) / cpu(fresh['a']):.2f}   "
            f"c/a = {cpu(runs['c']) / cpu(fresh['a']):.2f}   d/a = {cpu(runs['d']) / cpu(fresh['a']):.2f}"
        )
    warm_a = seconds(warm["a"])
    print(
        f"  for comparison only, a plain render forked from the warm worker (WeasyPrint imported and warm): "
        f"{warm_a:.1f} s (CPU {cpu(warm['a']):.1f} s); against it the warm pack's "
        f"b/a = {seconds(warm['b']) / warm_a:.2f}, "
        f"c/a = {seconds(warm['c']) / warm_a:.2f} (no target: the issue's (a) is one plain render as it costs)"
    )
    print(f"  load average while measuring: {', '.join(f'{load:.1f}' for load in os.getloadavg())}")
    print(
        "  (the fork server's start, about a CPU second when a fresh process uses render workers, is not counted in "
        "CPU; the warm worker's preparation is paid once when it starts, not per pack; on a machine busy with other "
        "work, the wall-clock ratios move with the load)"
    )


if __name__ == "__main__":
    main()
