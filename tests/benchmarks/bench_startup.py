"""How long a dealerqms process takes to start, against the floor of any Flask app.

    python tests/benchmarks/bench_startup.py            # 9 runs of each
    python tests/benchmarks/bench_startup.py --runs 21
    python tests/benchmarks/bench_startup.py --before /work/main   # side by side with another checkout

Every CLI call, job worker and render worker pays the start-up, so it is measured the way
they pay it: fresh processes, side by side, the medians of N runs taken in turns (a, b, c,
d, a, b, …) so that the machine's load falls on all of them alike:

(a) the floor: a bare Flask + Flask-SQLAlchemy app factory with one model and a blueprint;
(b) ``create_app()`` of dealerqms on a fresh SQLite instance (after ``dealerqms init``);
(c) ``dealerqms --help``;
(d) ``dealerqms plugins``, an everyday command.

Targets (issue #20): b/a at most 1.5 and ``--help`` under a second. Each process's CPU time
(user and system, from the operating system's accounting of the finished child) is printed
beside its wall time: on a shared machine it varies less. ``--before PATH`` measures (b), (c)
and (d) of another checkout too, in the same turns, to compare a change with the code before it. Every process runs from
compiled bytecode, as an installed dealerqms does (a cache in a temporary folder, filled by
one unmeasured run of each), whatever ``PYTHONDONTWRITEBYTECODE`` says. The machine's load
average is printed beside the figures: on a busy machine compare the ratios, not the times.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FLOOR_APP = """\
from flask import Blueprint, Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Item(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


bp = Blueprint("items", __name__)


@bp.get("/")
def items():
    return [item.name for item in db.session.scalars(db.select(Item))]


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///{database}"
    db.init_app(app)
    app.register_blueprint(bp)
    return app


create_app()
"""

DEALERQMS_CLI = "import sys; from core.cli import main; sys.argv[0] = 'dealerqms'; sys.exit(main())"

HELP_TARGET = 1.0
RATIO_TARGET = 1.5


def environment(folder: Path, root: Path = ROOT) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DEALERQMS_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    env["DEALERQMS_INSTANCE"] = str(folder / "instance")
    return env


def contenders(folder: Path, before: Path | None) -> dict[str, tuple[list[str], dict[str, str]]]:
    floor = folder / "floor_app.py"
    floor.write_text(FLOOR_APP.format(database=folder / "floor.sqlite3"))
    python = sys.executable
    env = environment(folder)
    dealerqms = {
        "create_app()": [python, "-c", "from core import create_app; create_app()"],
        "dealerqms --help": [python, "-c", DEALERQMS_CLI, "--help"],
        "dealerqms plugins": [python, "-c", DEALERQMS_CLI, "plugins"],
    }
    measured = {"a floor: Flask + Flask-SQLAlchemy": ([python, str(floor)], env)}
    for letter, (label, command) in zip("bcd", dealerqms.items(), strict=True):
        measured[f"{letter} {label}"] = (command, env)
        if before is not None:
            measured[f"{letter}' {label}, before"] = (command, environment(folder, before))
    return measured


def seconds(command: list[str], env: dict[str, str], folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # In the temporary folder: ``python -c`` puts the working folder first on sys.path.
    subprocess.run(command, env=env, cwd=folder, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (now.ru_utime - used.ru_utime) + (now.ru_stime - used.ru_stime)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each process (default 9)")
    parser.add_argument("--before", type=Path, help="another dealerqms checkout to measure side by side")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as name:
        folder = Path(name)
        subprocess.run(
            [sys.executable, "-c", DEALERQMS_CLI, "init"],
            env=environment(folder),
            cwd=folder,
            check=True,
            capture_output=True,
        )
        commands = contenders(folder, args.before)
        for command, env in commands.values():  # fills the bytecode cache
            seconds(command, env, folder)

        load_before = load()
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, (command, env) in commands.items():
                times[label].append(seconds(command, env, folder))
        load_after = load()

    wall = {label: statistics.median(w for w, _ in values) for label, values in times.items()}
    cpu = {label: statistics.median(c for _, c in values) for label, values in times.items()}
    floor_label = next(iter(times))
    floor, floor_cpu = wall[floor_label], cpu[floor_label]
    print(f"Start-up, median of {args.runs} fresh processes each (load average {load_before} -> {load_after}):")
    for label in times:
        spread = f"{min(w for w, _ in times[label]):.3f}–{max(w for w, _ in times[label]):.3f}"
        print(
            f"  {label:38} {wall[label]:6.3f} s  ({spread})  {wall[label] / floor:4.2f}× the floor"
            f"   CPU {cpu[label]:.3f} s  {cpu[label] / floor_cpu:4.2f}×"
        )
    app, help_, plugins = (wall[label] for label in times if label[:2] in ("b ", "c ", "d "))
    app_ok = app / floor <= RATIO_TARGET
    help_ok = help_ < HELP_TARGET
    print(f"create_app() / floor = {app / floor:.2f} (target ≤ {RATIO_TARGET}): {'met' if app_ok else 'MISSED'}")
    print(f"dealerqms --help = {help_:.3f} s (target < {HELP_TARGET:.0f} s): {'met' if help_ok else 'MISSED'}")
    print(f"dealerqms plugins / floor = {plugins / floor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
