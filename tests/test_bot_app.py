"""The bot's foundations: signatures, redeliveries, App Home, retries, the manifests of both modes,
and the production server (routes, workers, auth.test at start, a graceful stop)."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.deps import HubCache
from bot.manifest import ManifestError, manifest
from mlhub.cli import main

from .bot_fixtures import SECRET, doubles, wait_until
from .bot_server import ServerProcess
from .fakes import slack_requests as rq
from .fakes.slack_workspace import OUTSIDER

HANNAH, SOFIA, AMELIE = "U04HOKAFOR1", "U04SMARTINS", "U04AMDURAND"
FORM = "application/x-www-form-urlencoded"


def published(bot, user) -> str:
    return json.dumps(bot.slack.home[user]["blocks"])


@pytest.mark.parametrize("kind", ["bad", "missing", "stale"])
def test_bad_missing_or_stale_signatures_get_401_and_change_nothing(bot, kind):
    kw = {"bad": {"bad": True}, "missing": {}, "stale": {"age": 6 * 60}}[kind]
    secret = None if kind == "missing" else SECRET
    event = rq.home_opened(bot.slack, AMELIE, event_id="Ev-sig")
    assert bot.app.dispatch(rq.bolt_request(event, secret, **kw)).status == 401
    command = rq.command(bot.slack, HANNAH, "/rfc", "list")
    assert bot.app.dispatch(rq.bolt_request(command, secret, **kw)).status == 401
    assert bot.slack.calls == []
    assert bot.deps.store.first_delivery("Ev-sig")  # the genuine delivery still counts


def test_the_same_event_three_times_has_one_effect(bot):
    for _ in range(3):
        assert bot.send(rq.home_opened(bot.slack, AMELIE, event_id="Ev-redelivered")).status == 200
    bot.slack.wait_for("views.publish")
    bot.slack.quiet(0.5)
    assert len(bot.slack.sent("views.publish")) == 1


def test_app_home_in_the_zone_slack_knows_after_the_ack(bot):
    answer = bot.send(rq.home_opened(bot.slack, HANNAH))
    assert (answer.status, answer.body) == (200, "")
    bot.slack.wait_for("views.publish", ok=True)
    assert [c.method for c in bot.slack.calls if c.ok] == ["auth.test", "users.info", "views.publish"]
    home = published(bot, HANNAH)
    # people.yaml says Europe/London; her Slack profile says she moved to Toronto
    assert "(America/Toronto)" in home and "Notebooks &amp; Pipelines" in home
    assert bot.deps.zones.cached(HANNAH).key == "America/Toronto"


def test_app_home_for_someone_not_in_people_yaml_and_not_on_the_messages_tab(bot):
    acked = bot.send(rq.home_opened(bot.slack, OUTSIDER))
    assert (acked.status, acked.body) == (200, ""), acked.body
    bot.slack.wait_for("views.publish", ok=True)
    assert "Add yourself to `community/people.yaml`" in published(bot, OUTSIDER)
    assert bot.send(rq.home_opened(bot.slack, AMELIE, tab="messages")).status == 200
    bot.slack.quiet(0.4)
    assert len(bot.slack.sent("views.publish")) == 1


def test_follow_ups_retry_rate_limits_and_server_errors(bot):
    bot.slack.fail("views.publish", "429")
    bot.slack.fail("views.publish", "503")
    acked = bot.send(rq.home_opened(bot.slack, AMELIE))
    assert (acked.status, acked.body) == (200, ""), acked.body
    wait_until(lambda: len(bot.slack.sent("views.publish")) == 3, timeout=15)
    assert [c.status for c in bot.slack.calls if c.method == "views.publish"] == [429, 503, 200]


def test_invalid_content_on_disk_keeps_the_last_valid_content(bot, repo, caplog):
    bot.deps.hub = HubCache(repo.root, every=0)
    first = bot.command(HANNAH, "/sig", "list")
    assert first.status == 200 and "sig-serving" in first.text
    people = repo.path("community/people.yaml")
    people.write_text(people.read_text() + "\n  - id: broken\n    name: [unclosed\n")
    os.utime(people, (time.time() + 5, time.time() + 5))
    repo.edit_yaml("community/sigs.yaml", lambda d: d["sigs"][0].update(slack_channel=7))
    for _ in range(3):
        answer = bot.command(HANNAH, "/sig", "list")
        assert (answer.status, answer.text) == (200, first.text)
    said = [r.getMessage() for r in caplog.records if "last valid content" in r.getMessage()]
    assert len(said) == 1 and "\n" not in said[0], said
    assert "community/people.yaml" in said[0] and "community/sigs.yaml:sigs[0].slack_channel" in said[0], said[0]


UNKNOWN = [
    ("/rfc", "<!channel> & x", "I don't know `/rfc &lt;!channel&gt;`. Try `/rfc help`."),
    ("/mlsync", "<!channel>", "I don't know `/mlsync &lt;!channel&gt;`. Try `/mlsync help`."),
    ("/sig", "<@U04AMDURAND>", "I don't know `/sig &lt;@U04AMDURAND&gt;`. Try `/sig help`."),
    ("/demo", "<!channel> & <b>x</b>", "I don't know `/demo &lt;!channel&gt;`. Try `/demo help`."),
    ("/demo", "a" * 38 + "<!here>", f"I don't know `/demo {'a' * 38}…`. Try `/demo help`."),
    ("/rfc", "🎉" * 30, f"I don't know `/rfc {'🎉' * 19}…`. Try `/rfc help`."),
    ("/sig", "list x", "`/sig list` takes nothing after it; remove `x`. usage: /sig list"),
    ("/sig", 'help "', '`/sig help` takes nothing after it; remove `""`. usage: /sig help'),
    ("/demo", "list <!here>", "`/demo list` takes nothing after it; remove `&lt;!here&gt;`. usage: /demo list"),
]


@pytest.mark.parametrize("name, text, said", UNKNOWN)
def test_unknown_words_are_named_escaped_and_clipped_on_a_character(bot, name, text, said):
    answer = bot.command(HANNAH, name, text)
    assert (answer.status, answer.text) == (200, said)


def test_unknown_commands_are_not_handled(bot):
    assert bot.command(HANNAH, "/nope", "help").status == 404


def test_a_manifest_for_each_mode():
    http = manifest(url="https://mlhub-bot.corp.example")
    events = "https://mlhub-bot.corp.example/slack/events"
    assert http["settings"]["socket_mode_enabled"] is False
    assert {c["url"] for c in http["features"]["slash_commands"]} == {events}
    assert http["settings"]["event_subscriptions"]["request_url"] == events
    assert http["settings"]["interactivity"]["request_url"] == events
    socket = manifest(socket_mode=True)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "url" not in json.dumps(socket["features"]) and "request_url" not in json.dumps(socket["settings"])
    for bad in ({"url": "http://insecure.example"}, {}, {"url": "https://x.example", "socket_mode": True}):
        with pytest.raises(ManifestError):
            manifest(**bad)
    out = CliRunner().invoke(main, ["bot", "manifest", "--socket-mode"])
    assert out.exit_code == 0 and yaml.safe_load(out.output) == socket
    out = CliRunner().invoke(main, ["bot", "manifest", "--url", "http://x"])
    assert out.exit_code == 2 and "https" in out.output
    for args, said in (([], "give --url https://HOST (HTTP mode: where Slack reaches the bot) or --socket-mode"),
                       (["--url", "https://x.example", "--socket-mode"], "or --socket-mode, not both")):
        out = CliRunner().invoke(main, ["bot", "manifest", *args])
        assert out.exit_code == 2 and said in out.output, out.output


def test_mlhub_bot_says_what_it_needs(monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    out = CliRunner().invoke(main, ["bot"])
    assert out.exit_code == 2 and "SLACK_BOT_TOKEN" in out.output


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    slack, github = doubles()
    srv = ServerProcess(slack, github, tmp_path_factory.mktemp("server") / "state").wait()
    yield srv, slack
    srv.stop()
    slack.stop()
    github.stop()


def http(url: str, body: bytes | None = None, method: str = "GET", headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read().decode()


def test_the_production_server_routes(server):
    srv, slack = server
    assert http(srv.url + "/health") == (200, "ok")
    assert http(srv.url + "/slack/events")[0] == 405
    assert http(srv.url + "/nope")[0] == 404
    assert http(srv.url + "/slack/events", b"x" * (1024 * 1024 + 1), "POST")[0] == 413
    unsigned = rq.command(slack, HANNAH, "/rfc", "list")
    body, ctype = unsigned.http_body()
    assert http(srv.url + "/slack/events", body.encode(), "POST", {"Content-Type": ctype})[0] == 401
    stale = rq.Http(srv.url, SECRET).send(rq.command(slack, HANNAH, "/rfc", "list"), age=600)
    assert stale.status == 401
    answer = rq.Http(srv.url, SECRET).send(rq.command(slack, HANNAH, "/rfc", "list accepted"))
    assert answer.status == 200 and "`0001` accepted" in answer.text
    assert http(srv.url + "/mlflow/webhook", b"{}", "POST")[0] == 401  # unsigned registry delivery


@pytest.mark.parametrize("body, ctype", [("{not json", "application/json"), ("payload=%7Bx", FORM),
                                         ("[1, 2]", "application/json"), ("payload=5", FORM)])
def test_malformed_bodies_are_401_unsigned_and_400_signed_never_a_traceback(server, body, ctype):
    srv, _ = server
    assert http(srv.url + "/slack/events", body.encode(), "POST", {"Content-Type": ctype})[0] == 401
    bad_time = {**rq.signed_headers(SECRET, body, ctype), "X-Slack-Request-Timestamp": "soon"}
    assert http(srv.url + "/slack/events", body.encode(), "POST", bad_time)[0] == 401
    status, text = http(srv.url + "/slack/events", body.encode(), "POST", rq.signed_headers(SECRET, body, ctype))
    assert status == 400 and ("neither JSON nor a form" in text or "not a JSON object" in text), text
    assert http(srv.url + "/slack/events", b"\xff{", "POST", {"Content-Type": ctype}) == (400, "the body is not UTF-8")
    time.sleep(0.2)
    assert "Traceback" not in Path(srv.log.name).read_text()


def test_each_worker_asks_slack_who_it_is_at_start_not_in_a_request(server):
    srv, slack = server
    assert len(slack.delivered("auth.test")) == 2  # one per worker, before any request was answered


def test_sigterm_stops_the_server_gracefully(tmp_path):
    slack, github = doubles()
    try:
        srv = ServerProcess(slack, github, tmp_path / "state").wait()
        log = srv.stop()
        assert srv.proc.returncode == 0, log  # the master stopped its workers and exited cleanly
        assert "Traceback" not in log
    finally:
        slack.stop()
        github.stop()


def test_mlhub_bot_runs_the_production_server_as_configured(tmp_path, monkeypatch):
    """`mlhub bot` as `make up` starts it (bot.run.spawn): configured only by the environment."""
    import socket
    import time

    from bot.run import spawn

    from .bot_fixtures import TOKEN
    from .conftest import REPO

    slack, github = doubles()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for key, value in {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.url,
                       "MLHUB_BOT_PORT": str(port), "MLHUB_ROOT": str(REPO), "MLHUB_STATE_DIR": str(tmp_path),
                       "MLHUB_BOT_WORKERS": "2", "MLHUB_BOT_THREADS": "4"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    child = spawn(lambda _: None)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert child.poll() is None, "mlhub bot exited"
            try:
                if http(f"http://127.0.0.1:{port}/health")[0] == 200:
                    break
            except OSError:  # not listening yet
                assert time.monotonic() < deadline, "mlhub bot did not answer /health"
            time.sleep(0.2)
        answer = rq.Http(f"http://127.0.0.1:{port}", SECRET).send(rq.command(slack, HANNAH, "/sig", "list"))
        assert answer.status == 200 and "sig-serving" in answer.text
        assert (tmp_path / "bot.sqlite").exists()  # the store, migrated where MLHUB_STATE_DIR says
    finally:
        child.terminate()
        assert child.wait(20) == 0  # SIGTERM: a graceful stop
        slack.stop()
        github.stop()
