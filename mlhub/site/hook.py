"""The mkdocs hook: a thin adapter that adds the pages rendered from content as virtual files."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from mlhub.content import ContentError, Hub, load
from mlhub.site import nav, render

log = logging.getLogger("mkdocs.hooks.mlhub")
_hub: Hub | None = None  # loaded once per build in on_config, used by on_files


def on_config(config):
    global _hub
    try:
        _hub = load(Path(config["config_file_path"]).parent)
    except ContentError as exc:
        raise PluginError(f"mlhub: content is invalid; run `mlhub validate`.\n{exc}") from None
    if config["nav"]:
        config["nav"] = nav.expand(config["nav"], nav.sections(_hub))
    return config


def on_files(files: Files, config) -> Files:
    assert _hub is not None, "on_config runs first"
    pages = render(_hub, dt.datetime.now(dt.UTC))
    for path, text in pages.items():
        if files.get_file_from_path(path) is not None:
            raise PluginError(f"mlhub: docs/{path} is generated from data; delete the committed copy")
        files.append(File.generated(config, path, content=text))
    log.info("mlhub: generated %d files from content", len(pages))
    return files
