"""`mlhub validate` and `mlhub schema`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mlhub.cli import config, main, root_option


def print_problems(problems) -> bool:
    """Print one line per problem; True if any is an error."""
    for p in problems:
        click.echo(str(p))
    return any(p.severity == "error" for p in problems)


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
        for name, doc in checks.LOADER_CHECKS.items():
            click.echo(f"{name:16} {doc}")
        for chk in checks.registry().values():
            click.echo(f"{chk.name:16} {' '.join(chk.doc.split())}")
        return
    _, problems = run(root or config().root)
    if as_json:
        click.echo(json.dumps([p.__dict__ for p in problems], indent=2))
        failed = any(p.severity == "error" for p in problems)
    else:
        failed = print_problems(problems)
    sys.exit(1 if failed else 0)


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"),
              show_default=True, help="Folder to write the JSON Schemas into.")
def schema(out: Path) -> None:
    """Export JSON Schemas of the content files, for editor completion and checking."""
    from mlhub.schema import export

    for path in export(out):
        click.echo(f"wrote {path}")
