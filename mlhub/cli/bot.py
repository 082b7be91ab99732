"""`mlhub bot`: run the Slack app."""

from __future__ import annotations

import click

from mlhub.cli import SettingsError, main
from mlhub.config import ConfigError


@main.command("bot")
def bot_cmd() -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on 127.0.0.1
    (MLHUB_BOT_PORT). Needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (docs/bot.md)."""
    from bot.config import BotConfig
    from bot.run import run

    try:
        cfg = BotConfig.from_env()
        cfg.hub.ensure_state()
    except ConfigError as exc:
        raise SettingsError(str(exc)) from None
    run(cfg, echo=click.echo)
