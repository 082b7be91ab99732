"""Small SVG builders for the pictures drawn from data at build time: no script, no CDN, colours
from the stylesheet (so dark mode applies), a title and description for screen readers."""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable, Sequence

FONT = 13  # px; the stylesheet sets the family


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def figure(pid: str, width: int, height: int, title: str, desc: str, body: Iterable[str],
           caption: str = "", interactive: bool = False) -> str:
    """A picture as one raw-HTML block (no blank line, so Markdown leaves it alone), kept out of
    search: the page's text says the same. Pictures with links are groups, the others images."""
    role = "group" if interactive else "img"
    svg = (f'<svg id="{pid}" class="mlhub-svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'role="{role}" aria-labelledby="{pid}-title {pid}-desc" xmlns="http://www.w3.org/2000/svg" '
           'xmlns:xlink="http://www.w3.org/1999/xlink">'
           f'<title id="{pid}-title">{esc(title)}</title><desc id="{pid}-desc">{esc(desc)}</desc>'
           + "".join(body) + "</svg>")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="mlhub-picture" data-mlhub-picture="{pid}" data-search-exclude>{svg}{cap}</figure>\n'


def group(body: str, **data: object) -> str:
    """Elements grouped with data-* attributes naming what they show, so that tests can check a
    picture against the data it was drawn from."""
    attrs = "".join(f' data-{k.replace("_", "-")}="{esc(v)}"' for k, v in data.items())
    return f"<g{attrs}>{body}</g>"


def rect(x: float, y: float, w: float, h: float, cls: str, rx: float = 6) -> str:
    return f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="{rx:g}" class="{cls}"/>'


def text(x: float, y: float, content: str, cls: str = "", anchor: str = "middle", size: int = FONT) -> str:
    return (f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}" font-size="{size}" class="{cls}">'
            f"{esc(content)}</text>")


def lines(x: float, y: float, rows: Sequence[str], cls: str = "", anchor: str = "middle",
          size: int = FONT, leading: float = 1.3) -> str:
    """Several lines of text starting at baseline y."""
    spans = "".join(f'<tspan x="{x:g}" dy="{0 if i == 0 else size * leading:g}">{esc(r)}</tspan>'
                    for i, r in enumerate(rows))
    return f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}" font-size="{size}" class="{cls}">{spans}</text>'


def wrap(content: str, chars: int, max_lines: int = 3) -> list[str]:
    rows = textwrap.wrap(content, chars) or [""]
    if len(rows) > max_lines:
        rows = rows[:max_lines]
        rows[-1] = rows[-1][: max(1, chars - 1)].rstrip() + "…"
    return rows


def link(href: str, label: str, body: str) -> str:
    # xlink:href, not href: the theme's instant navigation rewrites every relative [href] by
    # assigning el.href, which an SVG link does not allow (and then stops)
    return f'<a xlink:href="{esc(href)}" aria-label="{esc(label)}">{body}</a>'


def path(d: str, pid: str, cls: str = "mlhub-edge") -> str:
    """An edge ending in the arrowhead of picture `pid` (see arrow_marker)."""
    return f'<path d="{d}" class="{cls}" fill="none" marker-end="url(#{pid}-arrow)"/>'


def arrow_marker(pid: str) -> str:
    """The arrowhead of one picture; ids are per picture so that a page may show several."""
    return (f'<defs><marker id="{pid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="mlhub-arrowhead"/>'
            "</marker></defs>")
