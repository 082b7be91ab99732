"""`mlhub outbox list|retry`: what is waiting to be published, and finishing it."""

from __future__ import annotations

import click

from mlhub.cli import SettingsError, config, main


def open_store(cfg=None):
    """The bot's store (MLHUB_BOT_DB, else the state folder's file), where the outbox lives."""
    from bot.config import store_url
    from bot.store import Store
    from mlhub.config import ConfigError

    cfg = cfg or config(state=True)
    try:
        return Store(store_url(cfg))
    except ConfigError as exc:
        raise SettingsError(str(exc)) from None


def open_outbox(store=None):
    from bot.run import outbox_of

    cfg = config(state=True)
    return outbox_of(store or open_store(cfg), cfg.state_dir)


def publisher(cfg=None):
    """The GitHub publisher when GITHUB_* is configured, else the local-branch publisher."""
    cfg = cfg or config()
    if cfg.github:
        from mlhub.publish.github import GitHubPublisher

        return GitHubPublisher(cfg.github)
    from mlhub.publish.local import LocalGitPublisher

    return LocalGitPublisher(cfg.root)


@main.group()
def outbox() -> None:
    """Publish requests (RFCs, minutes, demo entries) and where each stands."""


@outbox.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include finished requests.")
def outbox_list(show_all: bool) -> None:
    """List pending publish requests (and finished ones with --all): kind, state, attempts, last
    message (the last error of an unfinished one), and who works on it now."""
    entries = [e for e in open_outbox().entries() if show_all or e.state != "done"]
    if not entries:
        click.echo("nothing waiting to be published")
        return
    click.echo(f"{'ID':8}  {'KIND':9} {'STATE':8} {'TRIES':>5}  {'UPDATED':16}  LAST MESSAGE")
    for e in entries:
        claim = f" [claimed by {e.owner} until {e.lease_until:%H:%M:%S} UTC]" if e.owner and e.lease_until else ""
        click.echo(f"{e.id[:8]}  {e.kind:9} {e.state:8} {e.attempts:>5}  {e.updated:%Y-%m-%d %H:%M}  "
                   f"{e.message}{claim}")


@outbox.command("retry")
@click.argument("entry_id", required=False)
def outbox_retry(entry_id: str | None) -> None:
    """Finish pending requests of every kind (all, or the one whose id starts with ENTRY_ID), and
    record what the bot needs (an RFC filing in its store). Exit 1 when one is left for later."""
    import bot.ceremonies  # noqa: F401  (each ceremony registers its kinds of publication)
    from bot.deps import HubCache
    from bot.publishing import Desk, finish_all

    cfg = config(state=True)
    store = open_store(cfg)
    box = open_outbox(store)
    try:
        pending = [box.find(entry_id)] if entry_id else box.entries("pending")
    except KeyError as exc:
        raise click.UsageError(str(exc)) from None
    if not pending:
        click.echo("nothing waiting to be published")
    def said(outcome) -> None:
        click.echo(f"{outcome.entry.id[:8]} ({outcome.entry.kind}, attempt {outcome.entry.attempts}): "
                   f"{outcome.text}", err=outcome.left or outcome.busy)

    desk = Desk(cfg.root, HubCache(cfg.root), publisher(cfg), box, store)
    outcomes = finish_all(desk, pending, progress=lambda line: click.echo(f"  {line}"), who="mlhub-outbox-retry",
                          done=said)
    held = len(pending) - len(outcomes)
    if held:
        click.echo(f"{held} later edit(s) wait for an earlier one of the same file", err=True)
    if held or any(o.left or o.busy for o in outcomes):
        raise SystemExit(1)
