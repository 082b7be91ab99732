"""The Slack workspace the doubles serve: users with IDs (everyone in community/people.yaml, one
of them in a Slack time zone people.yaml does not know yet), channels with IDs and names (public
ones the bot has not joined, a private one it was invited to, DMs), and their messages."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

REPO = Path(__file__).resolve().parents[2]
TEAM, TEAM_DOMAIN = "T0MLHUB01", "corp"
BOT_USER, BOT_ID, APP_ID = "U0MLHUBBOT", "B0MLHUBBOT", "A0MLHUBAPP"
OUTSIDER = "U0OUTSIDER"  # in the workspace, not in people.yaml
# Hannah moved: Slack knows her new zone before people.yaml does
SLACK_ZONES = {"hannah-okafor": "America/Toronto"}
PRIVATE = {"ml-sync"}  # private channels the bot was invited to (the hosts' choice)
EXTRA_PUBLIC = ["general", "ml-platform", "random"]


@dataclass
class User:
    id: str
    name: str
    real_name: str
    tz: str
    is_bot: bool = False

    def info(self, now: dt.datetime) -> dict:
        zone = ZoneInfo(self.tz)
        local = now.astimezone(zone)
        offset = int(local.utcoffset().total_seconds()) if local.utcoffset() else 0
        profile = {"real_name": self.real_name, "display_name": self.name, "real_name_normalized": self.real_name,
                   "display_name_normalized": self.name, "team": TEAM}
        return {"id": self.id, "team_id": TEAM, "name": self.name, "deleted": False, "real_name": self.real_name,
                "tz": self.tz, "tz_label": local.tzname(), "tz_offset": offset, "profile": profile,
                "is_admin": False, "is_owner": False, "is_bot": self.is_bot, "is_app_user": False,
                "updated": 1700000000}


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    messages: dict[str, dict] = field(default_factory=dict)  # ts -> message

    def info(self, viewer: str) -> dict:
        out = {"id": self.id, "created": 1700000000, "is_archived": self.is_archived,
               "is_member": viewer in self.members, "context_team_id": TEAM}
        if self.is_im:
            other = next(iter(self.members - {viewer}), viewer)
            return out | {"is_im": True, "user": other}
        return out | {"name": self.name, "name_normalized": self.name, "is_channel": not self.is_private,
                      "is_group": False, "is_im": False, "is_private": self.is_private,
                      "num_members": len(self.members)}


class Workspace:
    def __init__(self, root: Path = REPO, clock: Callable[[], float] = time.time):
        """clock: Slack's clock (seconds since the epoch), which gives messages their ts; a test
        whose bot runs on a simulated clock gives the workspace the same one."""
        self.clock = clock
        self.users: dict[str, User] = {BOT_USER: User(BOT_USER, "mlhub", "mlhub", "UTC", is_bot=True),
                                       OUTSIDER: User(OUTSIDER, "visitor", "A Visitor", "Europe/Madrid")}
        people = yaml.safe_load((root / "community/people.yaml").read_text(encoding="utf-8"))["people"]
        for p in people:
            if p.get("slack_id"):
                self.users[p["slack_id"]] = User(p["slack_id"], p["id"], p["name"], SLACK_ZONES.get(p["id"], p["tz"]))
        humans = {u for u in self.users if u != BOT_USER}
        names = [s["slack_channel"] for s in yaml.safe_load((root / "community/sigs.yaml").read_text())["sigs"]]
        ceremonies = yaml.safe_load((root / "community/ceremonies.yaml").read_text())
        names += [c["slack_channel"] for c in ceremonies.values() if isinstance(c, dict) and "slack_channel" in c]
        self.channels: dict[str, Channel] = {}
        for n, name in enumerate(dict.fromkeys(names + EXTRA_PUBLIC), 1):
            private = name in PRIVATE
            cid = f"C0{n:07d}"  # Slack gives private channels C ids too
            self.channels[cid] = Channel(cid, name, is_private=private,
                                         members=set(humans) | ({BOT_USER} if private else set()))
        self._last_us = 0

    # --- lookups ---------------------------------------------------------------------------------

    def channel_named(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def dm(self, a: str, b: str) -> Channel:
        """The direct-message conversation of two members (created on first use, as Slack does)."""
        for c in self.channels.values():
            if c.is_im and c.members == {a, b}:
                return c
        cid = f"D0{len(self.channels):08d}"
        self.channels[cid] = Channel(cid, "directmessage", is_im=True, members={a, b})
        return self.channels[cid]

    def next_ts(self) -> str:
        """Slack's ts: the time on its clock, in microseconds, unique and increasing in a channel."""
        n = self._last_us = max(self._last_us + 100, int(self.clock() * 1_000_000))
        return f"{n // 1_000_000}.{n % 1_000_000:06d}"

    def post(self, channel: Channel, user: str, text: str, blocks: list | None = None,
             metadata: dict | None = None) -> dict:
        ts = self.next_ts()
        message = {"type": "message", "user": user, "text": text, "ts": ts, "team": TEAM}
        if metadata is not None:
            message["metadata"] = metadata
        if user == BOT_USER:
            message |= {"bot_id": BOT_ID, "app_id": APP_ID}
        if blocks:
            message["blocks"] = blocks
        channel.messages[ts] = message
        return message

    def say(self, user: str, channel_name: str, text: str) -> tuple[Channel, dict]:
        """A person posts a message (so that a shortcut can be used on it)."""
        channel = self.channel_named(channel_name)
        assert channel is not None, channel_name
        return channel, self.post(channel, user, text)

    def rename(self, old: str, new: str) -> None:
        channel = self.channel_named(old)
        assert channel is not None
        channel.name = new

