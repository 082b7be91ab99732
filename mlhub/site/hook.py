"""The mkdocs hook: a thin adapter that adds the pages rendered from content as virtual files,
draws the pictures of hand-written pages, serves the notebook CSS once, and gives every page its
edit link and last-updated date from the repository."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import nbformat
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

from mlhub.clusters import health
from mlhub.config import Config, ConfigError
from mlhub.content import ContentError, Hub, load
from mlhub.feedback import counts
from mlhub.feedback.routing import pages as feedback_pages
from mlhub.site import nav, notebooks, pictures, render, roadmap, sources
from mlhub.site.tutorials import Verification, rewrite_links
from mlhub.verify.record import load_all

log = logging.getLogger("mkdocs.hooks.mlhub")
# Per build: loaded in on_config, used by the later events.
_hub: Hub | None = None
_state: Path | None = None
_root: Path | None = None
_verified: Verification | None = None
_sources: dict[str, str] = {}
_dates: dict[str, dt.date] = {}
_notebook_css: list[str] = []
_feedback: dict = {}  # page source path -> its owner, for the pages that carry the feedback form


def _verification(state: Path) -> Verification:
    folder = state / "verify"
    records = load_all(folder)
    executed = {tid: nbformat.read(folder / f"{tid}.ipynb", as_version=4)
                for tid in records if (folder / f"{tid}.ipynb").is_file()}
    return Verification(records, executed)


def on_config(config):
    global _hub, _state, _root, _sources, _dates, _feedback
    root = _root = Path(config["config_file_path"]).parent
    try:
        cfg = Config.from_env({**os.environ, "MLHUB_ROOT": str(root)})
        _state = cfg.ensure_state()
        _hub = load(root)
    except ConfigError as exc:
        raise PluginError(f"mlhub: configuration error: {exc}") from None
    except ContentError as exc:
        raise PluginError(f"mlhub: content is invalid; run `mlhub validate`.\n{exc}") from None
    if cfg.site_url:
        config["site_url"] = cfg.site_url
    config["extra"]["mlhub_feedback_url"] = cfg.feedback_url
    _feedback = feedback_pages(_hub)
    if config["nav"]:
        config["nav"] = nav.expand(config["nav"], nav.sections(_hub))
    _sources = sources.sources(_hub)
    _dates = sources.last_changed(root)
    _notebook_css.clear()
    return config


@event_priority(100)  # before mkdocs-jupyter, which turns the notebooks added here into pages
def on_files(files: Files, config) -> Files:
    global _verified
    assert _hub is not None and _state is not None and _root is not None, "on_config runs first"
    now = dt.datetime.now(dt.UTC)
    _verified = _verification(_state)
    pages = render(_hub, now, _verified, roadmap.before_from_git(_root, _hub, now), health.load(_state),
                   counts.load(_state))
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


def on_page_markdown(markdown: str, page, config, files) -> str:
    assert _hub is not None
    try:
        return pictures(markdown, _hub, _verified, page.file.src_uri)
    except ValueError as exc:
        raise PluginError(f"mlhub: {exc}") from None


def on_page_content(html: str, page, config, files: Files) -> str:
    """Notebook pages: their CSS shared, and the files they link (`02-x.ipynb`, `../catalog/katib.md`)
    pointed at pages."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html

    def url_of(src: str) -> str | None:
        found = files.get_file_from_path(src)
        return found.url if found is not None else None

    html = rewrite_links(html, page.file.src_uri, url_of, page.url)
    html, styles = notebooks.lighten(html, page.file.src_uri)
    _notebook_css.extend(s for s in styles if s not in _notebook_css)
    page.meta["mlhub_stylesheet"] = notebooks.STYLESHEET
    return html


def on_page_context(context, page, config, nav):
    """Edit links and dates: a generated page's come from the data file it is made from."""
    src = page.file.src_uri
    if owner := _feedback.get(src):
        page.meta["mlhub_feedback"], page.meta["mlhub_feedback_owner"] = src, f"{owner.name} (#{owner.channel})"
    if source := _sources.get(src):
        page.edit_url = (sources.edit_url(config["repo_url"], config["edit_uri"], config["docs_dir"], source)
                         if config.get("repo_url") and config.get("edit_uri") else None)
    elif page.file.generated_by is None:
        source = f"{Path(config['docs_dir']).name}/{src}"
    if source and (day := _dates.get(source)):
        page.meta["revision_date"] = day.isoformat()
    return context


def on_post_build(config) -> None:
    if _notebook_css:
        target = Path(config["site_dir"]) / notebooks.STYLESHEET
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(notebooks.stylesheet(_notebook_css, notebooks.themes_dir()), encoding="utf-8")
