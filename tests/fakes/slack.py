"""A local double of Slack's Web API and response URLs, as strict as Slack: IDs for users and
channels (names only where Slack resolves them), membership (`not_in_channel`,
`channel_not_found`), message metadata (`invalid_metadata_format`, `invalid_metadata_schema`) and
history (conversations.history: members only, the history scope of the channel's type, `oldest`,
cursor paging), trigger ids single-use and expiring after 3 s, Block Kit limits
(`invalid_blocks` for messages, `invalid_arguments` for views), `unknown_method`, `missing_scope`
against the manifest's scopes, `not_authed` / `invalid_auth`, per-method rate-limit tiers with
Retry-After, and a configurable latency per call. Every call and every answer is recorded.
Faults per method, or per method and conversation ("chat.postMessage:U0..."; fail): a status
("500": internal_error, nothing done), "429", or "lost": the call is carried out and the
connection closed before its answer (a post Slack made that the bot never hears of).

Method scopes, tiers and error names come from slack_shapes/methods.json (see its README)."""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.fakes import slack_blockkit as kit
from tests.fakes.server import LocalDouble
from tests.fakes.slack_workspace import APP_ID, BOT_ID, BOT_USER, TEAM, TEAM_DOMAIN, Channel, Workspace

SHAPES = json.loads((Path(__file__).parent / "slack_shapes/methods.json").read_text())["methods"]
MANIFEST = Path(__file__).resolve().parents[2] / "bot/manifest.yml"
TIER_PER_MINUTE = {"t1": 1, "t2": 20, "t3": 50, "t4": 100, "t5": 100}
TRIGGER_TTL = 3.0  # seconds a trigger_id may be exchanged for a view
RESPONSE_URL_USES, RESPONSE_URL_TTL = 5, 30 * 60
MAX_TEXT = 40_000
EVENT_TYPE = re.compile(r"[A-Za-z0-9_-]+")  # Slack: letters, numbers, underscores and hyphens, no periods
LOST = 0  # handle()'s status for a call whose answer is never sent
HISTORY_SCOPE = {"public": "channels:history", "private": "groups:history", "im": "im:history"}
MAX_HISTORY_LIMIT = 999


def manifest_scopes(path: Path = MANIFEST) -> set[str]:
    return set(yaml.safe_load(path.read_text())["oauth_config"]["scopes"]["bot"])


@dataclass
class Call:
    method: str
    args: dict
    status: int
    answer: dict
    at: float = field(default_factory=time.monotonic)
    injected: bool = False  # a fault a test asked for (slack.fail)
    lost: bool = False  # carried out, its answer never sent: the connection was closed (fault "lost")

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.answer.get("ok"))

    @property
    def error(self) -> str | None:
        return None if self.ok else str(self.answer.get("error") or self.status)


class SlackError(Exception):
    def __init__(self, error: str, status: int = 200, **extra: Any):
        super().__init__(error)
        self.body = {"ok": False, "error": error, **extra}
        self.status = status


