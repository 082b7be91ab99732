"""`mlhub rfc ...`: file, list, show and explain decisions; lint status changes."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from mlhub.cli import config, main, root_option
from mlhub.cli.content import print_problems
from mlhub.content.models import RfcType


def _hub(root: Path | None):
    from mlhub.content import ContentError, load

    try:
        return load(root or config().root)
    except ContentError as exc:
        raise click.ClickException(f"{exc}\nfix the content first (mlhub validate)") from None


@main.group()
def rfc() -> None:
    """The RFC process: file RFCs, see decisions, lint status changes."""


@rfc.command("new")
@click.argument("title")
@click.option("--sig", required=True, help="Owning SIG id (community/sigs.yaml).")
@click.option("--author", required=True, help="Your people id (GitHub login).")
@click.option("--type", "rfc_type", type=click.Choice([t.value for t in RfcType]), default="decision",
              show_default=True)
@click.option("--option", "options", multiple=True, help="A considered option's id; repeat for each.")
@click.option("--summary", default=None, help="One paragraph for the Summary section and the PR body.")
def rfc_new(title, sig, author, rfc_type, options, summary) -> None:
    """File a new RFC from the template: a pull request on GitHub, or a local branch rfc/NNNN."""
    import bot.ceremonies  # noqa: F401  (registers the kinds of publication)
    from bot.publishing import Desk, finish
    from mlhub.cli.outbox import open_outbox, open_store, publisher
    from mlhub.rfc import filing

    cfg = config(state=True)
    hub = _hub(cfg.root)
    req = filing.RfcRequest(title=title, sig=sig, author=author, type=rfc_type, options=list(options),
                            summary=summary)
    store = open_store(cfg)
    box = open_outbox(store)
    try:
        today = dt.datetime.now().astimezone().date()  # the author's day, in this machine's zone
        entry_id = filing.submit(hub, box, req, today)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"stored the request in the outbox ({entry_id[:8]})")
    outcome = finish(Desk(cfg.root, lambda: hub, publisher(cfg), box, store), entry_id, progress=click.echo,
                     who="mlhub-rfc-new")
    if outcome.published is None:
        raise click.ClickException(outcome.text)
    click.echo(str(outcome.published))


@rfc.command("list")
@root_option
@click.option("--status", default=None, help="Only RFCs in this status.")
@click.option("--sig", default=None, help="Only RFCs this SIG owns or takes part in.")
def rfc_list(root, status, sig) -> None:
    """List RFCs, newest first."""
    hub = _hub(root)
    for r in sorted(hub.rfcs, key=lambda r: r.number, reverse=True):
        if (status and r.status.value != status) or (sig and r not in hub.rfcs_of(sig)):
            continue
        click.echo(f"{r.number:04d}  {r.status.value:11} {r.owning_sig:24} {r.title}")


@rfc.command("show")
@root_option
@click.argument("number", type=int)
def rfc_show(root, number) -> None:
    """Show an RFC's metadata and decision."""
    hub = _hub(root)
    r = hub.rfc(number)
    if r is None:
        raise click.UsageError(f"no RFC {number:04d}; see `mlhub rfc list`")
    click.echo(f"RFC {r.number:04d}: {r.title}\nstatus: {r.status.value}  type: {r.type.value}\n"
               f"SIG: {', '.join([r.owning_sig, *r.participating_sigs])}  authors: {', '.join(r.authors)}")
    if r.decision:
        d = r.decision
        click.echo(f"decision: {d.disposition.value}" + (f" ({d.chosen_option})" if d.chosen_option else "")
                   + (f", decided {d.decided}" if d.decided else "")
                   + f"\nsigned off: {', '.join(d.signoffs) or 'nobody yet'}")
        if d.summary:
            click.echo(d.summary)
    click.echo(f"file: {r.at()[0]}")


@rfc.command("why")
@root_option
@click.argument("service")
def rfc_why(root, service) -> None:
    """Print the decision that currently governs SERVICE, following supersede chains."""
    from mlhub.rfc import governance

    hub = _hub(root)
    svc = hub.service(service)
    if svc is None:
        raise click.UsageError(f"unknown service {service!r}; known: {', '.join(s.id for s in hub.services)}")
    found = governance.governing(hub, service)
    if not found:
        click.echo(f"{svc.name} ({svc.maturity.value}): no decision in force names it in `affects`")
        return
    for r in found:
        d = r.decision
        target = next((a.maturity.value for a in r.affects if a.service == service), None)
        chain = [f"{x.number:04d}" for x in governance.affecting(hub, service)
                 if x.number != r.number and governance.current(hub, x).number == r.number]
        click.echo(f"{svc.name} is governed by RFC {r.number:04d}: {r.title} "
                   f"({r.status.value}{f', decided {d.decided}' if d and d.decided else ''})")
        if chain:
            click.echo(f"  which supersedes RFC {', '.join(chain)}")
        if d and d.summary:
            click.echo(f"  {d.summary}")
        if target:
            click.echo(f"  targets maturity {target}; the catalog says {svc.maturity.value}")
        if r.review_by:
            click.echo(f"  to be reviewed by {r.review_by}")
        click.echo(f"  {r.at()[0]}")


@rfc.command("lint")
@root_option
@click.option("--base", required=True, help="Git revision to compare with, e.g. origin/main.")
@click.option("--no-worktree", is_flag=True, help="Ignore uncommitted changes.")
def rfc_lint(root, base, no_worktree) -> None:
    """Check that every RFC status change since BASE follows the lifecycle, then run the lint."""
    from mlhub.content import validate
    from mlhub.rfc.history import check_history

    root = root or config().root
    problems = check_history(root, base, worktree=not no_worktree)
    _, content = validate(root)
    failed = print_problems(problems + [p for p in content if p.check.startswith("rfc")])
    sys.exit(1 if failed else 0)
