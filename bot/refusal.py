"""The one error type for what the bot says back to a person: why it will not do something, and
how to do it instead. Nothing was stored when a Refusal is raised."""

from __future__ import annotations


class Refusal(Exception):
    """Said back to the person who asked, privately; the message names what was wrong."""