class FakeSlack(LocalDouble):
    def __init__(self, token: str = "xoxb-test-token", app_token: str = "xapp-1-test", scopes: set[str] | None = None,
                 latency: float = 0.0, workspace: Workspace | None = None):
        self.token, self.app_token, self.latency = token, app_token, latency
        self.scopes = manifest_scopes() if scopes is None else scopes
        self.ws = workspace or Workspace()
        self.calls: list[Call] = []
        self.responses: list[Call] = []  # posts to response URLs: method is the URL
        self.triggers: dict[str, dict] = {}  # trigger_id -> {user, at, used}
        self.response_urls: dict[str, dict] = {}  # url path -> {user, channel, at, uses}
        self.views: dict[str, dict] = {}  # view id -> {view, user}
        self.home: dict[str, dict] = {}  # user -> published Home view
        self.socket_url: str | None = None  # set by the Socket Mode double
        self.holds: dict[str, threading.Event] = {}  # method -> its calls wait until the event is set
        self.held: list[str] = []  # the calls that waited at a hold
        self.lock = threading.RLock()
        self._windows: dict[str, deque] = defaultdict(deque)
        self._buckets: dict[str, tuple[float, float]] = {}
        # the "special" tier's workspace-wide limit: Slack documents that there is one for
        # chat.postMessage ("while also maintaining a workspace-wide limit") but not its figure; this
        # double assumes a Tier-4-like 100 a minute. A harness that posts faster on purpose (the GitHub
        # fault matrix: about two direct messages a second for minutes) raises it.
        self.special_per_minute = TIER_PER_MINUTE["t5"]
        self._n = 0
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        return f"{self.base_url}/api/"

    # --- what tests read ---------------------------------------------------------------------------

    def sent(self, method: str) -> list[dict]:
        with self.lock:
            return [c.args for c in self.calls if c.method == method]

    def delivered(self, method: str) -> list[dict]:
        with self.lock:
            return [c.args for c in self.calls if c.method == method and c.ok]

    def failed(self) -> list[Call]:
        with self.lock:
            return [c for c in self.calls + self.responses if not c.ok]

    def refusals(self) -> list[tuple[str, str]]:
        """What Slack refused that no test asked it to: (method or "response_url", error)."""
        return [(c.method if not c.method.startswith("/hooks/") else "response_url", str(c.error))
                for c in self.failed() if not c.injected]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0, ok: bool = False) -> list[dict]:
        """Calls made after the ack arrive a moment later: wait for them."""
        deadline = time.monotonic() + timeout
        pick = self.delivered if ok else self.sent
        while time.monotonic() < deadline:
            found = pick(method)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"expected {count} call(s) of {method}, got {len(pick(method))}: "
                             f"{[(c.method, c.error) for c in self.calls]}")

    def quiet(self, period: float = 0.3, timeout: float = 15.0) -> None:
        """Wait until no call has arrived for `period` seconds (the bot's follow-ups are done)."""
        start = time.monotonic()
        deadline = start + timeout
        while time.monotonic() < deadline:
            with self.lock:
                last = max((c.at for c in self.calls + self.responses), default=start)
            last = max(last, start)
            if time.monotonic() - last >= period:
                return
            time.sleep(0.02)
        raise AssertionError("the bot kept calling Slack")

    def channel(self, name_or_id: str) -> Channel:
        found = self.ws.channels.get(name_or_id) or self.ws.channel_named(name_or_id.lstrip("#"))
        assert found is not None, name_or_id
        return found

    def messages(self, channel: str) -> list[dict]:
        return list(self.channel(channel).messages.values())

    # --- issuing what Slack puts into interaction payloads --------------------------------------------

    def issue_trigger(self, user: str) -> str:
        with self.lock:
            self._n += 1
            tid = f"{int(time.time())}.{self._n}.{secrets.token_hex(8)}"
            self.triggers[tid] = {"user": user, "at": time.monotonic(), "used": False}
            return tid

    def age_trigger(self, trigger_id: str, seconds: float) -> None:
        self.triggers[trigger_id]["at"] -= seconds

    def issue_response_url(self, kind: str, user: str, channel: str | None) -> str:
        with self.lock:
            self._n += 1
            path = f"/hooks/{kind}/{TEAM}/{self._n}/{secrets.token_hex(12)}"
            self.response_urls[path] = {"user": user, "channel": channel, "at": time.monotonic(), "uses": 0}
            return self.base_url + path

    # --- checks Slack makes before any method ---------------------------------------------------------

    def _authorize(self, method: str, token: str | None) -> None:
        if method not in SHAPES:
            raise SlackError("unknown_method", req_method=method)
        if not token:
            raise SlackError("not_authed")
        app_level = method == "apps.connections.open"
        if token not in (self.token, self.app_token):
            raise SlackError("invalid_auth")
        if app_level != (token == self.app_token):
            raise SlackError("not_allowed_token_type")
        needed = SHAPES[method]["bot_scopes"]
        if needed and not app_level and method != "conversations.list" and not set(needed) & self.scopes:
            raise SlackError("missing_scope", needed=",".join(needed), provided=",".join(sorted(self.scopes)))

    def _rate_limit(self, method: str, args: dict) -> None:
        now = time.monotonic()
        if method == "chat.postMessage":  # about 1 per second per channel, short bursts allowed
            key = f"post:{args.get('channel')}"
            tokens, at = self._buckets.get(key, (5.0, now))
            tokens = min(5.0, tokens + (now - at))
            if tokens < 1:
                raise SlackError("ratelimited", 429, retry_after=1)
            self._buckets[key] = (tokens - 1, now)
        window = self._windows[method]
        while window and now - window[0] > 60:
            window.popleft()
        tier = SHAPES[method]["rate_limit"]
        if len(window) >= (self.special_per_minute if tier == "t5" else TIER_PER_MINUTE[tier]):
            raise SlackError("ratelimited", 429, retry_after=max(1, int(61 - (now - window[0]))))
        window.append(now)

    # --- conversations as the bot sees them ----------------------------------------------------------

    def _conversation(self, ref: Any, by_name: bool = False) -> Channel:
        """A conversation the bot may address: an ID, a user ID (the app's DM with that user) or,
        where Slack resolves names, a public channel's current name."""
        ref = str(ref or "")
        if ref in self.ws.channels:
            channel = self.ws.channels[ref]
            if (channel.is_private or channel.is_im) and BOT_USER not in channel.members:
                raise SlackError("channel_not_found")  # invisible to the bot
            return channel
        if ref in self.ws.users and ref != BOT_USER:
            return self.ws.dm(BOT_USER, ref)
        if by_name:
            named = self.ws.channel_named(ref.removeprefix("#"))
            if named and not named.is_private:
                return named
        raise SlackError("channel_not_found")

    @staticmethod
    def _blocks(args: dict) -> Any:
        value = args.get("blocks")
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise SlackError("invalid_blocks_format") from None
        return value

    def _message_body(self, args: dict) -> tuple[str, list | None]:
        text, blocks = args.get("text") or "", self._blocks(args)
        if not text and not blocks:
            raise SlackError("no_text")
        if len(text) > MAX_TEXT:
            raise SlackError("msg_too_long")
        if blocks is not None:
            problems = kit.blocks(blocks)
            if problems:
                raise SlackError("invalid_blocks", errors=problems,
                                 response_metadata={"messages": [f"[ERROR] {p}" for p in problems]})
            blocks = [dict(b, block_id=b.get("block_id") or secrets.token_hex(3)) for b in blocks]
        return text, blocks

    # --- methods ----------------------------------------------------------------------------------------

    def api_test(self, args: dict) -> dict:
        return {"ok": True, "args": args}

    def auth_test(self, args: dict) -> dict:
        return {"ok": True, "url": f"https://{TEAM_DOMAIN}.slack.com/", "team": "Corp", "user": "mlhub",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}

    def chat_postMessage(self, args: dict) -> dict:
        channel = self._conversation(args.get("channel"), by_name=True)
        if channel.is_archived:
            raise SlackError("is_archived")
        if BOT_USER not in channel.members and "chat:write.public" not in self.scopes:
            raise SlackError("not_in_channel")
        text, blocks = self._message_body(args)
        message = self.ws.post(channel, BOT_USER, text, blocks, self._metadata(args))
        return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": message}

    @staticmethod
    def _metadata(args: dict) -> dict | None:
        """Message metadata as Slack documents it: a JSON object of exactly event_type (letters,
        numbers, underscores, hyphens) and event_payload (an object of strings, numbers, booleans,
        objects and arrays of objects). Slack ignores a bad event_type with a warning; the double
        refuses it, so that the bot never relies on metadata Slack dropped."""
        raw = args.get("metadata")
        if raw is None:
            return None
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                raise SlackError("invalid_metadata_format") from None
        if not isinstance(raw, dict) or set(raw) != {"event_type", "event_payload"} \
                or not isinstance(raw["event_type"], str) or not isinstance(raw["event_payload"], dict):
            raise SlackError("invalid_metadata_format")
        def allowed(v: Any) -> bool:
            return isinstance(v, str | int | float | bool | dict) or (isinstance(v, list)
                                                                      and all(isinstance(i, dict) for i in v))

        if not EVENT_TYPE.fullmatch(raw["event_type"]) or not all(map(allowed, raw["event_payload"].values())):
            raise SlackError("invalid_metadata_schema")
        return {"event_type": raw["event_type"], "event_payload": raw["event_payload"]}

    def conversations_history(self, args: dict) -> dict:
        """Newest first; members only (`not_in_channel`, even for a public channel the bot posts in
        with chat:write.public); `oldest`/`latest` exclusive unless `inclusive`; metadata only with
        include_all_metadata; pages of `limit` with has_more and response_metadata.next_cursor."""
        channel = self._conversation(args.get("channel"))  # an ID: Slack does not resolve names here
        scope = HISTORY_SCOPE["im" if channel.is_im else "private" if channel.is_private else "public"]
        if scope not in self.scopes:
            raise SlackError("missing_scope", needed=scope, provided=",".join(sorted(self.scopes)))
        if BOT_USER not in channel.members:
            raise SlackError("not_in_channel")
        bounds = {}
        for name, default in (("oldest", "0"), ("latest", "9999999999")):
            try:
                bounds[name] = float(args.get(name) or default)
            except ValueError:
                raise SlackError(f"invalid_ts_{name}") from None
        inclusive = _truthy(args.get("inclusive"))
        try:
            limit = min(MAX_HISTORY_LIMIT, max(1, int(args.get("limit") or 100)))
        except ValueError:
            limit = 100
        found = sorted((m for m in channel.messages.values()
                        if (bounds["oldest"] <= float(m["ts"]) if inclusive else bounds["oldest"] < float(m["ts"]))
                        and (float(m["ts"]) <= bounds["latest"] if inclusive else float(m["ts"]) < bounds["latest"])),
                       key=lambda m: float(m["ts"]), reverse=True)
        if args.get("cursor"):
            try:
                before = base64.b64decode(str(args["cursor"]), validate=True).decode().removeprefix("next_ts:")
                found = [m for m in found if float(m["ts"]) < float(before)]
            except ValueError:
                raise SlackError("invalid_cursor") from None
        page, more = found[:limit], len(found) > limit
        with_meta = _truthy(args.get("include_all_metadata"))
        messages = [m if with_meta else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        cursor = base64.b64encode(f"next_ts:{page[-1]['ts']}".encode()).decode() if more else ""
        return {"ok": True, "messages": messages, "has_more": more, "pin_count": 0, "channel_actions_ts": None,
                "channel_actions_count": 0, "response_metadata": {"next_cursor": cursor}}

    def chat_update(self, args: dict) -> dict:
        channel = self._conversation(args.get("channel"))  # an ID: Slack does not resolve names here
        message = channel.messages.get(str(args.get("ts")))
        if message is None:
            raise SlackError("message_not_found")
        if message.get("user") != BOT_USER:
            raise SlackError("cant_update_message")
        text, blocks = self._message_body(args)
        message.update(text=text, edited={"user": BOT_USER, "ts": self.ws.next_ts()})
        if blocks is not None:
            message["blocks"] = blocks
        return {"ok": True, "channel": channel.id, "ts": message["ts"], "text": text, "message": message}

    def chat_delete(self, args: dict) -> dict:
        channel = self._conversation(args.get("channel"))
        message = channel.messages.get(str(args.get("ts")))
        if message is None:
            raise SlackError("message_not_found")
        if message.get("user") != BOT_USER:
            raise SlackError("cant_delete_message")
        del channel.messages[message["ts"]]
        return {"ok": True, "channel": channel.id, "ts": message["ts"]}

    def conversations_info(self, args: dict) -> dict:
        return {"ok": True, "channel": self._conversation(args.get("channel")).info(BOT_USER)}

    def conversations_join(self, args: dict) -> dict:
        channel = self._conversation(args.get("channel"))
        if channel.is_private or channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackError("is_archived")
        channel.members.add(BOT_USER)
        return {"ok": True, "channel": channel.info(BOT_USER)}

    def conversations_open(self, args: dict) -> dict:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > 1:  # group DMs are not modelled: said loudly rather than answered wrongly
            raise SlackError("internal_error", 500, note="the double does not model group DMs")
        if "im:write" not in self.scopes:  # a DM with one person: Slack's im:write, whatever else the token has
            raise SlackError("missing_scope", needed="im:write", provided=",".join(sorted(self.scopes)))
        if users[0] not in self.ws.users:
            raise SlackError("user_not_found")
        return {"ok": True, "channel": {"id": self._conversation(users[0]).id}}

    def chat_postEphemeral(self, args: dict) -> dict:
        channel = self._conversation(args.get("channel"), by_name=True)
        if BOT_USER not in channel.members:
            raise SlackError("not_in_channel")
        if args.get("user") not in channel.members:
            raise SlackError("user_not_in_channel")
        self._message_body(args)
        return {"ok": True, "message_ts": self.ws.next_ts()}

    def chat_getPermalink(self, args: dict) -> dict:
        channel = self._conversation(args.get("channel"))
        ts = str(args.get("message_ts"))
        if ts not in channel.messages:
            raise SlackError("message_not_found")
        return {"ok": True, "channel": channel.id,
                "permalink": f"https://{TEAM_DOMAIN}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"}

    def users_info(self, args: dict) -> dict:
        user = self.ws.users.get(str(args.get("user")))
        if user is None:
            raise SlackError("user_not_found")
        return {"ok": True, "user": user.info(_utcnow())}

    def conversations_list(self, args: dict) -> dict:
        types = str(args.get("types") or "public_channel").split(",")
        scope = {"public_channel": "channels:read", "private_channel": "groups:read", "im": "im:read",
                 "mpim": "mpim:read"}
        if any(t not in scope for t in types):
            raise SlackError("invalid_types")
        missing = [scope[t] for t in types if scope[t] not in self.scopes]
        if missing:
            raise SlackError("missing_scope", needed=",".join(missing), provided=",".join(sorted(self.scopes)))
        limit = int(args.get("limit") or 100)
        if not 1 <= limit <= 1000:
            raise SlackError("invalid_limit")
        visible = [c for c in self.ws.channels.values()
                   if (("public_channel" in types and not c.is_private and not c.is_im)
                       or ("private_channel" in types and c.is_private and BOT_USER in c.members))
                   and not (c.is_archived and str(args.get("exclude_archived")).lower() in ("true", "1"))]
        start = int(args.get("cursor") or 0) if str(args.get("cursor") or "0").isdigit() else None
        if start is None:
            raise SlackError("invalid_cursor")
        page = visible[start:start + limit]
        more = start + limit < len(visible)
        return {"ok": True, "channels": [c.info(BOT_USER) for c in page],
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _view(self, args: dict) -> dict:
        raw = args.get("view")
        try:
            view = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            view = None
        problems = kit.view(view)
        if problems:
            raise SlackError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {p}" for p in problems]})
        return view

    def _stored_view(self, view: dict, user: str) -> dict:
        self._n += 1
        vid = f"V0{self._n:08d}"
        blocks = [dict(b, block_id=b.get("block_id") or secrets.token_hex(3)) for b in view["blocks"]]
        stored = {"id": vid, "team_id": TEAM, "type": view["type"], "blocks": blocks,
                  "private_metadata": view.get("private_metadata", ""), "callback_id": view.get("callback_id", ""),
                  "state": {"values": {}}, "hash": secrets.token_hex(6), "title": view.get("title"),
                  "clear_on_close": False, "notify_on_close": False, "close": view.get("close"),
                  "submit": view.get("submit"), "previous_view_id": None, "root_view_id": vid, "app_id": APP_ID,
                  "external_id": view.get("external_id", ""), "app_installed_team_id": TEAM, "bot_id": BOT_ID}
        self.views[vid] = {"view": stored, "user": user}
        return stored

    def views_open(self, args: dict) -> dict:
        view = self._view(args)
        return {"ok": True, "view": self._stored_view(view, self._use_trigger(args))}

    def views_push(self, args: dict) -> dict:
        """Onto the stack of an open modal, with a trigger from it (stacks and their limit of three,
        push_limit_reached, are not modelled: the bot never pushes)."""
        view = self._view(args)
        if view["type"] != "modal":
            raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] must be a modal view"]})
        return {"ok": True, "view": self._stored_view(view, self._use_trigger(args))}

    def _use_trigger(self, args: dict) -> str:
        """The person a trigger was issued to, once, within its three seconds."""
        trigger = self.triggers.get(str(args.get("trigger_id") or args.get("interactivity_pointer") or ""))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger["used"]:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - trigger["at"] > TRIGGER_TTL:
            raise SlackError("expired_trigger_id")
        trigger["used"] = True
        return trigger["user"]

    def views_publish(self, args: dict) -> dict:
        view = self._view(args)
        user = str(args.get("user_id"))
        if user not in self.ws.users:
            raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] invalid user_id"]})
        if view["type"] != "home":
            raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] must be a home view"]})
        stored = self._stored_view(view, user)
        self.home[user] = stored
        return {"ok": True, "view": stored}

    def views_update(self, args: dict) -> dict:
        view = self._view(args)
        found = self.views.get(str(args.get("view_id")))
        if found is None:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != found["view"]["hash"]:
            raise SlackError("hash_conflict")
        stored = self._stored_view(view, found["user"])
        return {"ok": True, "view": stored}

    def apps_connections_open(self, args: dict) -> dict:
        if self.socket_url is None:
            raise SlackError("internal_error")
        return {"ok": True, "url": f"{self.socket_url}?ticket={secrets.token_hex(16)}"}

    # --- response URLs ----------------------------------------------------------------------------------

    def respond(self, path: str, payload: dict) -> tuple[int, str]:
        hook = self.response_urls.get(path)
        if hook is None:
            return 404, "invalid_token"
        if hook["uses"] >= RESPONSE_URL_USES or time.monotonic() - hook["at"] > RESPONSE_URL_TTL:
            return 404, "expired_url"
        if not payload.get("delete_original"):
            text, blocks = payload.get("text") or "", payload.get("blocks")
            if not text and not blocks:
                return 400, "no_text"
            if blocks is not None and kit.blocks(blocks):
                return 400, "invalid_blocks"
            if len(text) > MAX_TEXT:
                return 400, "msg_too_long"
        hook["uses"] += 1
        return 200, "ok"

    # --- HTTP ---------------------------------------------------------------------------------------------

    def handle(self, method: str, args: dict, token: str | None) -> tuple[int, dict, dict]:
        if self.latency:
            time.sleep(self.latency)
        if (gate := self.holds.get(method)) is not None:  # a Slack that is slow on this method
            self.held.append(method)
            gate.wait(120)
        with self.lock:
            fault = self.next_fault(f"{method}:{args.get('channel')}") or self.next_fault(method)  # one conversation's
            lost = fault == "lost"  # Slack carries the call out; its answer never reaches the caller
            fault = None if lost else fault
            try:
                if fault == "429":
                    raise SlackError("ratelimited", 429, retry_after=1)
                if fault:
                    raise SlackError("internal_error", int(fault))
                self._authorize(method, token)
                self._rate_limit(method, args)
                missing = [a for a in SHAPES[method]["required_args"] if a not in args and a != "view"]
                if missing and method.startswith("views."):
                    raise SlackError("invalid_arguments")
                status, body = 200, getattr(self, method.replace(".", "_"))(args)
            except SlackError as exc:
                status, body = exc.status, dict(exc.body)
            headers = {"Retry-After": str(body.pop("retry_after"))} if "retry_after" in body else {}
            self.calls.append(Call(method, args, status, body, injected=bool(fault), lost=lost))
            return (LOST if lost else status), body, headers

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # conversations.history and other reads: arguments in the query string
                url = urlsplit(self.path)
                if not url.path.startswith("/api/"):
                    return self._send(404, b"", "text/plain")
                args = {k: v[0] for k, v in parse_qs(url.query).items()}
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else args.pop("token", None)
                status, body, headers = fake.handle(url.path.removeprefix("/api/"), args, token)
                self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                is_json = "json" in (self.headers.get("Content-Type") or "")
                if self.path.startswith("/hooks/"):
                    return self._hook(raw)
                if not self.path.startswith("/api/"):
                    return self._send(404, b"", "text/plain")
                method = self.path.removeprefix("/api/").split("?", 1)[0]
                try:
                    args = json.loads(raw or "{}") if is_json else {k: v[0] for k, v in parse_qs(raw).items()}
                except json.JSONDecodeError:
                    args = {}
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else args.pop("token", None)
                status, body, headers = fake.handle(method, args, token)
                self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)

            def _hook(self, raw: str):
                if fake.latency:
                    time.sleep(fake.latency)
                try:
                    payload = json.loads(raw or "{}")
                except json.JSONDecodeError:
                    payload = {}
                with fake.lock:
                    status, text = fake.respond(self.path, payload)
                    fake.responses.append(Call(self.path, payload, status, {"ok": status == 200, "error": text}))
                self._send(status, text.encode(), "text/html")

            def _send(self, status, data: bytes, ctype: str, headers: dict | None = None):
                if status == LOST:  # the connection drops before any byte of the answer
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def _utcnow():
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def _json(value):
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
