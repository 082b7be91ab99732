"""`mlhub site build|serve` and `mlhub up`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import click

from mlhub.cli import (
    SettingsError,
    addr_port,
    chosen_profile,
    config,
    main,
    profile_option,
    require_free,
    root_option,
    stop_on_sigterm,
)
from mlhub.cli.content import print_problems


@main.group()
def site() -> None:
    """Build or serve the documentation site."""


@site.command("build")
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: site/ in the checkout).")
def site_build(root: Path | None, out: Path | None) -> None:
    """Build the static site with `mkdocs build --strict`."""
    root = root or config(state=True).root
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml")]
    if out:
        cmd += ["-d", str(out.resolve())]
    sys.exit(subprocess.call(cmd, cwd=root))


@site.command("serve")
@root_option
@click.option("--addr", default=None, help="HOST:PORT to bind (default: MLHUB_SITE_ADDR).")
def site_serve(root: Path | None, addr: str | None) -> None:
    """Serve the site with live reload; content edits rebuild it."""
    cfg = config(state=True)
    require_free({"MLHUB_SITE_ADDR": addr_port(addr or cfg.site_addr)})
    serve(root or cfg.root, addr or cfg.site_addr)


def serve(root: Path, addr: str) -> None:
    """Serve until Ctrl-C; returns so that callers can stop their services after it."""
    click.echo(f"mlhub: serving the site on http://{addr}/ (Ctrl-C stops)")
    cmd = [sys.executable, "-m", "mkdocs", "serve", "--strict", "-a", addr, "-f", str(root / "mkdocs.yml")]
    # the served site links to where it is served, not to where it is published
    env = {"MLHUB_SITE_URL": f"http://{addr}/"} | dict(os.environ)
    proc = subprocess.Popen(cmd, cwd=root, env=env)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        click.echo("mlhub: stopped")
        return
    if code:
        raise click.ClickException(f"mkdocs serve exited with {code}")


@main.command()
@click.option("--no-verify", is_flag=True, help="Do not verify tutorials; show the last records.")
@profile_option
def up(no_verify: bool, profile: str | None) -> None:
    """Run the hub: validate content, start the services (the embedded MLflow, or with
    `--profile platform` PostgreSQL, an S3 object store and MLflow on both), verify the tutorials
    (cached), then build and serve the site. Ctrl-C stops everything."""
    from mlhub.cli.verify import print_platform, run_verification
    from mlhub.content import validate as run
    from mlhub.services.mlflow_server import ServiceError
    from mlhub.services.processes import PortInUse
    from mlhub.services.profile import profile_services, start_bot_replicas

    stop_on_sigterm()
    cfg = config(state=True)
    chosen = chosen_profile(cfg, profile)
    require_free(bound_ports(cfg))  # before anything starts: a port in use is one line, exit 2
    click.echo(f"mlhub: validating content in {cfg.root}")
    _, problems = run(cfg.root)
    if print_problems(problems):
        raise click.ClickException("content has errors; fix the lines above and run again")
    click.echo(f"mlhub: content is valid ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)")
    click.echo(f"mlhub: starting the live services ({chosen} profile) ...")
    try:
        with profile_services(cfg, chosen, click.echo) as (live, platform):
            click.echo(f"mlhub: MLflow UI on {live.mlflow_uri}/")
            if platform:
                print_platform(platform, live)
            if not no_verify:  # the same tutorials on either profile; only the services differ
                code = run_verification(cfg, live, (), force=False, workers=2, budget=300, max_age=7)
                if code:
                    click.echo("mlhub: some tutorials did not pass; their pages show why", err=True)
            if platform:
                start_bot_replicas(platform, click.echo)
            else:
                start_bot(live)
            click.echo(f"mlhub: site on http://{cfg.site_addr}/ · MLflow UI on {live.mlflow_uri}/")
            serve(cfg.root, cfg.site_addr)
    except KeyboardInterrupt:
        click.echo("mlhub: stopped")
    except PortInUse as exc:
        raise SettingsError(str(exc)) from None
    except ServiceError as exc:
        raise click.ClickException(f"infrastructure error: {exc}") from None


def bound_ports(cfg) -> dict[str, int]:
    """The fixed ports `mlhub up` binds: the site's, and the bot's when its tokens are set."""
    import os

    ports = {"MLHUB_SITE_ADDR": addr_port(cfg.site_addr)}
    if os.environ.get("SLACK_BOT_TOKEN") and os.environ.get("SLACK_SIGNING_SECRET"):
        from bot.config import BotConfig
        from mlhub.config import ConfigError

        try:
            ports["MLHUB_BOT_PORT"] = BotConfig.from_env().port
        except ConfigError as exc:
            raise SettingsError(str(exc)) from None
    return ports


def start_bot(live) -> None:
    """Start the Slack bot beside the site when its tokens are set, and on the embedded MLflow
    connect the registry webhook to it; otherwise say how."""
    import os
    import secrets

    if not (os.environ.get("SLACK_BOT_TOKEN") and os.environ.get("SLACK_SIGNING_SECRET")):
        click.echo("mlhub: Slack bot not started: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
                   "(and SLACK_APP_TOKEN for Socket Mode); see docs/bot.md")
        return
    from bot.config import BotConfig
    from bot.run import spawn
    from mlhub.services.profile import connect_registry

    os.environ.setdefault("MLHUB_WEBHOOK_SECRET", secrets.token_urlsafe(32))
    cfg = BotConfig.from_env()
    spawn(click.echo)  # its own process: the production server (gunicorn) needs the main thread
    if live.mlflow_embedded:
        connect_registry(live.mlflow_uri, f"http://127.0.0.1:{cfg.port}", cfg.webhook_secret.reveal(),
                         lambda line: click.echo(line, err="not connected" in line))
