"""The ceremonies' scheduler over a simulated month across a daylight-saving change: every
reminder and agenda draft once and only once, across a restart and with two processes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import Counter

from bot.scheduler import GRACE, Scheduler
from bot.store import Store
from mlhub import calendar
from mlhub.content import load

from .bot_fixtures import make_bot
from .conftest import REPO

START = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)  # the US changes on 03-14, Europe on 03-28
END = dt.datetime(2027, 3, 31, tzinfo=dt.UTC)
STEP = dt.timedelta(minutes=10)


def expected(start, end) -> Counter:
    """Independently: the posts a month should hold, from the calendars."""
    hub = load(REPO)
    want = Counter()
    for occ in calendar.upcoming(hub, start - dt.timedelta(days=2), days=40):
        dues = {"ml-sync": [occ.start - dt.timedelta(days=1), occ.start - dt.timedelta(minutes=15), occ.end],
                "community-sessions": [occ.start - dt.timedelta(days=1)]}.get(
            occ.calendar, [occ.start - dt.timedelta(minutes=15)])
        for due in dues:
            if start <= due < end:
                want[occ.calendar] += 1
    return want


def posted(bot) -> list[dict]:
    return [m for m in bot.slack.delivered("chat.postMessage")]


def by_calendar(bot, messages) -> Counter:
    """Count posts per calendar; the bot posts by channel id, resolved once from the names."""
    hub = load(REPO)
    names = {s.slack_channel: s.id for s in hub.sigs} | {"ml-sync": "ml-sync", "ml-community": "community-sessions"}
    channels = {bot.slack.channel(name).id: cal for name, cal in names.items()}
    return Counter(channels[m["channel"]] for m in messages)


def run(schedulers, start, end):
    now = start
    i = 0
    while now < end:
        schedulers[i % len(schedulers)].tick(now)
        now += STEP
        i += 1


def test_a_month_across_dst_with_a_restart_posts_each_job_once(bot):
    # a month in seconds posts faster than Slack's one message per second per channel: Slack says
    # ratelimited, and the bot's client waits for Retry-After and posts again
    bot.allow("chat.postMessage", "ratelimited")
    middle = dt.datetime(2027, 3, 16, 7, 3, tzinfo=dt.UTC)
    run([Scheduler(bot.deps, bot.app.client)], START, middle)
    # the bot restarts: a new process, a new store connection, the same database
    restarted = dataclasses.replace(bot.deps, store=Store(bot.deps.config.db_url, clock=bot.clock))
    run([Scheduler(restarted, bot.app.client)], middle, END)
    restarted.store.engine.dispose()
    messages = posted(bot)
    assert len(messages) == len({(m["channel"], m["text"]) for m in messages})  # nothing twice
    assert by_calendar(bot, messages) == expected(START, END)
    # wall-clock times hold across the change: the SIG Pipelines sync is always 10:00 in New York
    ny = [m["text"] for m in messages if m["channel"] == bot.slack.channel("sig-pipelines").id]
    assert ny and all("10:00 E" in t for t in ny)
    assert any("10:00 EST (15:00 UTC)" in t for t in ny) and any("10:00 EDT (14:00 UTC)" in t for t in ny)
    drafts = [m["text"] for m in messages if m["text"].startswith("*ML Sync agenda draft*")]
    assert len(drafts) == expected(START, END)["ml-sync"] // 3
    # the ML Sync's channel is private: found by id through conversations.list, once
    assert len(bot.slack.delivered("conversations.list")) == 1


def test_two_processes_on_postgres_post_each_job_once(tmp_path, postgres_url):
    bot = make_bot(tmp_path, store_url=postgres_url)
    try:
        other = dataclasses.replace(bot.deps, store=Store(postgres_url, clock=bot.clock))
        a, b = Scheduler(bot.deps, bot.app.client), Scheduler(other, bot.app.client)
        end = dt.datetime(2027, 3, 15, tzinfo=dt.UTC)
        now = START
        while now < end:  # both processes tick at the same moments, as with one wall clock
            threads = [threading.Thread(target=s.tick, args=(now,)) for s in (a, b)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            now += STEP
        messages = posted(bot)
        assert len(messages) == len({(m["channel"], m["text"]) for m in messages})
        assert by_calendar(bot, messages) == expected(START, end), [m["text"][:60] for m in messages]
    finally:
        from .test_bot_store import drop_everything

        other.store.engine.dispose()
        bot.deps.store.engine.dispose()
        drop_everything(postgres_url)
        bot.slack.stop()
        bot.github.stop()


def test_after_downtime_recent_jobs_fire_late_and_old_ones_are_missed(bot):
    sched = Scheduler(bot.deps, bot.app.client)
    sched.tick(START)
    # the SIG Pipelines reminder is due 09:45 New York time on Wed 2027-03-03 (14:45 UTC)
    due = dt.datetime(2027, 3, 3, 14, 45, tzinfo=dt.UTC)
    fired = sched.tick(due + dt.timedelta(minutes=40))  # down for 40 minutes: within the grace
    assert any(k.startswith("sig-pipelines:") for k in fired)
    late = [m["text"] for m in posted(bot) if m["channel"] == bot.slack.channel("sig-pipelines").id]
    assert len(late) == 1 and "posted late" in late[0]
    # down for two days: everything in between is recorded as missed, not flooded
    before = len(posted(bot))
    gap_end = dt.datetime(2027, 3, 10, tzinfo=dt.UTC)
    fired = sched.tick(gap_end)
    assert len(posted(bot)) - before == len(fired)
    states = Counter(bot.deps.store.job_states(before=gap_end - GRACE))
    assert states["missed"] > 0 and states["pending"] == 0
