"""`mlhub site build|serve` and `mlhub up`."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import click

from mlhub.cli import config, main, root_option
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
    root = root or config().root
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml")]
    if out:
        cmd += ["-d", str(out.resolve())]
    sys.exit(subprocess.call(cmd, cwd=root))


@site.command("serve")
@root_option
@click.option("--addr", default=None, help="HOST:PORT to bind (default: MLHUB_SITE_ADDR).")
def site_serve(root: Path | None, addr: str | None) -> None:
    """Serve the site with live reload; content edits rebuild it."""
    cfg = config()
    serve(root or cfg.root, addr or cfg.site_addr)


def serve(root: Path, addr: str) -> None:
    click.echo(f"mlhub: serving the site on http://{addr}/ (Ctrl-C stops)")
    cmd = [sys.executable, "-m", "mkdocs", "serve", "--strict", "-a", addr, "-f", str(root / "mkdocs.yml")]
    try:
        sys.exit(subprocess.call(cmd, cwd=root))
    except KeyboardInterrupt:
        click.echo("mlhub: stopped")


@main.command()
@root_option
def up(root: Path | None) -> None:
    """Run the hub on its embedded defaults: validate content, then build and serve the site."""
    from mlhub.content import validate as run

    cfg = config()
    root = root or cfg.root
    click.echo(f"mlhub: validating content in {root}")
    _, problems = run(root)
    if print_problems(problems):
        raise click.ClickException("content has errors; fix the lines above and run again")
    click.echo(f"mlhub: content is valid ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)")
    serve(root, cfg.site_addr)
