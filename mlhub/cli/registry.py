"""`mlhub registry connect`: send MLflow Model Registry events to the bot."""

from __future__ import annotations

import os

import click

from mlhub.cli import config, main


@main.group()
def registry() -> None:
    """The bridge from the MLflow Model Registry to the community."""


@registry.command("connect")
@click.option("--url", default=None, help="Where MLflow delivers (default: the bot on 127.0.0.1:MLHUB_BOT_PORT).")
@click.option("--embedded", is_flag=True, help="The MLflow server is the hub's embedded one (http to 127.0.0.1).")
def registry_connect(url: str | None, embedded: bool) -> None:
    """Register (or update) the `mlhub` webhook on the MLflow server at MLFLOW_TRACKING_URI, signed
    with MLHUB_WEBHOOK_SECRET, for new models, new versions, tags and aliases."""
    from mlhub.registry.connect import ConnectError, connect

    cfg = config()
    secret = os.environ.get("MLHUB_WEBHOOK_SECRET", "")
    if not cfg.mlflow_tracking_uri:
        raise click.UsageError("set MLFLOW_TRACKING_URI to the MLflow server to connect")
    if not secret:
        raise click.UsageError("set MLHUB_WEBHOOK_SECRET (the bot verifies deliveries with it)")
    url = url or f"http://127.0.0.1:{os.environ.get('MLHUB_BOT_PORT', '3000')}/mlflow/webhook"
    try:
        click.echo(connect(cfg.mlflow_tracking_uri, url, secret, embedded))
    except ConnectError as exc:
        raise click.ClickException(str(exc)) from None
