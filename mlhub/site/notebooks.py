"""Notebook pages made light: mkdocs-jupyter's inlined CSS becomes one shared stylesheet, its
script tags that would load from a CDN go, its permalinks behave like the theme's, and scrolling
code is reachable by keyboard. Pure functions over HTML strings; the mkdocs hook calls them."""

from __future__ import annotations

import re
from pathlib import Path

STYLESHEET = "assets/stylesheets/notebook.css"

_STYLE = re.compile(r"<style[^>]*>(.*?)</style>\s*", re.S)
# MathJax is configured with an empty URL (so never loaded) and Mermaid would be imported from
# cdnjs: neither may leave the site, and tutorials use neither.
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->\s*", re.S)
_MODULE = re.compile(r'<script type="module">(?:(?!</script>).)*?cdnjs(?:(?!</script>).)*</script>\s*', re.S)
_ANCHOR = re.compile(r'<a class="anchor-link" href="(#[^"]*)">¶</a>')
_CODE = re.compile(r'<div class="(highlight-ipynb[^"]*)">')

# Which theme CSS of mkdocs-jupyter serves which colour scheme of mkdocs-material.
_THEMES = {"theme-light.css": '[data-md-color-scheme="default"]', "theme-dark.css": '[data-md-color-scheme="slate"]'}

# Our own rules on top: prompts and code colours with a contrast of 4.5:1 at least (axe), and
# code that scrolls with a visible scrollbar (and by keyboard: lighten() makes it focusable).
OVERRIDES = """
[data-md-color-scheme="default"] .jupyter-wrapper {
  --jp-cell-prompt-not-active-opacity: 1; --jp-cell-prompt-not-active-font-color: #5f5f5f;
  --jp-mirror-editor-atom-color: #3b3bb3; --jp-mirror-editor-number-color: #006e00;
  --jp-mirror-editor-operator-color: #7a1fc2; --jp-mirror-editor-meta-color: #7a1fc2;
  --jp-mirror-editor-comment-color: #336666; --jp-mirror-editor-bracket-color: #5c5c47;
  --jp-mirror-editor-quote-color: #006e00; --jp-mirror-editor-error-color: #c00000;
}
[data-md-color-scheme="slate"] .jupyter-wrapper {
  --jp-mirror-editor-operator-color: #d197ff; --jp-mirror-editor-meta-color: #d197ff;
  --jp-mirror-editor-comment-color: #7fbfbf; --jp-mirror-editor-qualifier-color: #b0b0b0;
  --jp-mirror-editor-error-color: #ff8a80; --jp-mirror-editor-def-color: #64b5f6;
  --jp-mirror-editor-attribute-color: #64b5f6; --jp-mirror-editor-link-color: #64b5f6;
  --jp-mirror-editor-tag-color: #81c784;
}
.jupyter-wrapper .highlight-ipynb { overflow-x: auto; scrollbar-width: thin; }
.jupyter-wrapper .highlight-ipynb:focus-visible { outline: .1rem solid var(--md-accent-fg-color); }
.jupyter-wrapper .jp-OutputArea-output pre { white-space: pre-wrap; overflow-wrap: anywhere; }
"""


# Terminal colours in outputs (kfp and mlflow logs), readable on each scheme's page (4.5:1).
ANSI = {
    "default": {"black": "#3e424d", "red": "#b22b31", "green": "#006b2c", "yellow": "#7a5800", "blue": "#0058b0",
                "magenta": "#a03196", "cyan": "#1b6b6b", "white": "#5f5f5f"},
    "slate": {"black": "#a8adb8", "red": "#ff8a80", "green": "#69db7c", "yellow": "#ffd54f", "blue": "#82b1ff",
              "magenta": "#e590dc", "cyan": "#7fd6d6", "white": "#e0e0e0"},
}


def _ansi() -> str:
    return "\n".join(f'[data-md-color-scheme="{scheme}"] .jupyter-wrapper .jp-RenderedText pre .ansi-{name}{kind}-fg '
                     f"{{ color: {colour}; }}"
                     for scheme, colours in ANSI.items() for name, colour in colours.items()
                     for kind in ("", "-intense"))


def lighten(html: str, page: str) -> tuple[str, list[str]]:
    """(the HTML of the notebook page `page` (its path in docs/) without its style blocks and CDN
    scripts; the blocks' CSS). Links to other pages' sources are tutorials.rewrite_links's job."""
    styles = [m.group(1).strip() for m in _STYLE.finditer(html)]
    html = _STYLE.sub("", html)
    html = _MATHJAX.sub("", html)
    html = _MODULE.sub("", html)
    html = _ANCHOR.sub(r'<a class="headerlink" href="\1" title="Permanent link">¶</a>', html)
    html = _CODE.sub(r'<div class="\1" tabindex="0">', html)
    return html, [s for s in styles if _is_css(s)]


def _is_css(text: str) -> bool:
    # mkdocs-jupyter appends the Python repr of its inlined CSS list as one more "style": not CSS
    return bool(text) and not text.startswith("['")


def stylesheet(styles: list[str], themes_dir: Path | None = None) -> str:
    """The shared stylesheet: every distinct style block of the notebook pages once, the light
    theme scoped to the light scheme and the dark theme to the dark one, then our overrides."""
    seen: list[str] = []
    for css in styles:
        if css not in seen:
            seen.append(css)
    light = _theme(themes_dir, "theme-light.css")
    out = [_scope(css, _THEMES["theme-light.css"]) if light and css == light else css for css in seen]
    if dark := _theme(themes_dir, "theme-dark.css"):
        out.append(_scope(dark, _THEMES["theme-dark.css"]))
    return "\n".join(out) + "\n" + OVERRIDES.lstrip() + _ansi() + "\n"


def _theme(themes_dir: Path | None, name: str) -> str | None:
    if themes_dir is None:
        return None
    path = themes_dir / name
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def _scope(css: str, prefix: str) -> str:
    """Prefix each top-level selector of a variables-only theme sheet (`.jupyter-wrapper{...}`)."""
    return re.sub(r"(^|})\s*([^{}@][^{}]*)\{", lambda m: f"{m.group(1)}{_prefix(m.group(2), prefix)}{{", css)


def _prefix(selectors: str, prefix: str) -> str:
    return ",".join(f"{prefix} {s.strip()}" for s in selectors.split(","))


def themes_dir() -> Path | None:
    """mkdocs-jupyter's theme stylesheets (light and dark), where it installed them."""
    try:
        from mkdocs_jupyter.config import settings
    except ImportError:
        return None
    return Path(settings.templates_dir) / "mkdocs_html" / "assets"
