"""The production server for tests and benchmarks: `bot.run.run` (gunicorn with several gthread
workers, Bolt's WSGI adapter, Socket Mode when an app token is given) in its own process, listening
on a socket the caller bound (no port race), talking to the caller's Slack and GitHub doubles, with
the tests' clock. `ServerProcess` starts it and waits until /health answers.

    python -m tests.bot_server --fd N --slack URL --github URL --repo O/N --state DIR [--socket] [--bare]
        [--db URL] [--root DIR] [--tick S --health-every S --health-timeout S] [--epoch T]
        [--webhook-secret S]"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from slack_bolt import App
from slack_sdk import WebClient

REPO = Path(__file__).resolve().parent.parent


def bare_app(token: str, secret: str, slack_url: str) -> App:
    """Bolt with one no-op command and the bot's settings: what a command costs Bolt alone."""
    app = App(client=WebClient(token=token, base_url=slack_url), signing_secret=secret,
              token_verification_enabled=False, process_before_response=True)

    @app.command("/noop")
    def noop(ack):
        ack()

    return app


def main() -> None:
    from bot.ceremonies import routes
    from bot.config import BotConfig
    from bot.run import build, run
    from mlhub.config import Config, GitHubConfig, Secret
    from mlhub.publish.github import GitHubPublisher
    from mlhub.publish.retry import RetryPolicy
    from tests.bot_fixtures import APP_TOKEN, SECRET, START, TOKEN

    p = argparse.ArgumentParser()
    p.add_argument("--fd", type=int, required=True)
    p.add_argument("--slack", required=True)
    p.add_argument("--github", required=True)
    p.add_argument("--repo", required=True, help="OWNER/NAME on the GitHub double")
    p.add_argument("--state", required=True)
    p.add_argument("--db", default=None)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--socket", action="store_true", help="Socket Mode connections from each worker")
    p.add_argument("--bare", action="store_true", help="a bare Bolt app instead of the bot")
    p.add_argument("--root", default=str(REPO), help="the content's checkout (default: this repository)")
    p.add_argument("--tick", type=float, default=0, help="run each worker's ticker every TICK seconds")
    p.add_argument("--health-every", type=float, default=0, help="seconds between health checks (0: none)")
    p.add_argument("--health-timeout", type=float, default=5.0)
    p.add_argument("--epoch", type=float, default=None,
                   help="the wall time (time.time()) at which the tests' clock reads START; default: now")
    p.add_argument("--webhook-secret", default="", help="MLflow's webhook secret (MLHUB_WEBHOOK_SECRET)")
    p.add_argument("--site", default=None, help="the site's address (MLHUB_SITE_URL): feedback's allowed origin")
    args = p.parse_args()
    state = Path(args.state)
    hub = Config(root=Path(args.root), site_addr="127.0.0.1:8000", state_dir=state, site_url=args.site,
                 github=GitHubConfig(args.github, Secret("test-token"), *args.repo.split("/", 1)))
    cfg = BotConfig(hub, Secret(TOKEN), Secret(SECRET), Secret(APP_TOKEN if args.socket else ""), args.slack,
                    args.db or f"sqlite:///{state / 'bot.sqlite'}", 0, workers=args.workers, threads=args.threads,
                    health_every=args.health_every, health_timeout=args.health_timeout,
                    webhook_secret=Secret(args.webhook_secret))
    started = args.epoch or time.time()  # several servers given one epoch share one clock

    def clock() -> dt.datetime:  # the tests' Monday morning, moving at the wall clock's pace
        return START + dt.timedelta(seconds=time.time() - started)

    def factory():
        if args.bare:
            return bare_app(TOKEN, SECRET, args.slack), None, {}
        app, deps = build(cfg, clock=clock, migrate=False,
                          publisher=GitHubPublisher(hub.github, RetryPolicy(attempts=3, base_delay=0.01)))
        return app, deps, routes(app, deps)

    run(cfg, echo=lambda s: None, factory=factory, bind=f"fd://{args.fd}", ticker=args.tick > 0,
        tick=args.tick or 60)


class ServerProcess:
    """Start the production server in a child process on a socket bound here."""

    def __init__(self, slack, github, state: Path, *extra: str, env: dict | None = None,
                 sock: socket.socket | None = None):
        """slack, github: the doubles (FakeSlack, FakeGitHub) the server talks to; sock: a listening
        socket to serve on (a restart after a kill keeps the address and the queued connections)."""
        self.sock = sock or socket.socket()
        if sock is None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(("127.0.0.1", 0))
            self.sock.listen(2048)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        fd = self.sock.fileno()
        state.mkdir(parents=True, exist_ok=True)
        self.log = open(state / "server.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.bot_server", "--fd", str(fd), "--slack", slack.url, "--github", github.url,
             "--repo", f"{github.owner}/{github.name}", "--state", str(state), *extra],
            cwd=REPO, pass_fds=[fd], stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"})

    def wait(self, timeout: float = 60.0) -> ServerProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {Path(self.log.name).read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not answer /health in time")

    def kill(self) -> None:
        """`kill -9` of the server: its master and every worker at once, nothing cleaned up. The
        listening socket stays open here for the next server."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.log.close()

    def stop(self) -> str:
        """Stop it as an operator does (SIGTERM); returns its log."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.sock.close()
        self.log.close()
        return Path(self.log.name).read_text()


if __name__ == "__main__":
    main()
