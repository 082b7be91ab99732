"""`mlhub outbox list|retry`: what is waiting to be published, and finishing it."""

from __future__ import annotations

import click

from mlhub.cli import config, main


def open_outbox():
    from mlhub.publish.outbox import Outbox

    return Outbox(config(state=True).state_dir / "outbox.sqlite")


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
    """List pending publish requests (and finished ones with --all)."""
    entries = [e for e in open_outbox().entries() if show_all or e.state != "done"]
    if not entries:
        click.echo("nothing waiting to be published")
    for e in entries:
        click.echo(f"{e.id[:8]}  {e.kind:6} {e.state:8} {e.updated:%Y-%m-%d %H:%M}  {e.message}")


@outbox.command("retry")
@click.argument("entry_id", required=False)
def outbox_retry(entry_id: str | None) -> None:
    """Finish pending requests (all, or the one whose id starts with ENTRY_ID)."""
    from mlhub.content import load
    from mlhub.publish import PublishError
    from mlhub.requests import filing as requests
    from mlhub.rfc import filing

    cfg = config()
    box = open_outbox()
    try:
        pending = [box.find(entry_id)] if entry_id else box.entries("pending")
    except KeyError as exc:
        raise click.UsageError(str(exc)) from None
    handlers = {"rfc": filing.resume,
                "request": lambda root, hub, pub, box, eid, echo: requests.resume(hub, pub, box, eid, echo)}
    hub, failed = load(cfg.root), False
    for entry in pending:
        if entry.kind not in handlers:  # minutes, demo entries, sigs.yaml edits: the bot publishes them
            click.echo(f"{entry.id[:8]}: a {entry.kind!r} request is published by the Slack bot; "
                       "repeat its command in Slack to retry it")
            continue
        try:
            out = handlers[entry.kind](cfg.root, hub, publisher(cfg), box, entry.id, click.echo)
            click.echo(f"{entry.id[:8]}: {out}")
        except PublishError as exc:
            click.echo(f"{entry.id[:8]}: {exc}", err=True)
            failed = True
    if failed:
        raise SystemExit(1)
