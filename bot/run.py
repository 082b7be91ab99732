"""Running the bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on 127.0.0.1; plus the
ticker that ends final comment periods on time."""

from __future__ import annotations

import logging
import threading

from bot.app import create_app
from bot.ceremonies import rfc
from bot.config import BotConfig
from bot.deps import Deps, HubCache
from bot.store import Store
from mlhub.publish.github import GitHubPublisher
from mlhub.publish.local import LocalGitPublisher
from mlhub.publish.outbox import Outbox

log = logging.getLogger("mlhub.bot")
TICK_SECONDS = 60


def build(cfg: BotConfig) -> tuple[object, Deps]:
    hub_cfg = cfg.hub
    publisher = GitHubPublisher(hub_cfg.github) if hub_cfg.github else LocalGitPublisher(hub_cfg.root)
    deps = Deps(cfg, Store(cfg.db_url), Outbox(hub_cfg.state_dir / "outbox.sqlite"), publisher,
                HubCache(hub_cfg.root))
    return create_app(deps), deps


def start_ticker(app, deps: Deps, stop: threading.Event) -> threading.Thread:
    """Every minute: ceremony jobs (reminders, agenda drafts, minutes prompts) and FCP deadlines."""
    from bot.scheduler import Scheduler

    scheduler = Scheduler(deps, app.client)

    def loop():
        while not stop.wait(TICK_SECONDS):
            try:
                scheduler.tick(deps.clock())
                for number in rfc.tick(deps, app.client):
                    log.info("RFC %04d decided", number)
            except Exception:  # keep ticking; the next tick retries what failed
                log.exception("tick failed")

    thread = threading.Thread(target=loop, name="mlhub-ticker", daemon=True)
    thread.start()
    return thread


def run(cfg: BotConfig, echo=print) -> None:
    app, deps = build(cfg)
    stop = threading.Event()
    start_ticker(app, deps, stop)
    from bot.ceremonies import registry
    from bot.http import make_server, serve_in_thread

    # the HTTP server also receives MLflow's registry webhooks, in Socket Mode too
    server = make_server(app, "127.0.0.1", cfg.port, registry.routes(app, deps))
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        if cfg.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            serve_in_thread(server)
            echo(f"mlhub bot: Socket Mode (SLACK_APP_TOKEN set); MLflow webhooks on {url}{registry.PATH}; "
                 "Ctrl-C stops")
            SocketModeHandler(app, cfg.app_token.reveal()).start()
        else:
            echo(f"mlhub bot: HTTP mode on {url}/slack/events, MLflow webhooks on {url}{registry.PATH}; "
                 "Ctrl-C stops")
            server.serve_forever()
    except KeyboardInterrupt:
        echo("mlhub bot: stopped")
    finally:
        stop.set()
