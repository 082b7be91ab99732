"""MLflow Model Registry webhooks, delivered by a live `mlflow server` to the bot, into Slack."""

from __future__ import annotations

import dataclasses
import json
import time
import urllib.request
import warnings

import pytest

from bot.ceremonies import registry
from bot.server import wsgi
from mlhub import registry as routes_of
from mlhub.config import Secret
from mlhub.content import load, validate
from mlhub.registry.connect import ConnectError, connect
from mlhub.services.mlflow_server import MlflowServer

from .bot_fixtures import SECRET, wait_until
from .conftest import REPO, Copy, use_platform_clients

HOOK_SECRET = "a-webhook-secret-of-some-length"


@pytest.fixture(scope="module", params=["embedded", "platform"])
def mlflow(request, tmp_path_factory):
    """Its own server on the embedded default (webhooks registered here must not reach other
    tests' servers), and the platform profile's (MLflow on PostgreSQL, artifacts in its bucket),
    both with a short webhook cache, so each test's webhook is seen at once."""
    if request.param == "platform":
        platform = request.getfixturevalue("platform_profile")
        with pytest.MonkeyPatch.context() as env:  # this process logs models straight to the bucket
            use_platform_clients(env, platform)
            yield platform.mlflow
        return
    with MlflowServer(tmp_path_factory.mktemp("mlflow-hooks"), extra_env={"MLFLOW_WEBHOOK_CACHE_TTL": "1"}) as server:
        yield server


@pytest.fixture
def bridge(bot, mlflow):
    bot.deps.config = dataclasses.replace(
        bot.deps.config, webhook_secret=Secret(HOOK_SECRET),
        hub=dataclasses.replace(bot.deps.config.hub, mlflow_tracking_uri=mlflow.url))
    captured: list[tuple[dict, str]] = []
    handler = registry.routes(bot.app, bot.deps)[registry.PATH]

    def capture(headers, body):
        captured.append((headers, body))
        return handler(headers, body)

    server = wsgi_server(wsgi(bot.app, {registry.PATH: capture}, SECRET))  # the production server's WSGI app
    url = f"http://127.0.0.1:{server.server_address[1]}{registry.PATH}"
    print(connect(mlflow.url, url, HOOK_SECRET, embedded=True))
    time.sleep(1.2)  # the server's webhook cache (1 s here) forgets the previous test's hook
    yield bot, captured, url
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=mlflow.url)
    for hook in client.list_webhooks():
        client.delete_webhook(hook.webhook_id)
    server.shutdown()
    server.server_close()


