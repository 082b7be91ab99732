"""The platform profile's bot, as `mlhub up --profile platform` starts it: two replicas, each its own
production server (`mlhub bot`: gunicorn, Bolt's WSGI adapter) on the profile's PostgreSQL, talking
to the Slack double; what one replica stores the other reads; and MLflow's registry webhook from
the profile's MLflow (its artifacts in the object store) reaches the bot and is posted once; a
database restart under the replicas loses nothing they acknowledged."""

from __future__ import annotations

import os
import urllib.request

import pytest

from mlhub.services.profile import BOT_REPLICAS, start_bot_replicas

from .bot_fixtures import SECRET, TOKEN, doubles, wait_until
from .conftest import REPO, use_platform_clients
from .fakes import slack_requests as rq
from .test_registry_webhooks import register_champion

KENJI, HANNAH = "U04KTANAKA1", "U04HOKAFOR1"
HOOK_SECRET = "a-webhook-secret-of-some-length"


@pytest.fixture(scope="module")
def replicas(platform_profile):
    platform = platform_profile  # the session's profile, shared with the platform chain's tests
    slack, github = doubles()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLHUB_", "MLFLOW_", "SLACK_", "AWS_"))}
    env |= {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.url,
            "MLHUB_ROOT": str(REPO), "MLHUB_WEBHOOK_SECRET": HOOK_SECRET,
            "MLHUB_BOT_WORKERS": "2", "MLHUB_BOT_THREADS": "4"}
    lines: list[str] = []
    try:
        bots = start_bot_replicas(platform, lines.append, env)
        yield platform, bots, slack, lines
        assert all(bot.running() for bot in bots), "a replica died during the tests"
        platform.stop_bots()
        assert not any(bot.running() for bot in bots) and platform.bots == []
    finally:
        platform.stop_bots()
        slack.stop()
        github.stop()


def urls(platform) -> list[str]:
    return [f"http://127.0.0.1:{platform.ports[name]}" for name in BOT_REPLICAS]


def test_two_replicas_on_the_profiles_postgresql_share_what_they_store(replicas):
    platform, bots, slack, lines = replicas
    assert len(bots) == 2 and len({bot.pid for bot in bots}) == 2
    for url in urls(platform):
        with urllib.request.urlopen(url + "/health", timeout=5) as resp:  # noqa: S310 - loopback
            assert resp.status == 200
    # the password stays in the replicas' environment: never in what the profile prints
    assert platform.secrets.postgres_password.reveal() not in "\n".join(lines)
    assert any(line.startswith("mlhub: bot replica 2 on ") for line in lines)

    one, two = (rq.Http(url, SECRET) for url in urls(platform))
    added = one.send(rq.command(slack, KENJI, "/mlsync", "add Quotas for the platform profile's GPUs"))
    assert added.status == 200 and "Added to the ML Sync agenda" in added.text, added.body
    agenda = two.send(rq.command(slack, HANNAH, "/mlsync", "agenda"))
    assert agenda.status == 200, agenda.body
    assert "Quotas for the platform profile's GPUs (Kenji Tanaka)" in agenda.text
    slack.quiet(0.3)
    assert slack.refusals() == []  # every Web API call either replica made, Slack answered ok


def test_the_registry_webhook_of_the_profiles_mlflow_reaches_a_replica_once(replicas, monkeypatch):
    platform, _, slack, lines = replicas
    assert any("webhook" in line and "not connected" not in line for line in lines), lines
    use_platform_clients(monkeypatch, platform)  # the client writes the model's files straight to the bucket
    register_champion(platform.mlflow_uri, "platform-credit-default")
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=platform.mlflow_uri)
    version = client.get_model_version("platform-credit-default", "1")
    assert client.get_run(version.run_id).info.artifact_uri.startswith("s3://mlhub/"), "artifacts in the bucket"

    def posts() -> list[str]:
        return [m["text"] for m in slack.delivered("chat.postMessage") if "platform-credit-default" in m["text"]]

    wait_until(lambda: len(posts()) >= 3, timeout=30)  # the new model, its version, the champion alias
    slack.quiet(2.0)  # whatever MLflow retries, on either replica: one post per event
    assert len(posts()) == 3 and len([t for t in posts() if "alias *champion* now points at version 1" in t]) == 1
    assert slack.refusals() == []


def test_a_database_restart_refuses_with_a_message_and_loses_nothing_acknowledged(replicas):
    platform, _, slack, _ = replicas
    one, two = (rq.Http(url, SECRET) for url in urls(platform))
    before = one.send(rq.command(slack, KENJI, "/mlsync", "add Recorded before the restart"))
    assert before.status == 200 and "Added to the ML Sync agenda" in before.text, before.body

    platform.stop_component("postgres", crash=True)  # `immediate`: as a crash of the database
    try:
        refused = [r.send(rq.command(slack, KENJI, "/mlsync", "add Sent while the store is down")) for r in (one, two)]
        for answer in refused:  # an answer, not an error page; and it says nothing was recorded
            assert answer.status == 200 and "nothing was recorded" in answer.text, answer.body
    finally:
        platform.start_component("postgres")

    after = two.send(rq.command(slack, KENJI, "/mlsync", "add Sent again after the restart"))
    assert after.status == 200 and "Added to the ML Sync agenda" in after.text, after.body
    agenda = one.send(rq.command(slack, HANNAH, "/mlsync", "agenda")).text
    assert "Recorded before the restart" in agenda and "Sent again after the restart" in agenda
    assert "Sent while the store is down" not in agenda  # refused, and said so: not half-recorded
