"""The bot's foundations: signatures, redeliveries, the manifest, App Home, retries, real HTTP."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import yaml

from bot.ceremonies import MODULES
from bot.http import make_server, serve_in_thread

from .bot_fixtures import SECRET, wait_until
from .fakes import slack_requests as req

MANIFEST = Path(__file__).resolve().parent.parent / "bot/manifest.yml"
HANNAH, SOFIA, AMELIE = "U04HOKAFOR1", "U04SMARTINS", "U04AMDURAND"


def home_event(user=AMELIE):
    return {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1.1"}


@pytest.mark.parametrize("kind", ["bad", "missing", "stale"])
def test_bad_missing_or_stale_signatures_get_401_and_change_nothing(bot, kind):
    kw = {"bad": {"bad": True}, "missing": {}, "stale": {"age": 6 * 60}}[kind]
    secret = None if kind == "missing" else SECRET
    resp = bot.send(req.event(secret, home_event(), "Ev-sig", **kw))
    assert resp.status == 401
    resp = bot.send(req.command(secret, HANNAH, "list", **kw))
    assert resp.status == 401
    assert bot.slack.calls == []
    # the event was not recorded either: the genuine delivery still counts
    assert bot.deps.store.first_delivery("Ev-sig")


def test_the_same_event_three_times_has_one_effect(bot):
    for _ in range(3):
        assert bot.send(req.event(SECRET, home_event(), "Ev-redelivered")).status == 200
    wait_until(lambda: len(bot.slack.sent("views.publish")) >= 1)
    import time

    time.sleep(0.5)
    assert len(bot.slack.sent("views.publish")) == 1


def test_app_home_shows_sigs_meetings_in_your_zone_and_waiting_rfcs(bot):
    bot.send(req.event(SECRET, home_event(), "Ev-home"))
    view = bot.slack.wait_for("views.publish")[0]
    text = json.dumps(view["view"] if isinstance(view["view"], dict) else json.loads(view["view"]))
    assert "Experiment Tracking & Model Registry" in text  # Amélie chairs it
    assert "(Europe/Paris)" in text and "ML Sync" in text
    assert "Nothing is waiting for you" in text


def test_the_web_client_retries_rate_limits_and_server_errors(bot):
    bot.slack.fail("views.publish", "429")
    bot.slack.fail("views.publish", "503")
    bot.send(req.event(SECRET, home_event(), "Ev-retry"))
    wait_until(lambda: len(bot.slack.sent("views.publish")) == 3, timeout=15)


def surfaces(name: str) -> set[str]:
    return {x for m in MODULES for x in getattr(m, name)}


def test_manifest_matches_the_registered_surfaces(bot):
    manifest = yaml.safe_load(MANIFEST.read_text())
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert commands == surfaces("COMMANDS")
    assert events == surfaces("EVENTS")
    assert {s["callback_id"] for s in manifest["features"]["shortcuts"]} == surfaces("SHORTCUTS")
    # and each is really handled: a signed request gets an answer, not Bolt's 404 for "unhandled"
    for command in commands:
        assert bot.send(req.command(SECRET, HANNAH, "help", command=command)).status == 200
    for i, name in enumerate(events):
        assert bot.send(req.event(SECRET, {"type": name, "user": HANNAH, "tab": "home"}, f"Ev-m{i}")).status == 200
    assert bot.send(req.command(SECRET, HANNAH, "help", command="/nope")).status == 404
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {"commands", "chat:write", "chat:write.public", "users:read"}


def test_a_command_over_a_real_http_socket(bot):
    server = make_server(bot.app, "127.0.0.1", 0)
    serve_in_thread(server)
    try:
        request = req.command(SECRET, HANNAH, "list accepted")
        body = request.raw_body.encode()
        headers = {k: v[0] for k, v in request.headers.items()}
        http = urllib.request.Request(f"http://127.0.0.1:{server.server_address[1]}/slack/events", data=body,
                                      headers=headers, method="POST")
        with urllib.request.urlopen(http, timeout=10) as resp:
            answer = json.loads(resp.read())
        assert resp.status == 200 and "`0001` accepted" in answer["text"]
        stale = req.command(SECRET, HANNAH, "list", age=600)
        http = urllib.request.Request(f"http://127.0.0.1:{server.server_address[1]}/slack/events",
                                      data=stale.raw_body.encode(),
                                      headers={k: v[0] for k, v in stale.headers.items()}, method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(http, timeout=10)
        err.value.close()
        assert err.value.code == 401
    finally:
        server.shutdown()
        server.server_close()
