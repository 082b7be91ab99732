"""The mkdocs hook: a thin adapter that adds the pages rendered from content as virtual files."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import nbformat
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

from mlhub.config import Config, ConfigError
from mlhub.content import ContentError, Hub, load
from mlhub.site import nav, render
from mlhub.site.tutorials import Verification, rewrite_links
from mlhub.verify.record import load_all

log = logging.getLogger("mkdocs.hooks.mlhub")
_hub: Hub | None = None  # loaded once per build in on_config, used by on_files
_state: Path | None = None


def _verification(state: Path) -> Verification:
    folder = state / "verify"
    records = load_all(folder)
    executed = {tid: nbformat.read(folder / f"{tid}.ipynb", as_version=4)
                for tid in records if (folder / f"{tid}.ipynb").is_file()}
    return Verification(records, executed)


def on_config(config):
    global _hub, _state
    root = Path(config["config_file_path"]).parent
    try:
        _state = Config.from_env({**os.environ, "MLHUB_ROOT": str(root)}).state_dir
        _hub = load(root)
    except ConfigError as exc:
        raise PluginError(f"mlhub: configuration error: {exc}") from None
    except ContentError as exc:
        raise PluginError(f"mlhub: content is invalid; run `mlhub validate`.\n{exc}") from None
    if config["nav"]:
        config["nav"] = nav.expand(config["nav"], nav.sections(_hub))
    return config


@event_priority(100)  # before mkdocs-jupyter, which turns the notebooks added here into pages
def on_files(files: Files, config) -> Files:
    assert _hub is not None and _state is not None, "on_config runs first"
    pages = render(_hub, dt.datetime.now(dt.UTC), _verification(_state))
    notebooks = _state / "site-notebooks"
    for path, text in pages.items():
        if files.get_file_from_path(path) is not None:
            raise PluginError(f"mlhub: docs/{path} is generated from data; delete the committed copy")
        if path.endswith(".ipynb") and path.startswith("tutorials/"):
            # mkdocs-jupyter reads notebooks from disk (and offers that file for download)
            target = notebooks / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            files.append(File(path, src_dir=str(notebooks), dest_dir=config["site_dir"],
                              use_directory_urls=config["use_directory_urls"]))
        else:
            files.append(File.generated(config, path, content=text))
    log.info("mlhub: generated %d files from content", len(pages))
    return files


def on_page_content(html: str, page, config, files: Files) -> str:
    """Tutorial notebooks link files (`02-x.ipynb`, `../catalog/katib.md`): point them at pages."""
    if not page.file.src_uri.startswith("tutorials/") or not page.file.src_uri.endswith(".ipynb"):
        return html

    def url_of(src: str) -> str | None:
        found = files.get_file_from_path(src)
        return found.url if found is not None else None

    return rewrite_links(html, page.file.src_uri, url_of, page.url)