def wsgi_server(app):
    """The WSGI application in a threaded wsgiref server (the tests need it in this process)."""
    import threading
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class Threaded(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", 0, app, server_class=Threaded, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def posts(bot, channel):
    """Messages Slack accepted in a channel (failed attempts are not posts); channel by name."""
    cid = bot.slack.channel(channel.lstrip("#")).id
    return [m for m in bot.slack.delivered("chat.postMessage") if m.get("channel") == cid]


def post(url, headers, body):
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        err.close()
        return err.code, ""


def register_champion(mlflow_url: str, name: str):
    import mlflow as mlflow_sdk
    from mlflow import MlflowClient
    from sklearn.linear_model import LogisticRegression

    mlflow_sdk.set_tracking_uri(mlflow_url)
    client = MlflowClient(tracking_uri=mlflow_url)
    client.create_registered_model(name, tags={"team": "risk-analytics"})
    with mlflow_sdk.start_run(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLflow's own notes about type hints of sklearn models
        info = mlflow_sdk.sklearn.log_model(LogisticRegression().fit([[0], [1]], [0, 1]), name="model",
                                            registered_model_name=name, pip_requirements=["scikit-learn"])
    client.set_registered_model_alias(name, "champion", info.registered_model_version)


def test_a_new_champion_reaches_the_sig_channel_and_the_ml_sync_agenda_once(bridge, mlflow):
    bot, captured, url = bridge
    register_champion(mlflow.url, "credit-risk-scorecard")
    wait_until(lambda: len(posts(bot, "#sig-tracking-registry")) >= 3, timeout=30)
    texts = [m["text"] for m in posts(bot, "#sig-tracking-registry")]
    assert any(t.startswith("New registered model `credit-risk-scorecard`") for t in texts)
    assert any("has a new version *1*" in t for t in texts)
    champion = [t for t in texts if "alias *champion* now points at version 1" in t]
    assert len(champion) == 1 and f"{mlflow.url}/#/models/credit-risk-scorecard/versions/1" in champion[0]
    agenda = bot.deps.store.agenda("ml-sync")
    assert len(agenda) == 1 and "champion" in agenda[0]["text"]
    assert agenda[0]["meeting_date"] == "2026-11-24"  # the next ML Sync after the bot's clock

    # MLflow retries a delivery it thinks failed with the same delivery id: three in all
    headers, body = next((h, b) for h, b in captured if "model_version_alias" in b)
    for _ in range(2):
        assert post(url, headers, body) == (200, "duplicate delivery: already handled")
    assert len([t for t in (m["text"] for m in posts(bot, "#sig-tracking-registry")) if "champion" in t]) == 1
    assert len(bot.deps.store.agenda("ml-sync")) == 1


def test_forged_and_stale_deliveries_change_nothing(bridge, mlflow):
    bot, captured, url = bridge
    register_champion(mlflow.url, "credit-limits")
    wait_until(lambda: len(posts(bot, "#sig-tracking-registry")) >= 3, timeout=30)
    before = (len(bot.slack.delivered("chat.postMessage")), len(bot.deps.store.agenda()))
    headers, body = next((h, b) for h, b in captured if "model_version_alias" in b)
    forged_body = body.replace("credit-limits", "credit-forged")
    forged = dict(headers, **{"X-Mlflow-Delivery-Id": "forged-1"})
    assert post(url, forged, forged_body)[0] == 401
    old = str(int(time.time()) - 600)
    stale = dict(headers, **{"X-Mlflow-Delivery-Id": "stale-1", "X-Mlflow-Timestamp": old,
                             "X-Mlflow-Signature": registry.signature(HOOK_SECRET, "stale-1", old, body)})
    assert post(url, stale, body)[0] == 401
    unsigned = {k: v for k, v in headers.items() if k.lower() != "x-mlflow-signature"}
    assert post(url, unsigned, body)[0] == 401
    assert (len(bot.slack.delivered("chat.postMessage")), len(bot.deps.store.agenda())) == before
    assert bot.deps.store.registry_event("forged-1") is None


def test_a_model_no_sig_owns_goes_to_the_fallback_channel(bridge, mlflow):
    bot, _, _ = bridge
    from mlflow import MlflowClient

    MlflowClient(tracking_uri=mlflow.url).create_registered_model("orphan-model")
    wait_until(lambda: posts(bot, "#ml-platform"), timeout=30)
    assert "no SIG owns this model" in posts(bot, "#ml-platform")[0]["text"]


def test_slack_down_keeps_the_event_and_the_retry_posts_it(bridge, mlflow):
    bot, captured, url = bridge
    bot.slack.fail("chat.postMessage", "500", times=20)  # more than the client's retries
    # a 500 leaves the post unsure: the next attempt reads the channel first, joining it to do so
    bot.allow("conversations.history", "not_in_channel")
    from mlflow import MlflowClient

    MlflowClient(tracking_uri=mlflow.url).create_registered_model("fraud-graph")
    wait_until(lambda: captured, timeout=30)
    headers, body = captured[0]
    delivery = {k.lower(): v for k, v in headers.items()}["x-mlflow-delivery-id"]
    wait_until(lambda: bot.deps.store.registry_event(delivery) is not None)
    bot.slack.faults.clear()
    # our replay and MLflow's own retry race: whichever comes first posts; the other is a duplicate,
    # or, while the first is still posting, told to come back (503: MLflow retries)
    status, _ = post(url, headers, body)
    assert status in (200, 503)
    wait_until(lambda: bot.deps.store.registry_event(delivery)["notified"], timeout=30)
    time.sleep(3)  # MLflow's own retry of the failed delivery arrives meanwhile: it must not post again
    fraud = [m["text"] for m in posts(bot, "#sig-training-tuning") if "`fraud-graph`" in m["text"]]
    assert len(fraud) == 1


def test_connect_refuses_what_mlflow_should_not_do(mlflow):
    with pytest.raises(ConnectError, match="only point at 127.0.0.1"):
        connect(mlflow.url, "http://10.0.0.5/hook", HOOK_SECRET, embedded=True)
    with pytest.raises(ConnectError, match="https only"):
        connect(mlflow.url, "http://hub.corp.example/hook", HOOK_SECRET, embedded=False)
    with pytest.raises(ConnectError, match="at least 16"):
        connect(mlflow.url, "http://127.0.0.1:1/hook", "short", embedded=True)


def test_routes_come_from_sigs_yaml():
    hub = load(REPO)
    assert routes_of.owner(hub, "credit-risk-scorecard").id == "sig-tracking-registry"
    assert routes_of.owner(hub, "fraud-graph").id == "sig-training-tuning"
    assert routes_of.owner(hub, "anything", {"serving": "kserve"}).id == "sig-serving"
    assert routes_of.owner(hub, "orphan-model") is None


def overlapping_globs(repo: Copy):
    repo.edit_yaml("community/sigs.yaml", lambda d: d["sigs"][3]["registry"].append({"model": "credit-risk-*"}))


def route_with_both(repo: Copy):
    repo.edit_yaml("community/sigs.yaml", lambda d: d["sigs"][3]["registry"].append(
        {"model": "x-*", "tag": "a=b"}))


REGISTRY_CASES = [
    (overlapping_globs, "community/sigs.yaml:sigs[3].registry[2].model", "registry-routes"),
]


def test_validate_warns_about_overlapping_globs(repo: Copy, now):
    overlapping_globs(repo)
    _, problems = validate(repo.root, now)
    (p,) = problems
    assert p.severity == "warning" and p.check == "registry-routes"
    assert str(p).startswith("community/sigs.yaml:sigs[3].registry[2].model: warning: 'credit-risk-*' overlaps "
                             "sig-tracking-registry's 'credit-*'")


def test_a_route_names_a_glob_or_a_tag_not_both(repo: Copy, now):
    route_with_both(repo)
    _, problems = validate(repo.root, now)
    assert [p.field for p in problems] == ["sigs[3].registry[2]"]
    assert "exactly one of" in problems[0].message



def deliver(bot, delivery_id: str, message: dict) -> tuple[int, str]:
    """A signed delivery straight to the route, as the production server hands it over."""
    body, stamp = json.dumps(message), str(int(time.time()))
    headers = {"X-MLflow-Delivery-Id": delivery_id, "X-MLflow-Timestamp": stamp,
               "X-MLflow-Signature": registry.signature(HOOK_SECRET, delivery_id, stamp, body)}
    return registry.routes(bot.app, bot.deps)[registry.PATH](headers, body)


def test_registry_text_is_escaped_once_and_odd_payloads_are_400(bot):
    bot.deps.config = dataclasses.replace(bot.deps.config, webhook_secret=Secret(HOOK_SECRET))
    data = {"name": "credit-a&b<c>", "version": "<!channel>", "alias": "champion", "run_id": "<!here>"}
    assert deliver(bot, "d1", {"entity": "model_version_alias", "action": "created", "data": data}) == (200, "ok")
    assert deliver(bot, "d2", {"entity": "model_version", "action": "created", "data": data}) == (200, "ok")
    assert deliver(bot, "d3", {"entity": "<!channel>", "action": "x", "data": data}) == (200, "ok")
    bot.slack.quiet(0.3)
    texts = [m["text"] for m in bot.slack.delivered("chat.postMessage")]
    assert texts[0].startswith("Model `credit-a&amp;b&lt;c&gt;`: alias *champion* now points at version "
                               "&lt;!channel&gt;"), texts
    assert "version *&lt;!channel&gt;* from run `&lt;!here&gt;`" in texts[1]
    assert texts[2].startswith("Registry event &lt;!channel&gt;.x on `credit-a&amp;b&lt;c&gt;`")
    assert not any("<!" in t for t in texts)
    agenda = bot.command("U04KTANAKA1", "/mlsync", "agenda")
    assert agenda.status == 200 and "Model `credit-a&amp;b&lt;c&gt;`: alias *champion*" in agenda.text, agenda.text
    assert "&amp;amp;" not in agenda.text
    for bad, why in (({"name": 5}, "data.name"), ({"name": ["x"]}, "data.name"), ({}, "data.name"),
                     ({"name": "m", "version": {"a": 1}}, "data.version"), ({"name": "m", "tags": [1]}, "data.tags")):
        status, text = deliver(bot, f"bad-{why}-{len(str(bad))}", {"entity": "model_version", "action": "created",
                                                                    "data": bad})
        assert status == 400 and text.startswith(f"not an MLflow webhook payload: {why} is not"), text
    assert len(bot.slack.delivered("chat.postMessage")) == 3
