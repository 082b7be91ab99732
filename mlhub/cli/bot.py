"""`mlhub bot`: run the Slack app; `mlhub bot manifest`: its Slack app manifest for a mode."""

from __future__ import annotations

import click

from mlhub.cli import SettingsError, main, require_free
from mlhub.config import ConfigError


@main.group("bot", invoke_without_command=True)
@click.pass_context
def bot_cmd(ctx: click.Context) -> None:
    """Run the Slack bot on its production server (gunicorn, MLHUB_BOT_WORKERS processes) on
    127.0.0.1:MLHUB_BOT_PORT; Socket Mode too when SLACK_APP_TOKEN is set. Needs SLACK_BOT_TOKEN and
    SLACK_SIGNING_SECRET (docs/bot.md)."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.config import BotConfig
    from bot.run import run

    try:
        cfg = BotConfig.from_env()
        cfg.hub.ensure_state()
    except ConfigError as exc:
        raise SettingsError(str(exc)) from None
    require_free({"MLHUB_BOT_PORT": cfg.port})
    run(cfg, echo=click.echo)


@bot_cmd.command("manifest")
@click.option("--url", default=None, help="HTTP mode: the public https URL of the bot's server.")
@click.option("--socket-mode", is_flag=True, help="Socket Mode: no public URL needed.")
def manifest_cmd(url: str | None, socket_mode: bool) -> None:
    """Print the Slack app manifest for HTTP mode (--url) or Socket Mode (--socket-mode)."""
    from bot.manifest import ManifestError, dump, manifest

    try:
        click.echo(dump(manifest(url, socket_mode)), nl=False)
    except ManifestError as exc:
        raise click.UsageError(str(exc)) from None
