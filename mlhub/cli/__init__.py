"""The `mlhub` command line: thin adapters over the library, one module per area."""

from __future__ import annotations

import os
from pathlib import Path

import click

from mlhub import __version__
from mlhub.config import Config, ConfigError

# mkdocs-material prints a banner about MkDocs 2 on every build; we pin mkdocs<2 on purpose.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def stop_on_sigterm() -> None:
    """Treat SIGTERM (systemd, `timeout`, CI) like Ctrl-C, so the services started are stopped."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


class SettingsError(click.ClickException):
    """A bad setting: one line on stderr ("Error: ..."), exit 2 like a usage error."""

    exit_code = 2


def require_free(ports: dict[str, int]) -> None:
    """Stop with one line (exit 2) when a port the command is about to bind is held by another
    process, instead of a server's retries and traceback."""
    from mlhub.services.processes import PortInUse, check_ports

    try:
        check_ports(ports, hint="stop that process, or set the setting to a free port")
    except PortInUse as exc:
        raise SettingsError(str(exc)) from None


def addr_port(addr: str) -> int:
    return int(addr.rsplit(":", 1)[1])


def config(state: bool = False) -> Config:
    """The settings; with state=True the state folder must also be usable (commands that write)."""
    try:
        cfg = Config.from_env()
        if state:
            cfg.ensure_state()
        return cfg
    except ConfigError as exc:
        raise SettingsError(str(exc)) from None


profile_option = click.option(
    "--profile", type=click.Choice(["embedded", "platform"]), default=None,
    help="Services to start: embedded (MLflow on sqlite) or platform (PostgreSQL, an S3 object store and "
         "MLflow on both). Default: MLHUB_PROFILE, else embedded.",
)


def chosen_profile(cfg: Config, option: str | None):
    """The profile the option or MLHUB_PROFILE names; the platform profile starts its own MLflow."""
    from mlhub.config import Profile

    profile = Profile(option) if option else cfg.profile
    if profile is Profile.platform and cfg.mlflow_tracking_uri:
        raise click.UsageError("MLFLOW_TRACKING_URI names an MLflow server, and the platform profile starts "
                               "its own: unset it, or use the embedded profile (see docs/operations.md)")
    return profile


root_option = click.option(
    "--root", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
    help="Repository checkout to read (default: MLHUB_ROOT, or found from the working directory).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlhub")
def main() -> None:
    """mlhub: the ML platform's community hub: content, site, calendars, RFCs."""


from mlhub.cli import (  # noqa: E402  (they register commands)
    bot,
    clusters,
    content,
    doctor,
    outbox,
    registry,
    request,
    rfc,
    site,
    verify,
)

__all__ = ["main", "config", "root_option", "profile_option", "chosen_profile", "bot", "clusters", "content",
           "doctor", "outbox", "registry", "request", "rfc", "site", "verify"]
