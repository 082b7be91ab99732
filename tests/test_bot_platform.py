"""The platform's clusters in Slack, through the real Bolt app and the Slack double: `/platform
where|cluster|clusters` answer what `mlhub clusters where|show|list` answers, from the same data;
bad input gets a usage line; App Home puts the reader's team's clusters first within Block Kit's
limits; the scheduled health check posts exactly one message per status change, once across
replicas, and keeps its result for the site."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from slack_sdk.errors import SlackApiError

from bot.ceremonies.platform import commands as c
from bot.ceremonies.platform import views, watch
from bot.mrkdwn import SECTION, units
from bot.refusal import Refusal
from bot.run import build
from bot.scheduler import Scheduler
from bot.store import Store
from mlhub.cli import main
from mlhub.clusters import health
from mlhub.clusters.query import everywhere, show, where
from mlhub.clusters.text import cluster_text, where_text
from mlhub.content.models import Cluster

from .bot_fixtures import START, Bot, Clock, bot_config, doubles, publisher
from .conftest import REPO, Copy, copy_repo
from .fakes import slack_requests as rq
from .fakes.slack import FakeSlack

HANNAH, PRIYA, KENJI = "U04HOKAFOR1", "U04PRAMAN01", "U04KTANAKA1"  # ML Platform, Risk Analytics, Search Relevance
HEALTHZ = "/apis/v2beta1/healthz"


# --- parsing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, command", [
    ("", c.Help()), ("help", c.Help()), ("HELP", c.Help()), ("clusters", c.Clusters()),
    ("where katib", c.Where("katib")), ("where model serving", c.Where("model serving")),
    ('where "mlflow tracking"', c.Where("mlflow tracking")), ("cluster dev-eu", c.Cluster("dev-eu")),
])
def test_parse(text, command):
    assert c.parse(text) == command


@pytest.mark.parametrize("text, said", [
    ("where", c.USAGE["where"]), ("where " + "x" * 101, c.USAGE["where"]), ("cluster", c.USAGE["cluster"]),
    ("cluster dev-eu prod-eu", c.USAGE["cluster"]), ("clusters all", c.USAGE["clusters"]),
    ("help me", c.USAGE["help"]),
    ("frobnicate <!here>", "I don't know `/platform frobnicate`. Usage: `/platform where SERVICE`"),
])
def test_bad_input_gets_a_usage_line(text, said):
    with pytest.raises(Refusal) as exc:
        c.parse(text)
    assert str(exc.value).startswith(said)
    assert "<!here>" not in str(exc.value)


# --- answers: the same as the CLI's ---------------------------------------------------------------


def saved_report(state) -> health.Report:
    """A check as `mlhub clusters check --save` or the bot keeps it: katib down on staging-eu."""
    report = health.Report(dt.datetime(2026, 11, 23, 8, 55, tzinfo=dt.UTC), 5.0, (
        health.Result("dev-eu", "dev", "kubeflow-pipelines",
                      "https://kubeflow.dev-eu.ml.corp.example/pipeline/apis/v2beta1/healthz", health.Status.up,
                      "HTTP 200", 200, 0.05),
        health.Result("staging-eu", "staging", "kubeflow-pipelines",
                      "https://kubeflow.staging-eu.ml.corp.example/pipeline/apis/v2beta1/healthz",
                      health.Status.down, "HTTP 503", 503, 0.02),
    ))
    health.save(report, state)
    return report


def cli(bot: Bot, *args: str) -> str:
    env = {"MLHUB_ROOT": str(REPO), "MLHUB_STATE_DIR": str(bot.deps.config.hub.state_dir)}
    res = CliRunner().invoke(main, ["clusters", *args], env=env)
    assert res.exit_code == 0, res.output
    return res.output


def test_where_answers_what_the_cli_answers_from_the_same_data(bot):
    report = saved_report(bot.deps.config.hub.state_dir)
    answer = bot.command(PRIYA, "/platform", "where pipelines")
    assert answer.status == 200
    hub = bot.deps.hub()
    assert answer.text == where_text(where(hub, "pipelines", everywhere(hub), report), report, slack=True)
    # the terminal's rows and Slack's bullets: the same clusters in the same order, each with the
    # same stage, the same links and the same last status
    rows = [line.split() for line in cli(bot, "where", "pipelines").splitlines()[1:] if line.strip()]
    bullets = [line for line in answer.text.splitlines() if line.startswith("• ")]
    assert [r[0] for r in rows] == [b.split("*")[1] for b in bullets] == ["sandbox-eu", "dev-eu", "dev-us",
                                                                          "staging-eu", "prod-eu"]
    for row, bullet in zip(rows, bullets, strict=True):
        assert bullet.startswith(f"• *{row[0]}* ({row[1]}): ")
        urls = [w for w in row if w.startswith("https://")]
        assert urls and all(f"<{u}|" in bullet for u in urls)
        status = " ".join(row[2:6]) if row[2] in ("up", "down") else None
        assert (status in bullet) if status else ("HTTP" not in bullet)
    assert "down (HTTP 503, 2026-11-23 08:55 UTC)" in bullets[3] and "down (HTTP 503," in " ".join(rows[3])
    assert "up (HTTP 200, 2026-11-23 08:55 UTC)" in bullets[1] and "up (HTTP 200," in " ".join(rows[1])


def test_cluster_answers_what_the_cli_shows(bot):
    report = saved_report(bot.deps.config.hub.state_dir)
    answer = bot.command(HANNAH, "/platform", "cluster staging-eu")
    assert answer.status == 200
    hub = bot.deps.hub()
    assert answer.text == cluster_text(show(hub, "staging-eu", everywhere(hub), report), report, slack=True)
    shown = cli(bot, "show", "staging-eu").splitlines()
    assert shown[0] == "staging-eu: staging · eu-west-1 · run by ML Platform"
    assert answer.text.splitlines()[0] == "*staging-eu*: staging · eu-west-1 · run by ML Platform"
    for row in shown[1:]:
        for url in (w for w in row.split() if w.startswith("https://")):
            assert f"<{url}|" in answer.text
    assert "HTTP 503" in answer.text and "HTTP 503" in "\n".join(shown)


def test_a_new_check_is_answered_within_the_documented_interval(bot, tmp_path):
    """The commands keep the newest check in the process: a report file `mlhub clusters check
    --save` replaced is answered from at once; a check another replica stored, within
    watch.FRESH seconds (and not read from the store on every command before that)."""
    now = [100.0]
    bot.deps.caches[watch.KEY] = watch.Seen(monotonic=lambda: now[0])
    state = bot.deps.config.hub.state_dir

    def pipelines_on_staging() -> str:
        answer = bot.command(PRIYA, "/platform", "cluster staging-eu")
        assert answer.status == 200
        return next(line for line in answer.text.splitlines() if "*Kubeflow Pipelines*" in line)

    assert "HTTP" not in pipelines_on_staging()  # no check yet
    saved_report(state)  # the CLI's check, saved to the state folder
    assert "down (HTTP 503, 2026-11-23 08:55 UTC)" in pipelines_on_staging()  # the next command: no interval
    newer = health.Report(dt.datetime(2026, 11, 23, 9, 5, tzinfo=dt.UTC), 5.0, (
        health.Result("staging-eu", "staging", "kubeflow-pipelines",
                      "https://kubeflow.staging-eu.ml.corp.example/pipeline/apis/v2beta1/healthz",
                      health.Status.up, "HTTP 200", 200, 0.02),))
    replica = Store(bot.deps.config.db_url, migrate=False)  # another process on the same store
    try:
        replica.save_snapshot(watch.KEY, watch.Watch(newer).to_json())
    finally:
        replica.engine.dispose()
    now[0] += watch.FRESH - 0.1
    assert "down (HTTP 503" in pipelines_on_staging()  # read from the store less than FRESH ago
    now[0] += 0.1
    assert "up (HTTP 200, 2026-11-23 09:05 UTC)" in pipelines_on_staging()  # FRESH later: the replica's check
    health.report_path(state).unlink()
    assert "up (HTTP 200, 2026-11-23 09:05 UTC)" in pipelines_on_staging()  # the file gone, the stored check stays


def test_a_report_file_replaced_with_the_same_stat_is_read_again_within_the_interval(bot):
    """Two saves within one tick of the file system's clock, of the same size, on the same inode,
    look alike to a stat: the file is read again FRESH seconds after it was read in any case."""
    now = [100.0]
    bot.deps.caches[watch.KEY] = watch.Seen(monotonic=lambda: now[0])
    state = bot.deps.config.hub.state_dir
    saved_report(state)
    answer = bot.command(PRIYA, "/platform", "cluster staging-eu")
    assert answer.status == 200 and "down (HTTP 503" in answer.text
    path = health.report_path(state)
    before = path.stat()
    text = path.read_bytes()
    assert text.count(b"503") >= 1
    with open(path, "r+b") as f:  # in place: same inode, same size
        f.write(text.replace(b"503", b"502"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same mtime
    assert (path.stat().st_ino, path.stat().st_mtime_ns, path.stat().st_size) == \
        (before.st_ino, before.st_mtime_ns, before.st_size)
    now[0] += watch.FRESH
    answer = bot.command(PRIYA, "/platform", "cluster staging-eu")
    assert answer.status == 200 and "down (HTTP 502" in answer.text, answer.text


def test_bad_names_get_the_known_ones_and_a_usage_line(bot):
    for text, said in [
        ("where feast", "no service matches 'feast'; services are katib, kubeflow-pipelines"),
        ("where <!channel>", "no service matches '&lt;!channel&gt;'"),
        ("cluster stagin-eu", "unknown cluster 'stagin-eu'; did you mean staging-eu or sandbox-eu?"),
        ("cluster", "usage: /platform cluster NAME"),
        ("where", "usage: /platform where SERVICE"),
        ("nonsense", "Usage: `/platform where SERVICE`"),
    ]:
        answer = bot.command(HANNAH, "/platform", text)
        assert answer.status == 200 and answer.data["response_type"] == "ephemeral"
        assert said in answer.text, answer.text
        assert "Traceback" not in answer.text and "<!channel>" not in answer.text
        if text.split()[0] in ("where", "cluster") and len(text.split()) > 1:
            assert answer.text.endswith(c.USAGE[text.split()[0]])
    assert bot.command(HANNAH, "/platform", "help").text == c.HELP


def test_the_list_puts_the_team_first(bot):
    kenji = bot.command(KENJI, "/platform", "clusters").text
    lines = kenji.splitlines()
    assert lines[0] == "*Your team (Search Relevance) works on* (not checked yet)"
    assert lines[1].startswith("• *dev-us* · dev · us-east-1 · run by ML Platform")
    assert lines[2] == "*Other clusters*"
    assert [line.split("*")[1] for line in lines[3:]] == ["sandbox-eu", "dev-eu", "staging-eu", "prod-eu"]
    hannah = bot.command(HANNAH, "/platform", "clusters").text.splitlines()  # ML Platform: no mapping
    assert hannah[0] == "*Clusters* (not checked yet)"
    cli_order = [line.split()[0] for line in cli(bot, "list").splitlines()[1:]]
    assert [line.split("*")[1] for line in hannah[1:]] == cli_order


# --- App Home ------------------------------------------------------------------------------------


def home_of(bot: Bot, user: str) -> list[dict]:
    answer = bot.send(rq.home_opened(bot.slack, user))
    assert answer.status == 200
    bot.slack.wait_for("views.publish", ok=True)
    bot.slack.quiet(0.2)
    return bot.slack.home[user]["blocks"]


def texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] in ("header", "section")]


def test_app_home_shows_the_readers_team_clusters_first(bot):
    saved_report(bot.deps.config.hub.state_dir)
    priya = texts(home_of(bot, PRIYA))
    at = priya.index("Your team's clusters (Risk Analytics)")
    mine = priya[at + 1].splitlines()
    assert [line.split("*")[1] for line in mine] == ["dev-eu", "staging-eu", "prod-eu"]
    assert priya[at + 2] == "Other clusters"
    assert [line.split("*")[1] for line in priya[at + 3].splitlines()] == ["sandbox-eu", "dev-us"]
    assert ":red_circle: 0 of 1 health URLs up" in mine[1] and ":large_green_circle: 1 of 1" in mine[0]
    assert "health URLs" not in mine[2]  # prod-eu was not in the check
    assert "checked 2026-11-23 08:55 UTC" in priya[at + 4]
    hannah = texts(home_of(bot, HANNAH))  # ML Platform is in no cluster's `teams`: content order
    at = hannah.index("Clusters")
    assert [line.split("*")[1] for line in hannah[at + 1].splitlines()] == [
        "sandbox-eu", "dev-eu", "dev-us", "staging-eu", "prod-eu"]
    assert "Your team's clusters" not in " ".join(hannah)


def test_app_home_stays_within_block_kit_limits_with_many_clusters(bot):
    base = bot.deps.hub().clusters[0]
    many = [Cluster.model_validate(base.model_dump(mode="json") | {
        "name": f"c{i:03d}", "region": "région " * 10, "teams": ["Risk Analytics"] if i % 2 else []})
        for i in range(400)]
    blocks = views.home_blocks(many, "Risk Analytics", None)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(units(s) <= SECTION for s in sections)
    assert sections[0].endswith(": `/platform clusters`") and "…and " in sections[0]
    shown = sections[0].count("• ") + int(sections[0].rsplit("…and ", 1)[1].split()[0])
    assert shown == 200  # every cluster of the team is counted, shown or not
    answer = bot.app.client.views_publish(user_id=PRIYA, view={"type": "home", "blocks": blocks})
    assert answer.status_code == 200 and answer["ok"]
    # and the double refuses what Slack refuses: the lines unclipped, or too many blocks
    unclipped = {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(views.line(c) for c in many)}}
    for bad in ([*blocks[:-1], unclipped], [*blocks] * 21):
        with pytest.raises(SlackApiError) as refused:
            bot.app.client.views_publish(user_id=PRIYA, view={"type": "home", "blocks": bad})
        assert refused.value.response.status_code == 200 and refused.value.response["error"] == "invalid_arguments"
    bot.allow("views.publish", "invalid_arguments")


# --- the scheduled health check -----------------------------------------------------------------------


class Endpoint:
    """A health URL on 127.0.0.1 the test switches between up (Kubeflow Pipelines' healthz answer)
    and down (HTTP 503); it records the status of every answer."""

    def __init__(self):
        self.healthy = True
        self.answered: list[int] = []
        self.times: list[float] = []  # time.time() of each answer
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                with endpoint.lock:
                    code = 200 if endpoint.healthy and self.path == HEALTHZ else 503
                    endpoint.answered.append(code)
                    endpoint.times.append(time.time())
                body = (json.dumps({"commit_sha": "0a1b2c3", "tag_name": "2.14.3", "multi_user": True})
                        if code == 200 else "upstream connect error").encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    e = Endpoint()
    yield e
    e.stop()


@pytest.fixture
def closed_port():
    """A loopback port bound but not listening: connecting is refused, and no one else gets it."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    yield s.getsockname()[1]
    s.close()


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    yield s.getsockname()[1]
    s.close()


def lab(root: Copy, mlflow_url: str, toggled: str, refused: int, silent: int) -> Copy:
    """Two clusters whose health URLs are here: the live embedded MLflow (up), Pipelines on the
    switched endpoint, Katib on a closed port (down) and model serving on a silent one (timeout)."""
    for f in root.path("clusters").glob("*.yaml"):
        f.unlink()
    root.write_yaml("clusters/lab-a.yaml", {
        "name": "lab-a", "stage": "sandbox", "region": "this machine", "team": "ML Platform",
        "teams": ["Risk Analytics"], "services": {
            "mlflow-tracking": {"ui": f"{mlflow_url}/", "api": mlflow_url, "health": f"{mlflow_url}/health"},
            "kubeflow-pipelines": {"ui": f"{toggled}/pipeline/", "api": f"{toggled}/pipeline",
                                   "health": f"{toggled}{HEALTHZ}"}}})
    root.write_yaml("clusters/lab-b.yaml", {
        "name": "lab-b", "stage": "sandbox", "region": "this machine", "team": "ML Platform", "services": {
            "katib": {"ui": f"http://127.0.0.1:{refused}/katib/", "health": f"http://127.0.0.1:{refused}/katib/"},
            "model-serving": {"api": f"http://127.0.0.1:{silent}", "health": f"http://127.0.0.1:{silent}/healthz"}}})
    return root


@pytest.fixture
def lab_repo(tmp_path, mlflow_server, endpoint, closed_port, silent_port) -> Copy:
    return lab(copy_repo(tmp_path / "repo"), mlflow_server.url.rstrip("/"), endpoint.url, closed_port, silent_port)


def lab_bot(tmp_path, root: Copy, store_url: str | None = None, every: float = 60) -> Bot:
    slack, github = doubles()
    cfg = bot_config(tmp_path, slack, github, store_url)
    cfg = dataclasses.replace(cfg, hub=dataclasses.replace(cfg.hub, root=root.root), health_every=every,
                              health_timeout=0.5)
    clock = Clock()
    app, deps = build(cfg, clock=clock, publisher=publisher(cfg))
    return Bot(app, deps, slack, github, clock)


def said(slack: FakeSlack, channel: str) -> list[str]:
    slack.quiet(0.2)
    return [m["text"] for m in slack.messages(channel) if "Health URL" in m["text"]]


def assert_one_post_per_transition(slack: FakeSlack) -> None:
    pipelines = said(slack, "sig-pipelines")
    assert len(pipelines) == 2, pipelines
    assert pipelines[0].startswith(":red_circle: *Kubeflow Pipelines* is down on *lab-a* (sandbox): HTTP 503.")
    assert "It was up at the check of" in pipelines[0]
    assert pipelines[1].startswith(":large_green_circle: *Kubeflow Pipelines* is up again on *lab-a* (sandbox): "
                                   "HTTP 200 in ")
    assert "It was down at the check of" in pipelines[1]
    serving = said(slack, "sig-serving")
    assert len(serving) == 1 and ":large_orange_circle: *Model Serving" in serving[0]
    assert "does not answer on *lab-b* (sandbox): no answer within 0.5 s" in serving[0]
    assert "It is new to the check." in serving[0]
    katib = said(slack, "sig-training-tuning")
    assert len(katib) == 1 and "is down on *lab-b* (sandbox): connection refused." in katib[0]
    assert said(slack, "sig-tracking-registry") == []  # MLflow stayed up: nothing to say


def test_the_scheduled_check_posts_each_transition_once_and_keeps_the_result(tmp_path, lab_repo, endpoint):
    bot = lab_bot(tmp_path, lab_repo)
    try:
        sched = Scheduler(bot.deps, bot.app.client)
        state = bot.deps.config.hub.state_dir
        sched.tick(START)
        sched.tick(START + dt.timedelta(seconds=30))  # the same minute: no second check
        assert endpoint.answered == [200]
        endpoint.healthy = False
        for minute in (1, 2, 3):  # down for three checks: one message
            sched.tick(START + dt.timedelta(minutes=minute))
        endpoint.healthy = True
        for minute in (4, 5):
            sched.tick(START + dt.timedelta(minutes=minute))
        assert endpoint.answered == [200, 503, 503, 503, 200, 200]  # one probe per interval
        assert_one_post_per_transition(bot.slack)
        kept = health.load(state)  # what the site's clusters page shows, with its time
        assert kept is not None and kept.checked_at == START + dt.timedelta(minutes=5)
        assert {(r.cluster, r.service): (r.status.value, r.http_status) for r in kept.results} == {
            ("lab-a", "mlflow-tracking"): ("up", 200), ("lab-a", "kubeflow-pipelines"): ("up", 200),
            ("lab-b", "katib"): ("down", None), ("lab-b", "model-serving"): ("timeout", None)}
        assert watch.load(bot.deps.store).report == kept
        answer = bot.command(HANNAH, "/platform", "where katib")  # the answers show the bot's check
        assert "down (connection refused, 2026-11-23 09:05 UTC)" in answer.text
        bot.check_every_answer()
    finally:
        bot.stop()


def test_a_post_slack_refused_is_made_once_on_the_next_tick(tmp_path, lab_repo, endpoint):
    bot = lab_bot(tmp_path, lab_repo)
    try:
        sched = Scheduler(bot.deps, bot.app.client)
        sched.tick(START)
        endpoint.healthy = False
        bot.slack.fail("chat.postMessage", "500", times=3)  # the first try and the client's two retries
        sched.tick(START + dt.timedelta(minutes=1))
        assert said(bot.slack, "sig-pipelines") == []
        assert [p.state for p in watch.load(bot.deps.store).posts] == [watch.PostState.pending]
        sched.tick(START + dt.timedelta(minutes=1, seconds=20))  # no new check; the pending post goes out
        assert len(said(bot.slack, "sig-pipelines")) == 1 and endpoint.answered == [200, 503]
        sched.tick(START + dt.timedelta(minutes=1, seconds=40))
        assert len(said(bot.slack, "sig-pipelines")) == 1 and watch.load(bot.deps.store).posts == ()
        failed = [c for c in bot.slack.calls if not c.ok]
        assert [(c.method, c.status, c.error) for c in failed] == [("chat.postMessage", 500, "internal_error")] * 3
        bot.check_every_answer()
    finally:
        bot.stop()


def test_a_post_missed_for_an_hour_is_recorded_not_flooded(tmp_path, lab_repo, endpoint):
    bot = lab_bot(tmp_path, lab_repo, every=3600 * 24)
    try:
        sched = Scheduler(bot.deps, bot.app.client)
        bot.slack.fail("chat.postMessage", "500", times=6)  # both first posts fail (the client retries twice)
        sched.tick(START)
        assert len(watch.load(bot.deps.store).posts) == 2
        sched.tick(START + dt.timedelta(hours=2))  # the same day: no check, and the posts are too old
        assert watch.load(bot.deps.store).posts == ()
        assert said(bot.slack, "sig-serving") == said(bot.slack, "sig-training-tuning") == []
    finally:
        bot.stop()


def test_two_replicas_on_postgres_check_once_per_interval(tmp_path, lab_repo, endpoint, postgres_url):
    """Two stores on one PostgreSQL, ticking at the same moments in two threads (as two replicas on
    one wall clock): one probe per interval, one post per transition."""
    from .test_bot_store import drop_everything

    bot = lab_bot(tmp_path, lab_repo, store_url=postgres_url)
    other = dataclasses.replace(bot.deps, store=Store(postgres_url, clock=bot.clock))
    try:
        a, b = Scheduler(bot.deps, bot.app.client), Scheduler(other, bot.app.client)
        ticks = 0
        for minute, healthy in [(0, True), (1, True), (2, False), (3, False), (4, True), (5, True)]:
            endpoint.healthy = healthy
            for second in (0, 20, 40):
                now = START + dt.timedelta(minutes=minute, seconds=second)
                threads = [threading.Thread(target=s.tick, args=(now,)) for s in (a, b)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(30)
                ticks += 2
        assert ticks == 36 and endpoint.answered == [200, 200, 503, 503, 200, 200]
        assert_one_post_per_transition(bot.slack)
        bot.check_every_answer()
    finally:
        other.store.engine.dispose()
        bot.deps.store.engine.dispose()
        drop_everything(postgres_url)
        bot.stop()


def test_the_check_is_off_at_zero_and_its_keys_are_validated():
    from bot.config import BotConfig
    from mlhub.config import ConfigError

    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "MLHUB_ROOT": str(REPO)}
    cfg = BotConfig.from_env(env)
    assert (cfg.health_every, cfg.health_timeout) == (300.0, 5.0)
    assert BotConfig.from_env(env | {"MLHUB_BOT_HEALTH_EVERY": "0"}).health_every == 0
    for key, value in [("MLHUB_BOT_HEALTH_EVERY", "5m"), ("MLHUB_BOT_HEALTH_EVERY", "-1"),
                       ("MLHUB_BOT_HEALTH_TIMEOUT", "0"), ("MLHUB_BOT_HEALTH_TIMEOUT", "nan")]:
        with pytest.raises(ConfigError) as exc:
            BotConfig.from_env(env | {key: value})
        assert key in str(exc.value) and repr(value) in str(exc.value)


def test_slots_are_the_same_for_every_replica():
    at = dt.datetime(2026, 11, 23, 9, 4, 59, tzinfo=dt.UTC)
    assert watch.due(None, at, 300)
    report = health.Report(at, 5.0, ())
    assert not watch.due(report, at + dt.timedelta(seconds=0.5), 300)
    assert watch.due(report, at + dt.timedelta(seconds=1), 300)  # 09:05:00 starts the next interval
    assert watch.slot(at.astimezone(dt.timezone(dt.timedelta(hours=9))), 300) == watch.slot(at, 300)


# --- acceptance: two bot processes on one PostgreSQL ---------------------------------------------------


def descendants(pid: int) -> list[int]:
    """A process's children, grandchildren...: a server's gunicorn workers."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


def test_two_bot_processes_post_each_transition_once(tmp_path, lab_repo, endpoint, postgres_url):
    """The production server twice (gunicorn, two workers each, every worker ticking), on one
    PostgreSQL, probing the live embedded MLflow, the switched endpoint (up, down, up), a closed port
    and a silent one; the process that made the last check is killed with SIGKILL while Pipelines is
    down, and the other carries on. Slack hears of each transition exactly once."""
    from .bot_server import ServerProcess
    from .test_bot_store import drop_everything

    every = 2.0  # longer than a check takes (about 0.6 s), so that a second check per interval shows
    slack, github = doubles()
    epoch = time.time()
    args = ("--db", postgres_url, "--root", str(lab_repo.root), "--tick", "0.2", "--health-every", str(every),
            "--health-timeout", "0.5", "--epoch", str(epoch))
    servers = {name: ServerProcess(slack, github, tmp_path / name / "state", *args) for name in ("a", "b")}
    reader = Store(postgres_url, migrate=False)
    clock = lambda: START + dt.timedelta(seconds=time.time() - epoch)  # noqa: E731 - the servers' clock

    def checked(status: str, checks: int = 3, timeout: float = 90.0) -> health.Report:
        """Wait for `checks` checks after now, the last one seeing Pipelines in `status`."""
        since = clock() + dt.timedelta(seconds=(checks - 1) * every)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            report = watch.load(reader).report
            res = report.result("lab-a", "kubeflow-pipelines") if report else None
            if report and report.checked_at > since and res and res.status.value == status:
                return report
            time.sleep(0.05)
        raise AssertionError(f"no check saw Pipelines {status} in time")

    logs = {}
    try:
        for server in servers.values():
            server.wait()
        up = checked("up")
        assert {r.service: r.status.value for r in up.results} == {
            "mlflow-tracking": "up", "kubeflow-pipelines": "up", "katib": "down", "model-serving": "timeout"}
        endpoint.healthy = False
        down = checked("down")
        # kill -9 the process that made the last check (its own copy for the site says which)
        kept = {name: health.load(tmp_path / name / "state") for name in servers}
        victim = max(kept, key=lambda name: r.checked_at if (r := kept[name]) else START)
        proc = servers[victim].proc
        for pid in [proc.pid, *descendants(proc.pid)]:
            os.kill(pid, signal.SIGKILL)
        proc.wait(10)
        endpoint.healthy = True
        again = checked("up")
        survivor = next(name for name in servers if name != victim)
        logs[survivor] = servers[survivor].stop()
        logs[victim] = servers[victim].stop()
    finally:
        for server in servers.values():
            if server.proc.poll() is None:
                server.stop()
        reader.engine.dispose()
        drop_everything(postgres_url)
        github.stop()
    try:
        assert "Traceback" not in logs[survivor], logs[survivor][-3000:]
        assert up.checked_at < down.checked_at < again.checked_at
        # both replicas checked (each keeps its own copy for the site); the survivor made the last check
        assert all(health.load(tmp_path / name / "state") for name in servers)
        assert health.load(tmp_path / survivor / "state").checked_at >= again.checked_at  # type: ignore[union-attr]
        # once per interval: the switched endpoint answered one probe per interval, up, then down, then up
        codes = endpoint.answered
        phases = [code for i, code in enumerate(codes) if i == 0 or codes[i - 1] != code]
        assert phases == [200, 503, 200], codes
        window = [t for t in endpoint.times
                  if up.checked_at <= START + dt.timedelta(seconds=t - epoch) <= again.checked_at]
        intervals = (again.checked_at - up.checked_at).total_seconds() / every
        assert len(window) <= intervals + 2, (len(window), intervals)
        assert_one_post_per_transition(slack)
        assert [c for c in slack.calls if not c.ok] == []  # Slack accepted every call either process made
    finally:
        slack.stop()


def test_every_platform_command_has_a_docs_heading():
    from .test_docs import DOCS, headings

    documented = {" ".join(text.strip("`").split()[:2]) for _, text in headings(DOCS / "bot.md")}
    assert {f"/platform {sub}" for sub in c.USAGE} <= documented
    assert all(f"`/platform {sub}" in c.HELP for sub in c.USAGE if sub != "help")


def test_both_manifests_declare_the_command():
    from bot.manifest import manifest

    http = {s["command"]: s for s in manifest(url="https://mlhub-bot.corp.example")["features"]["slash_commands"]}
    assert http["/platform"]["url"] == "https://mlhub-bot.corp.example/slack/events"
    assert http["/platform"]["usage_hint"] == "help | where SERVICE | cluster NAME | clusters"
    socket = {s["command"]: s for s in manifest(socket_mode=True)["features"]["slash_commands"]}
    assert "/platform" in socket and "url" not in socket["/platform"]
