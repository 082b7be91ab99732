"""Slack's text rules in one place: escaping (`&`, `<`, `>`), turning Slack markup back into plain
text (so a copied `<!here>` pings nobody), and Block Kit elements that never exceed Slack's
limits. Lengths are counted in UTF-16 code units, as strictly as Slack can count them."""

from __future__ import annotations

import re

SECTION, CONTEXT, HEADER, BUTTON, OPTION_TEXT, OPTION_VALUE, TITLE = 3000, 3000, 150, 75, 75, 150, 24
MESSAGE_BLOCKS = 50
ELLIPSIS = "…"
MARKUP = re.compile(r"<([^<>]*)>")
SPECIAL = {"here", "channel", "everyone"}


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """text, or its longest start that fits in limit with an ellipsis; never cuts a character,
    an entity (`&amp;`) or a link (`<url|label>`) in half."""
    if units(text) <= limit:
        return text
    budget, out = limit - units(ELLIPSIS), []
    for ch in text:
        budget -= units(ch)
        if budget < 0:
            break
        out.append(ch)
    cut = "".join(out)
    amp, semi = cut.rfind("&"), cut.rfind(";")
    if amp > semi:
        cut = cut[:amp]
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[:cut.rfind("<")]
    return cut + ELLIPSIS


def safe(text: str, limit: int | None = None) -> str:
    """User text for mrkdwn: escaped, then clipped."""
    out = escape(text)
    return clip(out, limit) if limit else out


def plain(text: str) -> str:
    """Slack message markup as plain words: `<!here>` -> `@here`, `<@U1|ann>` -> `@ann`,
    `<#C1|general>` -> `#general`, `<https://x|label>` -> `label (https://x)`; entities decoded."""

    def one(m: re.Match) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("!"):
            name = target[1:].split("^", 1)[0]
            return label or (f"@{name}" if name in SPECIAL else f"@{name}")
        if target.startswith("@"):
            return f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        return f"{label} ({target})" if label and label != target else target

    out = MARKUP.sub(one, text)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def link(url: str, label: str) -> str:
    return f"<{url}|{escape(label).replace('|', '¦')}>"


# --- Block Kit elements within Slack's limits ---------------------------------------------------------


def section(text: str, **extra) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text or " ", SECTION)}, **extra}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text or " ", CONTEXT)}]}


def header(text: str) -> dict:
    return {"type": "header", "text": plain_text(text, HEADER)}


def plain_text(text: str, limit: int) -> dict:
    return {"type": "plain_text", "text": clip(text or " ", limit)}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict:
    out = {"type": "button", "action_id": action_id, "value": clip(value, 2000), "text": plain_text(label, BUTTON)}
    return out | ({"style": style} if style else {})


def option(value: str, label: str) -> dict:
    return {"text": plain_text(label, OPTION_TEXT), "value": clip(value, OPTION_VALUE)}


def message(blocks: list[dict]) -> list[dict]:
    """At most Slack's 50 blocks per message; the last says how many were left out."""
    if len(blocks) <= MESSAGE_BLOCKS:
        return blocks
    return blocks[:MESSAGE_BLOCKS - 1] + [context(f"{len(blocks) - MESSAGE_BLOCKS + 1} more not shown")]
