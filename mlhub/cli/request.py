"""`mlhub request ...`: file a request for the platform, list them, merge a duplicate."""

from __future__ import annotations

import datetime as dt

import click

from mlhub.cli import config, main, root_option
from mlhub.content.models import RequestStatus


def _hub(root):
    from mlhub.content import ContentError, load

    try:
        return load(root or config().root)
    except ContentError as exc:
        raise click.ClickException(f"{exc}\nfix the content first (mlhub validate)") from None


@main.group()
def request() -> None:
    """Community requests for the platform: file one, list them, merge duplicates."""


@request.command("new")
@click.argument("title")
@click.option("--problem", required=True, help="The problem to solve, in your words (not a solution).")
@click.option("--by", "requested_by", required=True, help="Your people id (GitHub login).")
@click.option("--service", "services", multiple=True, help="Catalog id of a service it touches; repeat for each.")
@click.option("--team", default=None, help="The requesting team (default: yours in community/people.yaml).")
@click.option("--sig", default=None, help="The owning SIG (default: the owner of the first --service).")
@click.option("--yes", is_flag=True, help="File even when similar open requests exist.")
def request_new(title, problem, requested_by, services, team, sig, yes) -> None:
    """File a request as a pull request adding requests/ID.yaml (or a local branch request/ID).
    Similar open requests are shown first: support one of them instead if it is yours."""
    import bot.ceremonies  # noqa: F401  (registers the kinds of publication)
    from bot.publishing import Desk, finish
    from mlhub.cli.outbox import open_outbox, open_store, publisher
    from mlhub.requests import duplicates, filing

    cfg = config(state=True)
    hub = _hub(cfg.root)
    new = filing.NewRequest(title=title, problem=problem, requested_by=requested_by, services=list(services),
                            team=team, sig=sig)
    if errors := filing.problems(hub, filing.completed(hub, new)):
        raise click.UsageError("\n".join(errors))
    matches = duplicates.similar(hub.requests, title, problem, services)
    if matches:
        click.echo("Similar requests are open already:")
        for m in matches:
            click.echo(f"  {m.request.id}  ({m.score:.2f} alike, {len(m.request.tally.teams)} teams)  "
                       f"{m.request.title}")
        if not yes and not click.confirm("File a new request anyway?", default=False):
            raise click.ClickException("not filed: support the similar request instead, or file with --yes")
    store = open_store(cfg)
    box = open_outbox(store)
    try:
        entry_id = filing.submit(hub, box, new, dt.datetime.now().astimezone().date())
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"stored the request in the outbox ({entry_id[:8]})")
    outcome = finish(Desk(cfg.root, lambda: hub, publisher(cfg), box, store), entry_id, progress=click.echo,
                     who="mlhub-request-new")
    if outcome.published is None:
        raise click.ClickException(outcome.text)
    click.echo(str(outcome.published))


@request.command("list")
@root_option
@click.option("--status", type=click.Choice([s.value for s in RequestStatus]), default=None,
              help="Only requests in this status.")
@click.option("--sig", default=None, help="Only requests this SIG owns.")
@click.option("--service", default=None, help="Only requests touching this service.")
def request_list(root, status, sig, service) -> None:
    """List requests, most supporting teams first."""
    from mlhub.requests.tally import rank

    hub = _hub(root)
    shown = [r for r in rank(hub.requests) if (not status or r.status.value == status)
             and (not sig or r.sig == sig) and (not service or service in r.services)]
    if not shown:
        click.echo("no requests match")
    for r in shown:
        click.echo(f"{r.id:32} {r.status.value:9} {len(r.tally.teams):2} teams {len(r.tally.supporters):3} people  "
                   f"{r.sig:22} {r.title}")


@request.command("merge")
@click.argument("duplicate")
@click.argument("into")
@click.option("--by", default=None, help="Your people id, for the pull request's record (optional).")
def request_merge(duplicate, into, by) -> None:
    """Merge DUPLICATE into INTO: DUPLICATE is declined as a duplicate, its requester and
    supporters are carried over to INTO, both files in one pull request. Stored in the outbox
    first (the same entry as the bot's `/request merge` of the two), so running it again, or
    `mlhub outbox retry`, finishes it and never opens a second pull request. Refused while either
    request takes part in another merge that is stored or open as a pull request."""
    import bot.ceremonies  # noqa: F401  (registers the kinds of publication)
    from bot.publishing import Desk, finish
    from mlhub.cli.outbox import open_outbox, open_store, publisher
    from mlhub.publish.outbox import EntryState
    from mlhub.requests import duplicates

    cfg = config(state=True)
    hub = _hub(cfg.root)
    store = open_store(cfg)
    box = open_outbox(store)
    try:  # refused while either request takes part in another merge not yet in the repository
        payload = duplicates.merge_payload(hub, duplicate, into, by, box.entries(kind=duplicates.MERGE_KIND))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    entry = box.add(duplicates.MERGE_KIND, payload, entry_id=duplicates.merge_id(duplicate, into))
    outcome = finish(Desk(cfg.root, lambda: hub, publisher(cfg), box, store), entry.id, progress=click.echo,
                     who="mlhub-request-merge")
    if outcome.published is None and outcome.entry.state is not EntryState.done:
        raise click.ClickException(outcome.text)
    click.echo(str(outcome.published or outcome.text))
