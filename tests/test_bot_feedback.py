"""Reader feedback on the bot's HTTP server: the production server's WSGI application with the
/feedback route, the real Bolt app's client and the Slack double. Every refusal is checked for no
effect: nothing stored, nothing posted."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from bot.ceremonies import feedback, routes
from bot.server import wsgi
from mlhub.feedback import counts
from mlhub.feedback.limiter import Limiter

from .bot_fixtures import SECRET
from .test_registry_webhooks import wsgi_server

SITE = "https://mlhub.corp.example"
KATIB = {"page": "catalog/katib.md", "helped": False, "blocked": "The <b>quota</b> example fails <!here> & stops"}


@pytest.fixture
def server(bot):
    srv = wsgi_server(wsgi(bot.app, routes(bot.app, bot.deps), SECRET))
    yield f"http://127.0.0.1:{srv.server_address[1]}{feedback.PATH}"
    srv.shutdown()
    srv.server_close()


def post(url, data, origin=SITE, ctype="application/json", method="POST", raw: bytes | None = None,
         forwarded: str | None = None):
    body = raw if raw is not None else json.dumps(data).encode()
    headers = {"Content-Type": ctype, **({"Origin": origin} if origin else {}),
               **({"X-Forwarded-For": forwarded} if forwarded else {})}
    req = urllib.request.Request(url, data=body if method == "POST" else None, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def posted(bot, channel="sig-training-tuning") -> list[str]:
    return [m["text"] for m in bot.slack.messages(channel)]


def stored(bot) -> list[dict]:
    return bot.deps.store.feedback_since(bot.clock().replace(year=2000))


def test_feedback_is_stored_and_posted_to_the_owning_sig(bot, server):
    status, headers, body = post(server, KATIB)
    assert status == 201, body
    assert headers["Access-Control-Allow-Origin"] == "*" and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"message": "Thank you: Training & Tuning (#sig-training-tuning) has your feedback.",
                                "posted": True}
    (text,) = posted(bot)
    # plain text, escaped for Slack: tags (and Slack's <!here>) removed, & escaped
    assert text.endswith("\n>The quota example fails &amp; stops") and "Katib hyperparameter tuning" in text
    assert "<" not in text.split("\n", 1)[1]
    (row,) = stored(bot)
    assert (row["page"], row["helped"], row["posted"], row["channel"]) == ("catalog/katib.md", False, True,
                                                                           "sig-training-tuning")
    saved = counts.load(bot.deps.config.hub.state_dir)
    assert saved == {"catalog/katib.md": counts.PageCount(helped=0, blocked=1)}
    status, _, _ = post(server, {"page": "tutorials/02-track-experiments.ipynb", "helped": True})
    assert status == 201 and len(posted(bot, "sig-tracking-registry")) == 1


@pytest.mark.parametrize("data, raw, ctype, status, field", [
    ({"page": "catalog/nope.md", "helped": True}, None, "application/json", 400, "page"),
    ({"page": "catalog/katib.md", "helped": False}, None, "application/json", 400, "blocked"),
    ({"page": "catalog/katib.md", "helped": False, "blocked": "<script>alert(1)</script>"}, None,
     "application/json", 400, "blocked"),
    ({"page": "catalog/katib.md", "helped": False, "blocked": "x" * 2001}, None, "application/json", 400, "blocked"),
    ({"page": "catalog/katib.md", "helped": "yes"}, None, "application/json", 400, "helped"),
    (None, b"{not json", "application/json", 400, ""),
    (None, b"x" * 9000, "application/json", 413, None),
    (KATIB, None, "text/plain", 415, None),
])
def test_bad_feedback_is_refused_with_no_effect(bot, server, data, raw, ctype, status, field):
    code, headers, body = post(server, data, raw=raw, ctype=ctype)
    assert code == status, body
    if code != 413:  # the size guard answers before the route: no JSON
        answer = json.loads(body)
        assert answer["error"]
        if field is not None:
            assert answer["field"] == field
    assert posted(bot) == [] and stored(bot) == []


def test_another_origin_is_refused(bot, server):
    bot.deps.config = type(bot.deps.config)(**{**bot.deps.config.__dict__,
                                               "hub": bot.deps.config.hub.__class__(
                                                   **{**bot.deps.config.hub.__dict__, "site_url": SITE + "/"})})
    srv = wsgi_server(wsgi(bot.app, routes(bot.app, bot.deps), SECRET))
    url = f"http://127.0.0.1:{srv.server_address[1]}{feedback.PATH}"
    try:
        code, _, body = post(url, KATIB, origin="https://evil.example")
        assert code == 403 and "site only" in body
        code, headers, _ = post(url, None, method="OPTIONS")
        assert code == 204 and headers["Access-Control-Allow-Origin"] == SITE
        assert headers["Access-Control-Allow-Headers"] == "Content-Type"
        code, headers, _ = post(url, KATIB)
        assert code == 201 and headers["Access-Control-Allow-Origin"] == SITE
        assert len(posted(bot)) == 1
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_flood_from_one_address_is_refused_and_others_still_get_through(bot):
    bot.allow("chat.postMessage", "ratelimited")  # Slack: about one message a second per channel; the client waits
    now = [0.0]
    endpoint = feedback.Endpoint(bot.deps, bot.app.client, Limiter(per_minute=6, burst=3, clock=lambda: now[0]))
    body = json.dumps({"page": "golden-path.md", "helped": True})
    headers = {"Content-Type": "application/json"}
    codes = [endpoint("POST", headers, body, "10.1.1.1").status for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    refused = endpoint("POST", headers, body, "10.1.1.1")
    assert dict(refused.headers)["Retry-After"] == "10" and "try again in 10 s" in json.loads(refused.body)["error"]
    assert endpoint("POST", headers, body, "10.2.2.2").status == 201
    now[0] += 10
    assert endpoint("POST", headers, body, "10.1.1.1").status == 201
    assert len(posted(bot, "ml-sync")) == 5  # the golden path goes to the ML Sync's channel


def test_the_proxy_appended_address_is_the_one_limited(bot, server):
    # the client may claim any X-Forwarded-For; the TLS proxy appends the address it saw, last
    bot.allow("chat.postMessage", "ratelimited")  # Slack: about one message a second per channel; the client waits
    for i in range(5):
        assert post(server, {"page": "golden-path.md", "helped": True}, forwarded=f"1.1.1.{i}, 9.9.9.9")[0] == 201
    assert post(server, {"page": "golden-path.md", "helped": True}, forwarded="1.1.1.200, 9.9.9.9")[0] == 429
    assert post(server, {"page": "golden-path.md", "helped": True}, forwarded="9.9.9.8")[0] == 201


def test_when_slack_fails_the_feedback_waits_and_a_tick_posts_it(bot, server):
    bot.slack.fail("chat.postMessage", "500", times=3)  # internal_error: maybe posted, so each resend reads history
    bot.allow("conversations.history", "not_in_channel")  # the bot joins the channel to read it
    status, _, body = post(server, KATIB)
    assert status == 201 and json.loads(body)["posted"] is False
    assert "will get your feedback" in json.loads(body)["message"]
    assert posted(bot) == [] and len(bot.deps.store.unposted_feedback()) == 1
    assert [c.method for c in bot.slack.calls if c.method != "conversations.list"] == \
        ["chat.postMessage", "conversations.history", "conversations.join", "conversations.history",
         "chat.postMessage", "conversations.history", "chat.postMessage"]  # never a blind resend
    feedback.post_pending(bot.deps, bot.app.client, bot.clock())
    assert len(posted(bot)) == 1 and bot.deps.store.unposted_feedback() == []
    feedback.post_pending(bot.deps, bot.app.client, bot.clock())
    assert len(posted(bot)) == 1  # posted once


def test_the_agenda_draft_summarises_feedback(bot, server):
    for blocked in ("a", "b"):
        post(server, {"page": "catalog/katib.md", "helped": False, "blocked": blocked})
    post(server, {"page": "catalog/katib.md", "helped": True})
    lines = feedback.summary(bot.deps, bot.clock().replace(year=2000))
    assert lines == ["Reader feedback: 3 answers, 2 blocked", "Katib hyperparameter tuning: 2 blocked, 1 helped"]
