"""`mlhub doctor`: check the services the hub is given and say what to fix."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from mlhub.cli import config, main, root_option

NOTHING = ("nothing to check: name the company's services (MLFLOW_TRACKING_URI, MLHUB_MLFLOW_DB, MLHUB_BOT_DB, "
           "MLFLOW_S3_ENDPOINT_URL with MLHUB_ARTIFACTS_URI, KFP_HOST, MLHUB_CLUSTER; docs/operations.md), "
           "or start `mlhub services up --profile platform`")


@main.command("doctor")
@root_option
@click.option("--timeout", type=click.FloatRange(0.1, 120), default=5.0, show_default=True,
              help="Seconds each service has to answer.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON instead of a table.")
def doctor_cmd(root: Path | None, timeout: float, as_json: bool) -> None:
    """Check every service the hub is given: MLflow (reachable, version), its database and the bot's
    store (reachable, version, migrations current), the object store (a real put, read and delete
    in the artifacts bucket) and Kubeflow's endpoints. Without settings naming them, checks the
    platform profile running from MLHUB_STATE_DIR. Exits 1 when a check fails."""
    from mlhub.clusters import ClusterError
    from mlhub.doctor import Given, GivenError, Status, diagnose, table

    cfg = config()
    try:
        given = Given.from_env() or Given.from_state(cfg.state_dir)
    except GivenError as exc:
        raise click.UsageError(str(exc)) from None
    if given is None:
        raise click.UsageError(NOTHING)
    cluster = None
    if given.cluster:
        from mlhub.cli.rfc import _hub
        from mlhub.clusters.query import find_cluster

        try:
            cluster = find_cluster(_hub(root or cfg.root).clusters, given.cluster)
        except ClusterError as exc:
            raise click.UsageError(f"MLHUB_CLUSTER: {exc}") from None
    click.echo(f"mlhub: checking {given.source}, {timeout:g} s each", err=True)
    findings = diagnose(given, cluster, timeout=timeout)
    if as_json:
        click.echo(json.dumps([asdict(f) for f in findings], indent=2))
    else:
        click.echo(table(findings))
    failed = any(f.status is Status.fail for f in findings)
    if failed and given.local and not as_json:
        click.echo("  These servers belong to the `mlhub up` or `mlhub services up --profile platform` that "
                   "started them: stop it (Ctrl-C) and start it again.")
    sys.exit(1 if failed else 0)
