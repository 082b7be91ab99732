"""Fixtures for bot tests: the real Bolt app with its store, the faithful Slack double and the
GitHub double, and a clock the tests move. Interactions are built by the Slack double from what it
holds (tests/fakes/slack_requests.py) and delivered through Bolt's dispatch with real signatures."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from bot.config import BotConfig
from bot.deps import Deps
from bot.run import build
from mlhub.config import Config, GitHubConfig, Secret
from mlhub.publish.github import GitHubPublisher
from mlhub.publish.retry import RetryPolicy

from .conftest import REPO
from .fakes import slack_requests as rq
from .fakes.github import FakeGitHub
from .fakes.slack import FakeSlack

SECRET = "signing-secret-for-tests"
TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-test"
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # a Monday


class Clock:
    def __init__(self, now: dt.datetime = START):
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
    allowed: set[tuple[str, str]] = field(default_factory=set)

    def allow(self, method: str, error: str) -> None:
        """A Slack refusal this test provokes on purpose (and the bot handles)."""
        self.allowed.add((method, error))

    def check_every_answer(self) -> None:
        """Every call the bot made, Slack answered ok, unless the test provoked the refusal."""
        self.slack.quiet(0.3)
        unexpected = [r for r in self.slack.refusals() if r not in self.allowed]
        assert unexpected == [], f"Slack refused calls the bot made: {unexpected}"

    def send(self, delivery: rq.Delivery, **kw) -> rq.Answer:
        """Deliver an interaction as Slack does, signed, through Bolt's dispatch; the ack is one
        Slack accepts."""
        answer = rq.Dispatch(self.app, SECRET).send(delivery, **kw)
        assert answer.problems == [], answer.problems
        return answer

    def command(self, user: str, name: str, text: str, channel: str | None = "sig-pipelines") -> rq.Answer:
        return self.send(rq.command(self.slack, user, name, text, channel))

    def stop(self) -> None:
        self.slack.stop()
        self.github.stop()


def bot_config(tmp_path, slack: FakeSlack, github: FakeGitHub, store_url: str | None = None,
               app_token: str = "") -> BotConfig:
    hub_cfg = Config(root=REPO, site_addr="127.0.0.1:8000", state_dir=tmp_path / "state",
                     github=GitHubConfig(github.url, Secret("test-token"), github.owner, github.name))
    return BotConfig(hub_cfg, Secret(TOKEN), Secret(SECRET), Secret(app_token), slack.url,
                     store_url or f"sqlite:///{tmp_path / 'bot.sqlite'}", 0)


def publisher(cfg: BotConfig) -> GitHubPublisher:
    assert cfg.hub.github is not None
    return GitHubPublisher(cfg.hub.github, RetryPolicy(attempts=3, base_delay=0.01))


def doubles() -> tuple[FakeSlack, FakeGitHub]:
    files = {p.relative_to(REPO).as_posix(): p.read_text()
             for p in [*(REPO / "rfcs").glob("*.md"), *(REPO / "requests").glob("*.yaml")]}
    return FakeSlack(token=TOKEN, app_token=APP_TOKEN).start(), FakeGitHub(files=files).start()


def make_bot(tmp_path, store_url: str | None = None) -> Bot:
    slack, github = doubles()
    cfg = bot_config(tmp_path, slack, github, store_url)
    clock = Clock()
    app, deps = build(cfg, clock=clock, publisher=publisher(cfg))
    return Bot(app, deps, slack, github, clock)


@pytest.fixture
def bot(tmp_path):
    b = make_bot(tmp_path)
    yield b
    try:
        b.check_every_answer()
    finally:
        b.stop()


def wait_until(predicate, timeout: float = 10.0, shows: Callable[[], object] | None = None):
    """Wait for `predicate`; on timeout, the assertion says what `shows` returns (what there was instead)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time" + (f"; instead: {shows()!r}" if shows else ""))


def answer(resp) -> str:
    """The text of a command's HTTP answer (asserting it was a 200)."""
    assert resp.status == 200, resp.body
    return json.loads(resp.body)["text"]


def responded(bot) -> list[str]:
    """What the bot said through response_url, in order."""
    return [r.args["text"] for r in bot.slack.responses if r.ok]


def dms_to(bot, user) -> list[str]:
    """The direct messages the bot posted to one person."""
    return [m["text"] for m in bot.slack.delivered("chat.postMessage") if m["channel"] == user]
