"""An announcement (a filing finished by `mlhub outbox retry`: the request in its SIG's channel, the
requester's DM) is made once when its announcer dies after Slack answered and before the claim is
finished (the next replica's tick, after ANNOUNCE_LEASE, finds both posts in the history by the
claim's key), and when the DM's answer is lost after the SIG post was made (the SIG post is found,
not repeated; the DM is found or, when it was never made, made once)."""

from __future__ import annotations

from bot.publishing import ANNOUNCE, ANNOUNCE_LEASE, announce_due
from mlhub.publish.outbox import EntryState

from . import publish_faults as pf
from .bot_fixtures import wait_until
from .fakes.slack import BOT_USER
from .test_announcements import PRIYA, dms_to, file_from_slack, sig_posts


class Killed(BaseException):
    """The process dies here: nothing after it runs, not even `except Exception` blocks."""


def filed_by_retry(bot, tmp_path) -> str:
    """A request whose pull request GitHub refused once, finished by `mlhub outbox retry`: its
    announcement waits in the store for the bot's tick. Its entry id."""
    bot.github.fail("create_pull", "422")
    file_from_slack(bot)
    wait_until(lambda: any("Left for later" in t for t in dms_to(bot, PRIYA)), 20)
    code, out = pf.retry(bot, tmp_path)
    assert code == 0, out
    (entry,) = bot.deps.outbox.entries(kind="request")
    assert entry.state is EntryState.done and bot.deps.store.open_claims(ANNOUNCE) == [ANNOUNCE + entry.id]
    bot.slack.calls.clear()
    bot.allow("conversations.history", "not_in_channel")  # a takeover in the SIG channel: the bot joins, reads
    return entry.id


def told(bot) -> tuple[int, int]:
    """Messages in Slack: the request in its SIG's channel, the requester's DMs saying it is filed."""
    bot.slack.quiet(0.3)
    dm = bot.slack.ws.dm(BOT_USER, PRIYA)
    return len(sig_posts(bot)), sum("is filed as" in m["text"] for m in dm.messages.values())


def calls(bot) -> list[tuple[str, int, str | None, bool]]:
    """Every Slack call since the filing (but conversations.list, which resolves the SIG channel's
    name once): method, status, error, whether its answer was lost."""
    return [(c.method, c.status, c.error, c.lost) for c in bot.slack.calls if c.method != "conversations.list"]


def keyed(bot, key: str) -> int:
    return sum((m.get("metadata") or {}).get("event_payload", {}).get("mlhub_key") == key
               for ch in bot.slack.ws.channels.values() for m in ch.messages.values())


def test_an_announcer_killed_after_slack_answered_is_not_repeated(bot, tmp_path):
    entry = filed_by_retry(bot, tmp_path)
    real_finish = bot.deps.store.finish

    def die(key, result):  # killed right after Slack answered both posts, before the claim is finished
        if key.startswith(ANNOUNCE):
            raise Killed()
        return real_finish(key, result)

    bot.deps.store.finish = die
    try:
        announce_due(bot.deps, bot.app.client)
    except Killed:
        pass
    finally:
        bot.deps.store.finish = real_finish
    assert told(bot) == (1, 1)
    assert calls(bot) == [("chat.postMessage", 200, None, False)] * 2
    bot.slack.calls.clear()
    assert announce_due(bot.deps, bot.app.client) == []  # within the lease: nobody takes it over
    bot.clock.advance(seconds=ANNOUNCE_LEASE.total_seconds() + 60)
    assert announce_due(bot.deps, bot.app.client) == [entry]  # another replica's tick, after the lease
    assert told(bot) == (1, 1) and keyed(bot, ANNOUNCE + entry) == 2
    assert calls(bot) == [("conversations.history", 200, "not_in_channel", False),
                          ("conversations.join", 200, None, False),
                          ("conversations.history", 200, None, False),  # the SIG post is there
                          ("conversations.open", 200, None, False),
                          ("conversations.history", 200, None, False)]  # and the DM: nothing is posted
    assert bot.deps.store.open_claims(ANNOUNCE) == []


def test_a_dm_whose_answer_is_lost_is_looked_up_and_the_sig_post_is_not_repeated(bot, tmp_path):
    entry = filed_by_retry(bot, tmp_path)
    bot.slack.fail(f"chat.postMessage:{PRIYA}", "lost")  # Slack makes the DM; the bot never hears it
    bot.slack.fail("conversations.history", "500", times=3)  # nor read the DM's history: 1 try, 2 retries
    before = bot.deps.store.open_claims(ANNOUNCE)
    assert announce_due(bot.deps, bot.app.client) == []  # the announcement fails: the DM is unsure
    assert before == [ANNOUNCE + entry] and bot.deps.store.open_claims(ANNOUNCE) == before  # left for the next tick
    assert told(bot) == (1, 1)
    assert calls(bot) == [("chat.postMessage", 200, None, False),  # the SIG post
                          ("chat.postMessage", 200, None, True),  # the DM, its answer lost
                          ("conversations.open", 200, None, False),
                          *[("conversations.history", 500, "internal_error", False)] * 3]  # no resend: unsure
    bot.slack.calls.clear()
    assert announce_due(bot.deps, bot.app.client) == [entry]  # the next tick, at once: no lease to wait for
    assert told(bot) == (1, 1)  # both found in the history, neither posted again
    assert calls(bot) == [("conversations.history", 200, "not_in_channel", False),
                          ("conversations.join", 200, None, False),
                          ("conversations.history", 200, None, False),
                          ("conversations.open", 200, None, False),
                          ("conversations.history", 200, None, False)]
    assert bot.deps.store.open_claims(ANNOUNCE) == [] and keyed(bot, ANNOUNCE + entry) == 2


def test_a_lost_dm_answer_is_resent_only_after_the_history_shows_it_missing(bot, tmp_path):
    entry = filed_by_retry(bot, tmp_path)
    bot.slack.fail(f"chat.postMessage:{PRIYA}", "500", times=3)  # internal_error: maybe made; here not
    assert announce_due(bot.deps, bot.app.client) == []  # three tries, each after a history read: unsure
    assert told(bot) == (1, 0)
    dm = [("chat.postMessage", 500, "internal_error", False), ("conversations.open", 200, None, False),
          ("conversations.history", 200, None, False)]
    assert calls(bot) == [("chat.postMessage", 200, None, False), *dm, *dm, dm[0]]
    bot.slack.calls.clear()
    assert announce_due(bot.deps, bot.app.client) == [entry]
    assert told(bot) == (1, 1)  # the SIG post found, the DM made once
    assert calls(bot) == [("conversations.history", 200, "not_in_channel", False),
                          ("conversations.join", 200, None, False),
                          ("conversations.history", 200, None, False),
                          ("conversations.open", 200, None, False),
                          ("conversations.history", 200, None, False),
                          ("chat.postMessage", 200, None, False)]
