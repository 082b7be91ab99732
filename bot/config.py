"""The bot's configuration, read once from the environment; tokens are wrapped secrets."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from mlhub.config import Config, ConfigError, Secret

# key -> meaning; docs/reference/config.md has a heading for each (tested).
KEYS: dict[str, str] = {
    "SLACK_BOT_TOKEN": "The bot user's token (xoxb-...).",
    "SLACK_SIGNING_SECRET": "Verifies that HTTP requests come from Slack.",
    "SLACK_APP_TOKEN": "App-level token (xapp-...) for Socket Mode.",
    "SLACK_API_URL": "Slack Web API base URL (tests point it at a local double).",
    "MLHUB_BOT_DB": "Database URL of the bot's store.",
    "MLHUB_BOT_PORT": "Port of the bot's HTTP mode on 127.0.0.1.",
    "MLHUB_BOT_WORKERS": "How many server processes answer Slack (default 2).",
    "MLHUB_BOT_THREADS": "Threads per server process (default 8).",
    "MLHUB_WEBHOOK_SECRET": "Shared secret of the MLflow registry webhook.",
    "MLHUB_REGISTRY_FALLBACK_CHANNEL": "Channel for registry events of models no SIG owns.",
    "MLHUB_BOT_HEALTH_EVERY": "Seconds between the bot's health checks of the clusters (default 300; 0: never).",
    "MLHUB_BOT_HEALTH_TIMEOUT": "Seconds each health URL has to answer in the bot's check (default 5).",
}


@dataclass(frozen=True)
class BotConfig:
    hub: Config
    bot_token: Secret
    signing_secret: Secret
    app_token: Secret
    api_url: str
    db_url: str
    port: int
    webhook_secret: Secret = Secret("")
    fallback_channel: str = "ml-platform"
    workers: int = 2
    threads: int = 8
    health_every: float = 0.0  # seconds between checks; 0: none (from_env's default is 300)
    health_timeout: float = 5.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BotConfig:
        env = dict(os.environ if env is None else env)
        hub = Config.from_env(env)
        missing = [k for k in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET") if not env.get(k)]
        if missing:
            raise ConfigError(f"the bot needs {' and '.join(missing)}; create the app from bot/manifest.yml "
                              "and copy them from its settings (docs/bot.md)")
        port = _port(env.get("MLHUB_BOT_PORT") or "3000")
        sizes = {}
        for key, default, top in (("MLHUB_BOT_WORKERS", "2", 64), ("MLHUB_BOT_THREADS", "8", 256)):
            value = env.get(key) or default
            if not value.isdigit() or not 1 <= int(value) <= top:
                raise ConfigError(f"{key} must be a whole number from 1 to {top}, got {value!r}")
            sizes[key] = int(value)
        every = _seconds(env, "MLHUB_BOT_HEALTH_EVERY", "300", 0, 7 * 86400)
        timeout = _seconds(env, "MLHUB_BOT_HEALTH_TIMEOUT", "5", 0.1, 120)
        db = store_url(hub, env)
        return cls(hub, Secret(env["SLACK_BOT_TOKEN"]), Secret(env["SLACK_SIGNING_SECRET"]),
                   Secret(env.get("SLACK_APP_TOKEN", "")), env.get("SLACK_API_URL") or "https://slack.com/api/",
                   db, port, Secret(env.get("MLHUB_WEBHOOK_SECRET", "")),
                   env.get("MLHUB_REGISTRY_FALLBACK_CHANNEL") or "ml-platform",
                   sizes["MLHUB_BOT_WORKERS"], sizes["MLHUB_BOT_THREADS"], every, timeout)

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)


def _port(value: str) -> int:
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 65535):
        raise ConfigError(f"MLHUB_BOT_PORT must be a port number from 1 to 65535, got {value!r}")
    return int(value)


def _seconds(env: Mapping[str, str], key: str, default: str, low: float, high: float) -> float:
    value = (env.get(key) or default).strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not low <= seconds <= high:  # also refuses nan and inf
        raise ConfigError(f"{key} must be a number of seconds from {low:g} to {high:g}, got {value!r}")
    return seconds


DB_DIALECTS = ("sqlite", "postgresql")


def store_url(hub: Config, env: Mapping[str, str] | None = None) -> str:
    """The bot store's database (MLHUB_BOT_DB, else a file in the state folder): `mlhub outbox`
    reads the same one, without the Slack settings."""
    env = os.environ if env is None else env
    return _db_url(env.get("MLHUB_BOT_DB") or f"sqlite:///{hub.state_dir / 'bot.sqlite'}")


def _db_url(value: str) -> str:
    """A database URL SQLAlchemy can parse, for a dialect the store supports; the message never
    repeats the URL, which may hold a password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    example = "sqlite:///path/bot.sqlite or postgresql+psycopg://user@host/db"
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):
        raise ConfigError(f"MLHUB_BOT_DB is not a database URL: give one like {example}") from None
    if url.get_backend_name() not in DB_DIALECTS:
        raise ConfigError(f"MLHUB_BOT_DB uses {url.get_backend_name()!r}; the bot's store runs on "
                          f"{' or '.join(DB_DIALECTS)}: give a URL like {example}")
    return value
