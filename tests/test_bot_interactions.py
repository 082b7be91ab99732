"""Every command, shortcut, button, modal and event the manifest declares, driven through the real
Bolt app on the faithful Slack double, in HTTP mode through the production server (gunicorn, two
workers) and in Socket Mode through the real SocketModeHandler: each answers without a Slack error,
from channels the bot has not joined, from DMs, with reused and expired triggers and with 3,000
characters of text and emoji (tests/bot_interactions.py tells the story and judges each step)."""

from __future__ import annotations

import pytest

from bot.ceremonies import commands, surfaces
from bot.manifest import base

from . import bot_interactions as story
from .bot_fixtures import SECRET, doubles
from .bot_server import ServerProcess
from .fakes import slack_requests as rq
from .fakes.slack import SHAPES
from .fakes.slack_socket import FakeSocketMode


@pytest.fixture(scope="module")
def http_run(tmp_path_factory):
    slack, github = doubles()
    server = ServerProcess(slack, github, tmp_path_factory.mktemp("http") / "state").wait()
    try:
        yield slack, story.run_all(slack, rq.Http(server.url, SECRET))
    finally:
        log = server.stop()
        slack.stop()
        github.stop()
    assert "Traceback" not in log, log[-3000:]


@pytest.fixture(scope="module")
def socket_run(tmp_path_factory):
    slack, github = doubles()
    socket_mode = FakeSocketMode(slack).start()
    server = ServerProcess(slack, github, tmp_path_factory.mktemp("socket") / "state", "--socket").wait()
    try:
        socket_mode.wait_connected(2)  # one connection per worker
        results = story.run_all(slack, rq.Socket(socket_mode))
        yield slack, socket_mode, results
    finally:
        log = server.stop()
        socket_mode.stop()
        slack.stop()
        github.stop()
    assert "Traceback" not in log, log[-3000:]


def test_the_story_covers_every_surface_the_manifest_declares():
    manifest = base()
    assert {c["command"] for c in manifest["features"]["slash_commands"]} == set(commands())
    assert {s["callback_id"] for s in manifest["features"]["shortcuts"]} == set(surfaces("SHORTCUTS"))
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set(surfaces("EVENTS"))
    first_words = {s.name.split()[0] for s in story.steps()}
    assert {c.lstrip("/") for c in commands()} <= first_words
    names = " ".join(s.name for s in story.steps())
    for surface in ("approve button", "poll vote", "rfc new submitted", "mlsync add form submitted",
                    "demo propose submitted", "shortcut", "home"):
        assert surface in names
    assert set(surfaces("ACTIONS")) == {"rfc_approve", "sig_vote", "request_support"}
    assert set(surfaces("VIEWS")) == {"rfc_new", "mlsync_add", "demo_propose", "request_new"}
    for surface in ("request new submitted", "request support button", "request shortcut"):
        assert surface in names


def test_every_interaction_through_the_production_server(http_run):
    slack, results = http_run
    assert len(results) == len(story.steps()) == 99
    assert [r for r in results if r.problems] == [], story.report(results)
    assert max(r.ack_s for r in results) < 3.0


def test_every_interaction_in_socket_mode(socket_run):
    slack, socket_mode, results = socket_run
    assert len(results) == len(story.steps()) == 99
    assert [r for r in results if r.problems] == [], story.report(results)
    acked = [e for e in socket_mode.envelopes if e["ack"] is not None]
    assert len(acked) == len(socket_mode.envelopes) == 99


def test_socket_mode_reconnects_when_slack_asks(socket_run):
    slack, socket_mode, _ = socket_run
    before = socket_mode.hellos
    assert socket_mode.disconnect("refresh_requested") == 2
    socket_mode.wait_connected(2)
    assert socket_mode.hellos == before + 2  # each worker fetched a new URL and reconnected
    assert socket_mode.refused == []  # and never reused a ticket
    answer = rq.Socket(socket_mode).send(rq.command(slack, story.HANNAH, "/rfc", "list"))
    assert "0001" in answer.text


def test_the_manifest_asks_for_exactly_the_scopes_the_bot_uses(http_run):
    slack, _ = http_run
    used = {c.method for c in slack.calls if c.ok}
    needed = {"commands"}
    for method in used:
        if method == "conversations.list":
            needed |= {"channels:read", "groups:read"}  # public channels, and invited private ones
        elif SHAPES[method]["bot_scopes"]:
            needed.add(SHAPES[method]["bot_scopes"][0])
    # posting in channels the bot was never invited to
    joined = {cid for cid, ch in slack.ws.channels.items() if "U0MLHUBBOT" in ch.members}
    if any(c.args.get("channel") not in joined for c in slack.calls if c.method == "chat.postMessage" and c.ok
           and not str(c.args.get("channel", "")).startswith("U")):
        needed.add("chat:write.public")
    # a claim taken over reads history, joining a public channel first (tests/test_claim_takeover.py)
    needed |= {"channels:history", "groups:history", "channels:join"}
    # ... and an announcement taken over reads the DM's history (tests/test_announcement_takeover.py)
    needed |= {"im:write", "im:history"}
    assert set(base()["oauth_config"]["scopes"]["bot"]) == needed
