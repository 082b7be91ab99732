"""`mlhub verify` and `mlhub services up`: run the tutorials against live services."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import click

from mlhub.cli import SettingsError, chosen_profile, config, main, profile_option, stop_on_sigterm


def verify_dir(cfg) -> Path:
    return cfg.state_dir / "verify"


@main.group()
def services() -> None:
    """The live services tutorials run against (MLflow, Kubeflow Pipelines)."""


@services.command("up")
@profile_option
def services_up(profile: str | None) -> None:
    """Start the services (the embedded MLflow unless MLFLOW_TRACKING_URI is set, or with
    `--profile platform` PostgreSQL, an S3 object store and MLflow on both), create the warehouse
    when empty, stand in the Kubernetes API double (unless MLHUB_KUBE_API is set), print the URLs,
    wait for Ctrl-C."""
    from mlhub.config import Profile
    from mlhub.services.mlflow_server import ServiceError
    from mlhub.services.processes import PortInUse
    from mlhub.services.profile import home, profile_services

    stop_on_sigterm()
    cfg = config(state=True)
    chosen = chosen_profile(cfg, profile)
    where = home(cfg.state_dir) if chosen is Profile.platform else cfg.state_dir / "mlflow"
    click.echo(f"mlhub: starting the {chosen} profile's services (data under {where}) ...")
    try:
        with profile_services(cfg, chosen, click.echo) as (live, platform):
            from mlhub.golden.warehouse import safe_url

            click.echo(f"mlhub: {live.describe()}")
            click.echo(f"  MLflow UI:  {live.mlflow_uri}/")
            if platform:
                print_platform(platform, live)
            else:
                click.echo(f"  warehouse:  {safe_url(live.warehouse_url)}")
                click.echo("  use them in a notebook (the tutorials read these):")
                for key, value in live.env().items():
                    shown = safe_url(value) if key == "MLHUB_WAREHOUSE_URL" else value
                    click.echo(f"    export {key}={shown}")
            click.echo("mlhub: running; Ctrl-C stops")
            while True:
                time.sleep(3600)
    except PortInUse as exc:
        raise SettingsError(str(exc)) from None
    except ServiceError as exc:
        raise click.ClickException(f"infrastructure error: {exc}") from None
    except KeyboardInterrupt:
        click.echo("mlhub: stopped")


def print_platform(platform, live) -> None:
    """Where each server of the platform profile answers, and the exports for a shell (the S3 keys
    and the database password as file paths: secrets are never printed)."""
    import shlex

    click.echo(f"  PostgreSQL: {platform.postgres.url()} (databases mlflow, mlhub_bot, warehouse)")
    click.echo(f"  S3:         {platform.s3_endpoint} (bucket {platform.objectstore.bucket})")
    exports = {**platform.shell_exports(), "MLHUB_KUBE_API": live.kube_api or "", "MLHUB_CLUSTER": "local"}
    for i, (key, value) in enumerate((k, v) for k, v in exports.items() if v):
        click.echo(f"  {'use it:' if i == 0 else '':<12}export {key}={shlex.quote(value)}")


def run_verification(cfg, live, names, force, workers, budget, max_age) -> int:
    """Verify and print a summary; the exit code: 0 passed, 1 a tutorial failed, 3 infrastructure."""
    from mlhub.verify.runner import Settings
    from mlhub.verify.suite import describe, tutorials, verify

    try:
        paths = tutorials(cfg.root, list(names), demos=True)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"mlhub: verifying {len(paths)} tutorial(s) against {live.describe()}, {workers} at a time")
    t0 = time.monotonic()
    try:
        outcome = verify(cfg.root, verify_dir(cfg), live, paths,
                         Settings(budget_s=budget, max_age=dt.timedelta(days=max_age)),
                         force=force, workers=workers, progress=click.echo)
    except ValueError as exc:  # a notebook's metadata names a step that is not before it
        raise click.UsageError(str(exc)) from None
    click.echo(f"mlhub: {len(outcome.executed)} executed, {len(outcome.reused)} unchanged, "
               f"in {time.monotonic() - t0:.1f} s")
    for rec in outcome.failed + outcome.infra_errors:
        click.echo(f"tutorials/{rec.tutorial}.ipynb: {describe(rec)}", err=True)
    if outcome.infra_errors:
        return 3
    return 1 if outcome.failed else 0


@main.command("verify")
@click.argument("names", nargs=-1)
@click.option("--force", is_flag=True, help="Run every tutorial, even unchanged ones.")
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True,
              help="Tutorials run at the same time.")
@click.option("--budget", type=click.FloatRange(10), default=300, show_default=True,
              help="Seconds one tutorial may take.")
@click.option("--max-age", type=click.IntRange(0), default=7, show_default=True,
              help="Days after which an unchanged tutorial runs again.")
def verify_cmd(names, force, workers, budget, max_age) -> None:
    """Execute the tutorials and the demos' notebooks (all, or NAMES such as 02 or
    02-track-experiments) against live services; write executed copies and verification records.
    Unchanged notebooks are not run."""
    from mlhub.services.mlflow_server import ServiceError

    cfg = config(state=True)
    try:
        with cfg.live_services() as live:
            code = run_verification(cfg, live, names, force, workers, budget, max_age)
    except ServiceError as exc:
        click.echo(f"mlhub: infrastructure error: {exc}", err=True)
        code = 3
    sys.exit(code)


@main.group()
def warehouse() -> None:
    """The warehouse the golden path extracts from (MLHUB_WAREHOUSE_URL, else embedded SQLite)."""


@warehouse.command("create")
@click.option("--replace", is_flag=True, help="Drop and load the tables even when they are complete.")
def warehouse_create(replace: bool) -> None:
    """Load the listings tables (generated from a fixed seed) into the warehouse; a no-op when
    they are there with every row."""
    from mlhub.golden import warehouse as wh

    cfg = config()
    url = cfg.warehouse_url or wh.default_url(cfg.state_dir)
    click.echo(f"mlhub: loading the listings tables into {wh.safe_url(url)} ...")
    try:
        loaded = wh.ensure(url, replace=replace)
    except Exception as exc:  # a URL that does not connect: say which and why, no traceback
        raise click.ClickException(f"warehouse {wh.safe_url(url)}: {type(exc).__name__}: "
                                   f"{str(exc).splitlines()[0]}") from None
    counts = ", ".join(f"{table} {rows:,} rows" for table, rows in loaded.rows.items())
    click.echo(f"mlhub: {'created' if loaded.created else 'already complete'}: {counts}")
