"""Channel ids, resolved once and stored: content names channels (sigs.yaml, ceremonies.yaml),
Slack wants ids. Names are looked up with conversations.list (public channels, and the private
ones the bot was invited to); a stored id keeps working when the channel is renamed."""

from __future__ import annotations

import datetime as dt
import logging
import time

from bot.refusal import Refusal

log = logging.getLogger("mlhub.bot.channels")
TYPES = "public_channel,private_channel"
RETRY_MISSING = 300.0  # seconds before a name Slack did not know is looked up again
CLAIM_LEASE = dt.timedelta(minutes=2)  # a claim to post: far longer than a post with the client's retries


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

    def post_once(self, client, key: str, name: str, text: str, blocks: list | None = None,
                  lease: dt.timedelta = CLAIM_LEASE) -> dict | None:
        """Post a message that must appear once across processes (an FCP's end, its live message):
        claimed with a lease before posting, its place (channel and ts) written down the moment
        Slack answers. Returns where it is, or None while another process is posting it. A claim
        whose owner died is taken over after its lease; what the owner had posted is not posted
        again. (Only a death between Slack's answer and that write posts it twice.)"""
        mine, left = self.store.claim(key, lease)
        if mine and left is None:
            posted = self.post(client, name, text, blocks)
            left = f"{posted['channel']}/{posted['ts']}"
            self.store.note_claim(key, left)
        if left is None:
            return None
        self.store.finish(key, left)
        channel, _, ts = left.partition("/")
        return {"channel": channel, "ts": ts}
