"""Fixtures for bot tests: the real Bolt app with its store, the Slack and GitHub doubles, a clock."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import pytest

from bot.app import create_app
from bot.config import BotConfig
from bot.deps import Deps, HubCache
from bot.store import Store
from mlhub.config import Config, GitHubConfig, Secret
from mlhub.publish.github import GitHubPublisher
from mlhub.publish.outbox import Outbox
from mlhub.publish.retry import RetryPolicy

from .conftest import REPO
from .fakes.github import FakeGitHub
from .fakes.slack import FakeSlack

SECRET = "signing-secret-for-tests"
TOKEN = "xoxb-test-token"


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += dt.timedelta(**kw)


@dataclass
class Bot:
    app: object
    deps: Deps
    slack: FakeSlack
    github: FakeGitHub
    clock: Clock

    def send(self, request):
        return self.app.dispatch(request)


def make_bot(tmp_path, store_url: str | None = None) -> Bot:
    slack = FakeSlack(token=TOKEN, users={"U04AMDURAND": {"tz": "Europe/Paris", "real_name": "Amélie"}}).start()
    files = {p.relative_to(REPO).as_posix(): p.read_text() for p in (REPO / "rfcs").glob("*.md")}
    github = FakeGitHub(files=files).start()
    hub_cfg = Config(root=REPO, site_addr="127.0.0.1:8000", state_dir=tmp_path / "state",
                     github=GitHubConfig(github.url, Secret("test-token"), github.owner, github.name))
    cfg = BotConfig(hub_cfg, Secret(TOKEN), Secret(SECRET), Secret(""), slack.url,
                    store_url or f"sqlite:///{tmp_path / 'bot.sqlite'}", 0)
    clock = Clock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))  # a Monday
    deps = Deps(cfg, Store(cfg.db_url), Outbox(tmp_path / "outbox.sqlite"),
                GitHubPublisher(hub_cfg.github, RetryPolicy(attempts=3, base_delay=0.01)), HubCache(REPO), clock)
    return Bot(create_app(deps), deps, slack, github, clock)


@pytest.fixture
def bot(tmp_path):
    b = make_bot(tmp_path)
    yield b
    b.slack.stop()
    b.github.stop()


def wait_until(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")
