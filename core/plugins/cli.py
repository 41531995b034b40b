import click


@click.command("plugins")
def plugins_command():
    """List installed plugins."""
