"""The web shell — home and dashboard, administration — and the instance's own commands
(``init``, ``backup``/``restore``, ``migrate-storage``, ``demo-data``), and its upkeep: the
query planner's statistics, refreshed by ``tick``.

Each hook imports what it uses when it is called: importing the hooks stays cheap.
"""

from __future__ import annotations

from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    from core.web import routes

    return [routes.pages, routes.admin_pages]


@hookimpl
def register_commands(cli):
    from core import maintenance, scheduler, storage_migration
    from core.extensions import CommandLoadedWhenRun
    from core.scaledata import cli as scaledata_commands

    for command in (
        maintenance.init_command,
        # core.backup (with tarfile and lzma, 0.01 s) is imported when one of them runs; the
        # help they are listed with is their docstring's first sentence (tests/test_startup.py).
        CommandLoadedWhenRun(
            "backup",
            "Write a consistent backup of the database and the evidence files to FILE.",
            "core.backup:backup_command",
        ),
        CommandLoadedWhenRun(
            "restore",
            "Restore a backup made by `dealerqms backup` (FILE, or s3://bucket/key) into this instance.",
            "core.backup:restore_command",
        ),
        storage_migration.migrate_storage_command,
        scaledata_commands.demo_data_command,
        scheduler.tick_command,
        scheduler.scheduler_command,
    ):
        cli.add_command(command)


@hookimpl
def tick(now):
    from core import planner_statistics

    # Upkeep, not work that was due: logged, not among what the tick reports.
    planner_statistics.refresh()
    return []
