"""A local double of Slack's Socket Mode server: the Web API double's `apps.connections.open` hands
out its WebSocket URL with a single-use ticket; each connection gets `hello`; interactions arrive
as envelopes with an `envelope_id` that the app must acknowledge within 3 seconds (the ack may
carry the response payload); `disconnect` asks the app to fetch a new URL and reconnect. Pings
are answered, as Slack does."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from urllib.parse import parse_qs, urlparse

from aiohttp import WSMsgType, web

from tests.fakes.slack import FakeSlack
from tests.fakes.slack_workspace import APP_ID

ACK_TIMEOUT = 3.0


class NotAcknowledged(AssertionError):
    pass


class FakeSocketMode:
    def __init__(self, slack: FakeSlack):
        self.slack = slack
        self.connections: list[web.WebSocketResponse] = []
        self.hellos = 0
        self.refused: list[str] = []  # URLs refused (unknown or reused ticket)
        self.envelopes: list[dict] = []  # every envelope sent, with its ack ("ack": payload or None)
        self._acks: dict[str, asyncio.Future] = {}
        self._tickets_used: set[str] = set()
        self._turn = 0
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> FakeSocketMode:
        self.thread.start()
        self._ready.wait(10)
        self.slack.socket_url = f"ws://127.0.0.1:{self.port}/link/"
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.add_routes([web.get("/link/", self._link)])
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self.loop.run_forever()

    async def _link(self, request: web.Request) -> web.StreamResponse:
        ticket = parse_qs(urlparse(str(request.url)).query).get("ticket", [""])[0]
        if not ticket or ticket in self._tickets_used:
            self.refused.append(str(request.url))
            return web.Response(status=401, text="invalid ticket")
        self._tickets_used.add(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections.append(ws)
        self.hellos += 1
        await ws.send_str(json.dumps({
            "type": "hello", "num_connections": len(self.connections),
            "debug_info": {"host": "applink-fake-1", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": APP_ID}}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except json.JSONDecodeError:
                    continue
                future = self._acks.get(data.get("envelope_id", ""))
                if future and not future.done():
                    future.set_result(data.get("payload", {}))
        finally:
            if ws in self.connections:
                self.connections.remove(ws)
        return ws

    # --- what tests call ---------------------------------------------------------------------------

    def wait_connected(self, count: int = 1, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.connections) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.connections)} Socket Mode connection(s), expected {count}")
            time.sleep(0.02)

    def deliver(self, kind: str, payload: dict, timeout: float = ACK_TIMEOUT) -> dict:
        """Send one envelope to a connected app and return the ack's payload ({} when it has none).
        Raises NotAcknowledged when no ack arrives within Slack's 3 seconds."""
        self.wait_connected()
        return asyncio.run_coroutine_threadsafe(self._deliver(kind, payload, timeout), self.loop).result(timeout + 5)

    async def _deliver(self, kind: str, payload: dict, timeout: float) -> dict:
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "payload": payload, "type": kind,
                    "accepts_response_payload": kind != "events_api"}
        if kind == "events_api":
            envelope |= {"retry_attempt": 0, "retry_reason": ""}
        future = self.loop.create_future()
        self._acks[envelope_id] = future
        ws = self.connections[self._turn % len(self.connections)]
        self._turn += 1
        record = {"envelope": envelope, "ack": None}
        self.envelopes.append(record)
        await ws.send_str(json.dumps(envelope))
        try:
            record["ack"] = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise NotAcknowledged(f"envelope {envelope_id} ({kind}) was not acknowledged in {timeout} s") from None
        finally:
            self._acks.pop(envelope_id, None)
        return record["ack"]

    def disconnect(self, reason: str = "refresh_requested", close_after: float = 1.0) -> int:
        """Ask every connected app to reconnect, as Slack does every few hours, then close the old
        connections a moment later as Slack does; returns how many were asked."""
        old = list(self.connections)

        async def send_all():
            for ws in old:
                await ws.send_str(json.dumps({"type": "disconnect", "reason": reason,
                                              "debug_info": {"host": "applink-fake-1"}}))
            await asyncio.sleep(close_after)
            for ws in old:
                if ws in self.connections:
                    self.connections.remove(ws)
                await ws.close()
        asyncio.run_coroutine_threadsafe(send_all(), self.loop).result(close_after + 5)
        return len(old)

    def stop(self) -> None:
        async def close():
            for ws in list(self.connections):
                await ws.close()
            await self.runner.cleanup()
        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
