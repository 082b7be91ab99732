"""Channel ids, resolved once and stored: content names channels (sigs.yaml, ceremonies.yaml),
Slack wants ids. Names are looked up with conversations.list (public channels, and the private
ones the bot was invited to); a stored id keeps working when the channel is renamed. Posts made
under a claim carry the claim's key in Slack message metadata, so that whoever takes a claim over
finds what a dead owner posted (conversations.history) instead of posting it again. A claimed post
whose answer never came (a dropped connection, a timeout, Slack's internal_error) may have been
made: it is sent again only after the history shows it was not, never blindly by the client."""

from __future__ import annotations

import copy
import datetime as dt
import logging
import os
import sys
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.refusal import Refusal

log = logging.getLogger("mlhub.bot.channels")
TYPES = "public_channel,private_channel"
RETRY_MISSING = 300.0  # seconds before a name Slack did not know is looked up again
CLAIM_LEASE = dt.timedelta(minutes=2)  # a claim to post: far longer than a post with the client's retries
EVENT_TYPE = "mlhub_claimed_post"  # the metadata's event_type: letters, digits, underscores (Slack's rule)
SKEW = dt.timedelta(minutes=5)  # Slack's clock may be behind ours: read its history from this much earlier
HISTORY_PAGE = 200
RESENDS = 2  # a claimed post whose answer was lost is sent again at most this often, each after a history read
# Slack's answers that say a call may have been carried out all the same ("It's possible some aspect
# of the operation succeeded before the error was raised": chat.postMessage's errors)
UNSURE_ERRORS = frozenset({"internal_error", "fatal_error"})
# Test-only fault point (tests/test_claim_takeover.py): MLHUB_TEST_FAULT="before-post:S" or
# "after-post:S" makes a claimed post wait S seconds just before chat.postMessage, or just after
# Slack answered and before anything is written down, so that a test can kill -9 the process
# there. Read once, at import; unset in production, where it costs one string comparison per post.
_FAULT = os.environ.get("MLHUB_TEST_FAULT", "")


def metadata(key: str) -> dict:
    """The metadata a claimed post carries (Slack's shape: event_type and an event_payload object)."""
    return {"event_type": EVENT_TYPE, "event_payload": {"mlhub_key": key}}


def unsure(exc: BaseException, since: dt.datetime | None = None) -> bool:
    """Whether a failed post may have been made all the same: by this attempt, when no answer came
    (a dropped connection, a timeout: OSError) or Slack answered that it failed partway (a 5xx,
    internal_error, fatal_error); or by an earlier owner of the claim (`since` is set). Any other
    answer of Slack's (channel_not_found, ratelimited ...) says that this attempt posted nothing."""
    if since is not None:
        return True
    if isinstance(exc, SlackApiError):
        return getattr(exc.response, "status_code", 200) >= 500 or exc.response.get("error") in UNSURE_ERRORS
    return isinstance(exc, OSError)


def careful(client):
    """The client without the retries that would resend a post blindly (after a lost connection or
    a server error it may have been made): only rate limits, refused before anything is done, are
    retried. A shallow copy: the token, URL, timeout and proxy are the client's own."""
    if not hasattr(client, "retry_handlers"):
        return client
    sender = copy.copy(client)
    sender.retry_handlers = [h for h in client.retry_handlers if isinstance(h, RateLimitErrorRetryHandler)]
    return sender


def _why(exc: BaseException) -> str:
    return str(exc.response.get("error")) if isinstance(exc, SlackApiError) else type(exc).__name__


def _fault(point: str, key: str) -> None:
    if _FAULT.startswith(point + ":"):
        print(f"mlhub test fault: {point} {key}", file=sys.stderr, flush=True)
        time.sleep(float(_FAULT.partition(":")[2]))


