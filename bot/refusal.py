"""The one error type for what the bot says back to a person: why it will not do something, and
how to do it instead. Nothing was stored when a Refusal is raised."""

from __future__ import annotations

from bot.mrkdwn import safe


class Refusal(Exception):
    """Said back to the person who asked, privately; the message names what was wrong."""


def unknown(command: str, word: str) -> Refusal:
    """The first word is no subcommand: named (escaped, clipped), with where to look."""
    return Refusal(f"I don't know `{command} {_shown(word)}`. Try `{command} help`.")


def extra(command: str, sub: str, word: str, usage: str) -> Refusal:
    """A subcommand that takes nothing got a word after it."""
    return Refusal(f"`{command} {sub}` takes nothing after it; remove `{_shown(word)}`. {usage}")


def _shown(word: str) -> str:
    """People's text: escaped (no pings), clipped outside entities and characters."""
    return safe(word, 40) if word else '""'
