"""`mlhub clusters ...`: list the clusters, where a service runs, one cluster, the health check."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from mlhub.cli import config, main, root_option
from mlhub.cli.rfc import _hub


def _known(root: Path | None):
    """The content hub, every cluster to answer from (local first while it runs), the last report."""
    from mlhub.clusters import health
    from mlhub.clusters.local import find_local
    from mlhub.clusters.query import everywhere

    cfg = config()
    hub = _hub(root or cfg.root)
    return hub, everywhere(hub, find_local(cfg.state_dir)), health.load(cfg.state_dir)


def _answer(fn):
    from mlhub.clusters import ClusterError

    try:
        return fn()
    except ClusterError as exc:
        raise click.UsageError(str(exc)) from None


@main.group(invoke_without_command=True)
@click.pass_context
def clusters(ctx: click.Context) -> None:
    """The platform's clusters: where each service runs, its endpoints, whether it is up.
    Without a subcommand: the list."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(clusters_list)


@clusters.command("list")
@root_option
@click.option("--team", default=None, help="Put the clusters this team works on first.")
def clusters_list(root: Path | None = None, team: str | None = None) -> None:
    """Every cluster: stage, region, the team that runs it, its services (the local one while
    `make up` runs)."""
    from mlhub.clusters.query import for_team
    from mlhub.clusters.text import cluster_list

    _, known, _ = _known(root)
    click.echo(cluster_list(for_team(known, team)))


@clusters.command("where")
@root_option
@click.argument("service")
def clusters_where(root: Path | None, service: str) -> None:
    """Which clusters run SERVICE (a catalog id, or words of its name: `mlflow` finds tracking
    and registry), at which stage, with its endpoints and last known status."""
    from mlhub.clusters.query import where
    from mlhub.clusters.text import where_text

    hub, known, report = _known(root)
    click.echo(where_text(_answer(lambda: where(hub, service, known, report)), report))


@clusters.command("show")
@root_option
@click.argument("name")
def clusters_show(root: Path | None, name: str) -> None:
    """One cluster: its stage, region and teams, and each service with endpoints and last status."""
    from mlhub.clusters.query import show
    from mlhub.clusters.text import cluster_text

    hub, known, report = _known(root)
    click.echo(cluster_text(_answer(lambda: show(hub, name, known, report)), report))


@clusters.command("env")
@click.argument("name", required=False)
def clusters_env(name: str | None) -> None:
    """Print `export` lines for the endpoints of cluster NAME (default: MLHUB_CLUSTER, else local),
    for `eval "$(mlhub clusters env dev-eu)"`."""
    from mlhub.clusters import endpoints

    ep = _answer(lambda: endpoints(name))
    for key, value in ep.env().items():
        click.echo(f"export {key}={shlex.quote(value)}")


@clusters.command("check")
@root_option
@click.option("--cluster", "names", multiple=True, help="Only this cluster; repeat for more.")
@click.option("--timeout", type=click.FloatRange(0.1, 120), default=5.0, show_default=True,
              help="Seconds each health URL has to answer.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Health URLs probed at the same time.")
@click.option("--save", is_flag=True, help="Keep the result (with its time) for the site's clusters page.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of a table.")
def clusters_check(root, names, timeout, concurrency, save, as_json) -> None:
    """Probe every endpoint that has a health URL (MLflow `/health`, Pipelines
    `/apis/v2beta1/healthz`, or any URL answering HTTP 200). Exits 1 when one is down or times out."""
    from mlhub.clusters import health
    from mlhub.clusters.query import find_cluster
    from mlhub.clusters.text import report_table

    _, known, _ = _known(root)
    chosen = [_answer(lambda n=n: find_cluster(known, n)) for n in names] or known
    targets = health.targets(chosen)
    click.echo(f"mlhub: probing {len(targets)} health URL(s) on {len(chosen)} cluster(s), "
               f"{concurrency} at a time, {timeout:g} s each", err=True)
    report = health.check(targets, timeout=timeout, concurrency=concurrency)
    click.echo(report.to_json() if as_json else report_table(report), nl=not as_json)
    if save:
        click.echo(f"mlhub: saved {health.save(report, config(state=True).state_dir)}", err=True)
    sys.exit(0 if report.ok else 1)

