"""The `mlhub` command line: a thin adapter over the library."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import click

from mlhub import __version__
from mlhub.config import Config, ConfigError

# mkdocs-material prints a banner about MkDocs 2 on every build; we pin mkdocs<2 on purpose.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def _config() -> Config:
    try:
        return Config.from_env()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


root_option = click.option(
    "--root", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
    help="Repository checkout to read (default: MLHUB_ROOT, or found from the working directory).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlhub")
def main() -> None:
    """mlhub: the ML platform's community hub: content, site, calendars."""


@main.command()
@root_option
@click.option("--json", "as_json", is_flag=True, help="Print problems as a JSON list.")
@click.option("--list-checks", is_flag=True, help="List the named checks and exit.")
def validate(root: Path | None, as_json: bool, list_checks: bool) -> None:
    """Check every content file; print one `path:field: message` line per problem.

    Exits 1 when there is any error (warnings alone exit 0), so it works as a pre-commit hook.
    """
    from mlhub import checks
    from mlhub.content import validate as run

    if list_checks:
        for chk in checks.REGISTRY.values():
            click.echo(f"{chk.name:16} {chk.doc}")
        return
    hub, problems = run(root or _config().root)
    if as_json:
        click.echo(json.dumps([p.__dict__ for p in problems], indent=2))
    else:
        for p in problems:
            click.echo(str(p), err=False)
    if any(p.severity == "error" for p in problems):
        sys.exit(1)


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"),
              show_default=True, help="Folder to write the JSON Schemas into.")
def schema(out: Path) -> None:
    """Export JSON Schemas of the content files, for editor completion and checking."""
    from mlhub.schema import export

    for path in export(out):
        click.echo(f"wrote {path}")


@main.group()
def site() -> None:
    """Build or serve the documentation site."""


@site.command("build")
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: site/ in the checkout).")
def site_build(root: Path | None, out: Path | None) -> None:
    """Build the static site with `mkdocs build --strict`."""
    root = root or _config().root
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml")]
    if out:
        cmd += ["-d", str(out.resolve())]
    sys.exit(subprocess.call(cmd, cwd=root))


@site.command("serve")
@root_option
@click.option("--addr", default=None, help="HOST:PORT to bind (default: MLHUB_SITE_ADDR).")
def site_serve(root: Path | None, addr: str | None) -> None:
    """Serve the site with live reload; content edits rebuild it."""
    cfg = _config()
    _serve(root or cfg.root, addr or cfg.site_addr)


def _serve(root: Path, addr: str) -> None:
    click.echo(f"mlhub: serving the site on http://{addr}/ (Ctrl-C stops)")
    cmd = [sys.executable, "-m", "mkdocs", "serve", "--strict", "-a", addr,
           "-f", str(root / "mkdocs.yml")]
    try:
        sys.exit(subprocess.call(cmd, cwd=root))
    except KeyboardInterrupt:
        click.echo("mlhub: stopped")


@main.command()
@root_option
def up(root: Path | None) -> None:
    """Run the hub on its embedded defaults: validate content, then build and serve the site."""
    from mlhub.content import validate as run

    cfg = _config()
    root = root or cfg.root
    click.echo(f"mlhub: validating content in {root}")
    _, problems = run(root)
    for p in problems:
        click.echo(str(p))
    if any(p.severity == "error" for p in problems):
        raise click.ClickException("content has errors; fix the lines above and run again")
    click.echo(f"mlhub: content is valid ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)")
    _serve(root, cfg.site_addr)
