"""A local double of the Slack Web API: records every call, answers like Slack (ok, ts, channel,
view ids), and can answer 429 with Retry-After or a 5xx for the next calls of a method."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from tests.fakes.server import LocalDouble


class FakeSlack(LocalDouble):
    def __init__(self, token: str = "xoxb-test-token", users: dict[str, dict] | None = None):
        self.token = token
        self.users = users or {}  # user id -> {"tz": ..., "real_name": ...}
        self.calls: list[tuple[str, dict]] = []  # every call, failed ones included
        self.ok_calls: list[tuple[str, dict]] = []  # the calls Slack answered ok
        self.messages: dict[tuple[str, str], dict] = {}  # (channel, ts) -> message
        self.lock = threading.Lock()
        self._ts = 1_700_000_000
        super().__init__(self._handler())  # faults: '429' (Retry-After: 1) or '500'/'503'

    @property
    def url(self) -> str:
        return f"{self.base_url}/api/"

    def sent(self, method: str) -> list[dict]:
        with self.lock:
            return [args for m, args in self.calls if m == method]

    def delivered(self, method: str) -> list[dict]:
        with self.lock:
            return [args for m, args in self.ok_calls if m == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """Calls made after the ack arrive a moment later: wait for them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sent(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) of {method}, got {len(self.sent(method))}")

    def _answer(self, method: str, args: dict) -> dict:
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "team": "corp",
                    "url": "https://corp.slack.com/"}
        if method in ("chat.postMessage", "chat.update"):
            channel = args.get("channel", "")
            if method == "chat.postMessage":
                self._ts += 1
                ts = f"{self._ts}.000100"
            else:
                ts = args.get("ts", "")
                if (channel, ts) not in self.messages:
                    return {"ok": False, "error": "message_not_found"}
            message = {"text": args.get("text", ""), "blocks": _json(args.get("blocks")), "ts": ts}
            self.messages[(channel, ts)] = message
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{self._ts}.000200"}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            view = _json(args.get("view")) or {}
            return {"ok": True, "view": dict(view, id="V123", hash="h1")}
        if method == "users.info":
            user = self.users.get(args.get("user", ""))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": dict(user, id=args["user"])}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + args.get("users", "X")}}
        return {"ok": True}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                method = self.path.rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                if "json" in (self.headers.get("Content-Type") or ""):
                    args = json.loads(raw or "{}")
                else:
                    args = {k: v[0] for k, v in parse_qs(raw).items()}
                auth = self.headers.get("Authorization", "")
                with fake.lock:
                    fake.calls.append((method, args))
                    fault = fake.next_fault(method)
                    if fault == "429":
                        return self._send(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
                    if fault:
                        return self._send(int(fault), {"ok": False, "error": "internal_error"})
                    if auth != f"Bearer {fake.token}":
                        return self._send(200, {"ok": False, "error": "invalid_auth"})
                    body = fake._answer(method, args)
                    if body.get("ok"):
                        fake.ok_calls.append((method, args))
                self._send(200, body)

            def _send(self, status, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler


def _json(value):
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
