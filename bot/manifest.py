"""The Slack app manifest for each way of running the bot: HTTP mode (request URLs on the
production server's /slack/events) or Socket Mode (no public URL). One base file, bot/manifest.yml;
only the settings and the slash commands' URLs differ."""

from __future__ import annotations

import copy
from pathlib import Path
from urllib.parse import urlparse

import yaml

BASE = Path(__file__).with_name("manifest.yml")
EVENTS_PATH = "/slack/events"


class ManifestError(ValueError):
    pass


def base() -> dict:
    return yaml.safe_load(BASE.read_text(encoding="utf-8"))


def manifest(url: str | None = None, socket_mode: bool = False) -> dict:
    """HTTP mode needs the public https URL the production server is reached at."""
    if socket_mode and url:
        raise ManifestError("give either --url (HTTP mode) or --socket-mode, not both")
    if not socket_mode and not url:
        raise ManifestError("give --url https://HOST (HTTP mode: where Slack reaches the bot) or --socket-mode")
    out = copy.deepcopy(base())
    settings = out["settings"]
    settings["socket_mode_enabled"] = socket_mode
    if url:
        parsed = urlparse(url)
        if parsed.scheme != "https" or not parsed.netloc:
            raise ManifestError(f"Slack delivers only to https URLs, got {url!r}")
        events = url.rstrip("/") + EVENTS_PATH if not url.rstrip("/").endswith(EVENTS_PATH) else url.rstrip("/")
        for command in out["features"]["slash_commands"]:
            command["url"] = events
        settings["event_subscriptions"]["request_url"] = events
        settings["interactivity"]["request_url"] = events
    return out


def dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
