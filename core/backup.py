import click


@click.command("backup")
def backup_command():
    """Back up."""


@click.command("restore")
def restore_command():
    """Restore."""
