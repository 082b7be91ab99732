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
    """List pending and failed publish requests (and published ones with --all): kind, state,
    attempts, last message (the last error of an unfinished one, why a failed one failed), and
    who works on it now."""
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


@outbox.command("drop")
@click.argument("entry_id")
@click.option("--reason", required=True, help="Why it is withdrawn; kept as the entry's message.")
def outbox_drop(entry_id: str, reason: str) -> None:
    """Withdraw the entry whose id starts with ENTRY_ID: a pending one is never published, and a
    published merge of requests (kind request-merge) whose pull request was closed unmerged no
    longer holds its two requests back. The entry is kept, as failed, with the reason."""
    from mlhub.publish.outbox import EntryState
    from mlhub.requests.duplicates import MERGE_KIND

    box = open_outbox()
    try:
        entry = box.find(entry_id)
    except KeyError as exc:
        raise click.UsageError(str(exc)) from None
    if entry.state is EntryState.failed:
        click.echo(f"{entry.id[:8]} ({entry.kind}) has failed already: {entry.message}")
        return
    if entry.state is EntryState.done and entry.kind != MERGE_KIND:
        raise click.ClickException(f"{entry.id[:8]} ({entry.kind}) is published ({entry.message}): nothing to "
                                   "withdraw; change the repository with a new pull request instead")
    if not box.withdraw(entry.id, reason):
        raise click.ClickException(f"{entry.id[:8]} ({entry.kind}) is being published by {entry.owner} now; "
                                   "drop it once that attempt has ended (`mlhub outbox list`)")
    pull = entry.journal.get("pull") or {}
    click.echo(f"{entry.id[:8]} ({entry.kind}) withdrawn: {reason}")
    if pull.get("number"):
        click.echo(f"its pull request #{pull['number']} stays as it is: close it on GitHub if it is open")
