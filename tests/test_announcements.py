"""A filing finished by `mlhub outbox retry` instead of the bot is told as the bot would have told
it: the request posted in its SIG's channel with its Support button and the requester told, the
RFC's author told; once, however many replicas tick and whoever ticks first, and also when the bot
was not running while the retry finished it (the announcement waits in the store)."""

from __future__ import annotations

import threading

from click.testing import CliRunner

from bot.publishing import ANNOUNCE, announce_due
from bot.run import build
from bot.scheduler import Scheduler
from mlhub.publish.outbox import EntryState

from . import publish_faults as pf
from .bot_fixtures import Clock, dms_to, make_bot, publisher, wait_until
from .fakes import slack_requests as rq

PRIYA, LEA = "U04PRAMAN01", "U04LFISCHER"
SPOT = {"title": "Spot instances for Katib trials", "services": "katib",
        "problem": "Our tuning runs hold on-demand GPUs for days; trials could run on spot capacity instead."}


def sig_posts(bot) -> list[dict]:
    return [m for m in bot.slack.messages("sig-training-tuning") if "Spot instances" in m["text"]]


def replica(bot):
    """A second bot process's app and store, on the same database and doubles."""
    app, deps = build(bot.deps.config, clock=Clock(bot.clock()), publisher=publisher(bot.deps.config))
    return app, deps


def file_from_slack(bot, user=PRIYA) -> None:
    assert bot.command(user, "/request", "new").status == 200
    bot.slack.wait_for("views.open", 1, ok=True)
    view = list(bot.slack.views)[-1]
    resp = bot.send(rq.submit(bot.slack, user, view, SPOT))
    assert (resp.status, resp.body) == (200, ""), resp.body


def test_a_request_finished_by_outbox_retry_is_told_once_across_two_replicas(bot, tmp_path):
    bot.github.fail("create_pull", "422")
    file_from_slack(bot)
    wait_until(lambda: any("Left for later" in t for t in dms_to(bot, PRIYA)), 20)
    assert bot.github.pulls == [] and sig_posts(bot) == []  # nothing posted of what is not published
    code, out = pf.retry(bot, tmp_path)
    assert code == 0 and "pull request #1 is open" in out, out
    (entry,) = bot.deps.outbox.entries(kind="request")
    assert entry.state is EntryState.done and bot.deps.store.open_claims(ANNOUNCE) == [ANNOUNCE + entry.id]
    assert sig_posts(bot) == [] and not any("is filed as" in t for t in dms_to(bot, PRIYA))  # the CLI posts nothing
    # two replicas notice it at the same moment; then both tick, twice
    other_app, other = replica(bot)
    try:
        start = threading.Barrier(2)
        told: list[list[str]] = []

        def run(deps, client):
            start.wait()
            told.append(announce_due(deps, client))

        pairs = ((bot.deps, bot.app.client), (other, other_app.client))
        threads = [threading.Thread(target=run, args=pair) for pair in pairs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(len(t) for t in told) == [0, 1]  # one replica told it, the other found it told
        for deps, app in ((bot.deps, bot.app), (other, other_app)):
            Scheduler(deps, app.client).tick(bot.clock())
    finally:
        other.store.engine.dispose()
    bot.slack.quiet(0.3)
    (posted,) = sig_posts(bot)
    button = posted["blocks"][-1]["elements"][0]
    assert (button["action_id"], button["value"]) == ("request_support", "spot-instances-for-katib-trials")
    filed = [t for t in dms_to(bot, PRIYA) if "is filed as `spot-instances-for-katib-trials`" in t]
    assert len(filed) == 1 and "/pull/1" in filed[0]
    assert bot.deps.store.open_claims(ANNOUNCE) == []


def test_a_filing_the_bot_finishes_is_told_at_once_and_never_again_by_the_ticker(bot):
    file_from_slack(bot)
    wait_until(lambda: any("is filed as" in t for t in dms_to(bot, PRIYA)), 20)
    Scheduler(bot.deps, bot.app.client).tick(bot.clock())
    bot.slack.quiet(0.3)
    assert len(sig_posts(bot)) == 1 and sum("is filed as" in t for t in dms_to(bot, PRIYA)) == 1


def test_a_filing_made_while_the_bot_was_down_is_told_by_the_bot_that_starts(tmp_path):
    first = make_bot(tmp_path)
    cfg = first.deps.config
    env = {"MLHUB_ROOT": str(cfg.hub.root), "MLHUB_STATE_DIR": str(cfg.hub.state_dir), "MLHUB_BOT_DB": cfg.db_url,
           "GITHUB_URL": first.github.url, "GITHUB_TOKEN": "test-token",
           "GITHUB_REPO": f"{first.github.owner}/{first.github.name}"}
    from mlhub.cli import main

    try:
        first.deps.store.engine.dispose()  # the bot stops; the CLI files alone
        res = CliRunner().invoke(main, ["request", "new", SPOT["title"], "--problem", SPOT["problem"],
                                        "--by", "priya-raman", "--service", "katib", "--yes"], env=env)
        assert res.exit_code == 0 and "pull request #1 is open" in res.output, res.output
        assert first.slack.delivered("chat.postMessage") == []
        app, deps = build(cfg, clock=first.clock, publisher=publisher(cfg))  # the bot starts again
        try:
            Scheduler(deps, app.client).tick(first.clock())
            Scheduler(deps, app.client).tick(first.clock())
        finally:
            deps.store.engine.dispose()
        first.slack.quiet(0.3)
        assert len(sig_posts(first)) == 1
        assert sum("is filed as" in t for t in dms_to(first, PRIYA)) == 1
    finally:
        first.stop()


def test_an_rfc_finished_by_outbox_retry_is_told_to_its_author_once(bot, tmp_path):
    from bot.ceremonies.rfc import publish_filing
    from mlhub.rfc import filing

    req = filing.RfcRequest(title="Adopt Feast", sig="sig-pipelines", author="lea-fischer")
    entry_id = filing.submit(bot.deps.hub(), bot.deps.outbox, req, bot.clock().date())
    bot.github.fail("create_pull", "422")
    publish_filing(bot.deps, bot.app.client, LEA, entry_id)
    assert any("Left for later" in t for t in dms_to(bot, LEA))
    code, out = pf.retry(bot, tmp_path)
    assert code == 0 and "pull request #1 is open" in out, out
    assert not any("is filed" in t for t in dms_to(bot, LEA))
    for _ in range(2):
        Scheduler(bot.deps, bot.app.client).tick(bot.clock())
    bot.slack.quiet(0.3)
    (told,) = [t for t in dms_to(bot, LEA) if "is filed" in t]
    assert told.startswith("RFC 0003 is filed:") and "pull request #1" in told
    assert "moves to review" in bot.command(LEA, "/rfc", "ready 3 wei-zhang").text  # the filing is recorded too