class Channels:
    def __init__(self, store):
        self.store = store
        self._missing: dict[str, float] = {}

    def id(self, client, name: str) -> str:
        """The id of #name; raises Refusal (to tell a person) when Slack has no such channel."""
        name = name.lstrip("#")
        found = self.store.channel_id(name)
        if found:
            return found
        if time.monotonic() - self._missing.get(name, -RETRY_MISSING) < RETRY_MISSING:
            raise self._refusal(name)
        cursor = None
        while True:
            page = client.conversations_list(types=TYPES, exclude_archived=True, limit=1000, cursor=cursor)
            for channel in page["channels"]:
                self.store.save_channel(channel["name"], channel["id"])
                if channel["name"] == name:
                    found = channel["id"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        if found:
            return found
        self._missing[name] = time.monotonic()
        raise self._refusal(name)

    @staticmethod
    def _refusal(name: str) -> Refusal:
        log.warning("no Slack channel #%s", name)
        return Refusal(f"Slack has no channel #{name} that I can see: create it, or invite me (/invite @mlhub) "
                       "if it is private, or fix its name in community/")

    def post(self, client, name: str, text: str, blocks: list | None = None) -> dict:
        """Post in a channel named by content; returns Slack's answer (channel id and ts)."""
        kwargs = {"blocks": blocks} if blocks is not None else {}
        return client.chat_postMessage(channel=self.id(client, name), text=text, **kwargs).data

    def post_claimed(self, client, key: str, name: str, text: str, blocks: list | None = None,
                     since: dt.datetime | None = None) -> dict:
        """Post under a claim: the message carries the claim's key in its metadata. `since`: when an
        earlier owner may have posted it (None when nobody can have): then the channel's history
        from then on is read first, and the message found there is returned ("found": True) instead
        of posting it again. If the history cannot be read, it says so in the log and posts: at
        least once. A post whose answer is lost (a dropped connection, internal_error) is sent again
        only after a history read shows it was not made (RESENDS); after a timeout, or when that
        read fails too, the error is raised: the claim's next owner looks (release(unsure=True))."""
        channel = self.id(client, name)
        return self._claimed(client, key, channel, lambda: channel, f"#{name}", since, text, blocks)

    def dm_claimed(self, client, key: str, user: str, text: str, since: dt.datetime | None = None) -> dict:
        """A direct message under a claim (the app's DM with a person), as post_claimed; its history
        is the DM's, whose id conversations.open gives (scopes im:write, im:history)."""
        return self._claimed(client, key, user, lambda: client.conversations_open(users=user)["channel"]["id"],
                             f"the DM with {user}", since, text, None)

    def _claimed(self, client, key: str, to: str, history: Callable[[], str], where: str,
                 since: dt.datetime | None, text: str, blocks: list | None) -> dict:
        if since is not None:
            try:
                found = self.find_posted(client, history(), key, since)
            except (SlackApiError, OSError) as exc:  # OSError: Slack unreachable past the client's retries
                log.warning("could not read %s's history to see whether %s was posted before the takeover "
                            "(%s): posting it, perhaps a second time", where, key, _why(exc))
            else:
                if found:
                    log.info("%s was posted before the takeover (ts %s): not posted again", key, found["ts"])
                    return found
        kwargs = {"blocks": blocks} if blocks is not None else {}
        sender, started, sent = careful(client), self.store.clock(), 0
        while True:
            if _FAULT:
                _fault("before-post", key)
            try:
                posted = sender.chat_postMessage(channel=to, text=text, metadata=metadata(key), **kwargs).data
            except (SlackApiError, OSError) as exc:
                # a timeout: the post may still be under way at Slack, where no history shows it yet
                if sent == RESENDS or not unsure(exc) or isinstance(exc, TimeoutError):
                    raise
                sent += 1
                log.warning("no answer from Slack to the post of %s in %s (%s): reading its history before "
                            "sending it again", key, where, _why(exc))
                try:
                    found = self.find_posted(client, history(), key, started)
                except (SlackApiError, OSError):
                    raise exc from None  # still unsure: the claim's next owner reads the history again
                if found:
                    log.info("%s was posted, its answer lost (ts %s): not posted again", key, found["ts"])
                    return found
                continue
            if _FAULT:
                _fault("after-post", key)
            return posted

    @staticmethod
    def find_posted(client, channel: str, key: str, since: dt.datetime) -> dict | None:
        """The message carrying key that the bot posted in a channel since a moment, or None. The
        bot is not a member of the public channels it posts in (chat:write.public): it joins the
        channel when Slack says not_in_channel, since history is for members only."""
        oldest, cursor, joined = f"{(since - SKEW).timestamp():.6f}", None, False
        while True:
            try:
                page = client.conversations_history(channel=channel, oldest=oldest, include_all_metadata=True,
                                                    limit=HISTORY_PAGE, cursor=cursor)
            except SlackApiError as exc:
                if exc.response.get("error") != "not_in_channel" or joined:
                    raise
                client.conversations_join(channel=channel)
                joined = True
                continue
            for message in page["messages"]:
                meta = message.get("metadata") or {}
                if meta.get("event_type") == EVENT_TYPE and (meta.get("event_payload") or {}).get("mlhub_key") == key:
                    return {"channel": channel, "ts": message["ts"], "found": True}
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return None

    def post_once(self, client, key: str, name: str, text: str, blocks: list | None = None,
                  lease: dt.timedelta = CLAIM_LEASE) -> dict | None:
        """Post a message that must appear once across processes (an FCP's end, its live message):
        claimed with a lease before posting, its place (channel and ts) written down the moment
        Slack answers. Returns where it is, or None while another process is posting it. A claim
        whose owner died is taken over after its lease: what that owner posted is found in the
        channel's history by the claim's key (post_claimed) and not posted again."""
        taken = self.store.take(key, lease)
        left = taken.result
        if taken.mine and left is None:
            posted = self.post_claimed(client, key, name, text, blocks, since=taken.since)
            left = f"{posted['channel']}/{posted['ts']}"
            self.store.note_claim(key, left)
        if left is None:
            return None
        self.store.finish(key, left)
        channel, _, ts = left.partition("/")
        return {"channel": channel, "ts": ts}
