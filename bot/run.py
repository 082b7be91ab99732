"""Running the bot: the production server (bot.server) on 127.0.0.1:MLHUB_BOT_PORT, with Socket
Mode connections from each worker when SLACK_APP_TOKEN is set; the store migrated once, first."""

from __future__ import annotations

import atexit
import gc
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from slack_bolt import App

from bot.app import create_app, prime
from bot.ceremonies import feedback, registry, routes
from bot.config import BotConfig
from bot.deps import Clock, Deps, HubCache, utcnow
from bot.scheduler import TICK_SECONDS, Ticker
from bot.server import Factory, Server, options
from bot.store import Store
from mlhub.publish import Publisher
from mlhub.publish.github import GitHubPublisher
from mlhub.publish.local import LocalGitPublisher
from mlhub.publish.outbox import Outbox, import_file


def build(cfg: BotConfig, clock: Clock | None = None, publisher: Publisher | None = None,
          migrate: bool = True) -> tuple[App, Deps]:
    hub_cfg = cfg.hub
    if publisher is None:
        publisher = GitHubPublisher(hub_cfg.github) if hub_cfg.github else LocalGitPublisher(hub_cfg.root)
    clock = clock or utcnow
    store = Store(cfg.db_url, clock=clock, migrate=migrate)
    deps = Deps(cfg, store, outbox_of(store, hub_cfg.state_dir), publisher, HubCache(hub_cfg.root), clock)
    return create_app(deps), deps


def outbox_of(store: Store, state_dir: Path) -> Outbox:
    """The outbox in the store's database; entries of the outbox file older versions kept in the
    state folder move in once."""
    box = Outbox(store)  # joins the store's open transaction, as its own queries do
    import_file(box, state_dir / "outbox.sqlite")
    return box


def worker_start(cfg: BotConfig, ticker: bool = True, tick: float = TICK_SECONDS) -> Callable[[App, Deps], None]:
    """What each server process starts beside answering HTTP: the ticker (every `tick` seconds)
    and Socket Mode."""
    def start(app: App, deps: Deps) -> None:
        prime(app)
        if deps is not None:
            deps.hub()  # read the content now, not in the first request
        # What a worker holds from the start (content, modules) never becomes garbage: keep it out
        # of the collector's full passes, which otherwise stall every request for ~0.1 s.
        gc.collect()
        gc.freeze()
        if deps is None:
            return
        if ticker:
            Ticker(deps, app.client, every=tick).start()
        if cfg.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            SocketModeHandler(app, cfg.app_token.reveal()).connect()
    return start


def run(cfg: BotConfig, echo: Callable[[str], None] = print, factory: Factory | None = None,
        bind: str | None = None, ticker: bool = True, tick: float = TICK_SECONDS) -> None:
    """Serve until SIGTERM or Ctrl-C (gunicorn's master handles both, stopping workers gracefully)."""
    store = Store(cfg.db_url)  # migrate once, before any worker starts
    outbox_of(store, cfg.hub.state_dir)  # and bring in an outbox file of its own from before
    store.engine.dispose()

    def production() -> tuple[App, Deps, dict]:
        app, deps = build(cfg, migrate=False)
        return app, deps, routes(app, deps)

    bind = bind or f"127.0.0.1:{cfg.port}"
    url = f"http://{bind}"
    mode = "Socket Mode (SLACK_APP_TOKEN set)" if cfg.socket_mode else f"HTTP mode on {url}/slack/events"
    echo(f"mlhub bot: {mode}, MLflow webhooks on {url}{registry.PATH}, "
         f"reader feedback on {url}{feedback.PATH}, health on {url}/health; "
         f"{cfg.workers} workers x {cfg.threads} threads; Ctrl-C stops")
    Server(factory or production, options(bind, cfg.workers, cfg.threads), cfg.signing_secret.reveal(),
           worker_start(cfg, ticker, tick)).run()


def spawn(echo: Callable[[str], None] = print) -> subprocess.Popen:
    """`mlhub bot` as a child process (for `mlhub up`), stopped when this process exits."""
    child = subprocess.Popen([sys.executable, "-m", "mlhub", "bot"])

    def stop() -> None:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()

    atexit.register(stop)
    return child
