"""The production server: the Bolt app behind Bolt's own WSGI adapter, run by gunicorn with
several gthread workers (processes × threads). Routes: POST /slack/events (Slack), POST
/mlflow/webhook (MLflow's registry), POST /feedback (readers of the site), GET /health. Each
worker also runs the ticker (one process at a time actually ticks) and, in Socket Mode, holds its
own Socket Mode connection.

Why WSGI under gunicorn rather than ASGI under uvicorn: every listener, the store (SQLAlchemy)
and the publisher (github3.py) are synchronous. Bolt's ASGI adapter runs a synchronous App's
dispatch on the event loop, one request at a time per worker; AsyncApp would need async versions
of all of them. gunicorn's gthread workers give blocking code real concurrency across cores, a
listen backlog of 2048, keep-alive, and a master that restarts a worker that dies."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("mlhub.bot.server")
SLACK_PATH, HEALTH_PATH = "/slack/events", "/health"
MAX_BODY = 1024 * 1024  # Slack's payloads are far smaller
CHECKED = "mlhub.slack_request"  # the environ key of the request the signature check parsed
Route = Callable[[dict[str, str], str], tuple[int, str]]  # (headers, body) -> (status, text)
REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
           415: "Unsupported Media Type", 429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}


@dataclass(frozen=True)
class Reply:
    status: int
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Web:
    """A route that answers browsers: every method (CORS preflights too), the client's address,
    and its own headers. handle(method, headers, body, client address) -> Reply; body is None
    when it was larger than max_body (read and dropped, so that the browser reads the answer)."""

    handle: Callable[[str, dict[str, str], str | None, str], Reply]
    max_body: int = 16 * 1024


Factory = Callable[[], tuple[App, Any, dict[str, Route | Web]]]  # -> (app, deps or None, extra routes)


def _plain(start_response, status: int, text: str) -> Iterable[bytes]:
    data = text.encode()
    start_response(f"{status} {REASONS.get(status, 'Error')}",
                   [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]


def _headers(environ: dict) -> dict[str, str]:
    out = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        out["Content-Type"] = environ["CONTENT_TYPE"]
    return out


def _reply(start_response, reply: Reply) -> Iterable[bytes]:
    data = reply.body.encode()
    start_response(f"{reply.status} {REASONS.get(reply.status, 'Error')}",
                   [("Content-Type", reply.content_type), ("Content-Length", str(len(data))), *reply.headers])
    return [data]


def client_address(environ: dict) -> str:
    """Who sent a request: the address the TLS proxy in front saw (the last X-Forwarded-For entry,
    which the proxy appended: earlier ones are whatever the client claimed), else the peer's."""
    forwarded = [a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    return forwarded[-1] if forwarded else environ.get("REMOTE_ADDR", "")


def _web(route: Web, environ, start_response) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body: str | None = None
    if length > MAX_BODY:
        return _reply(start_response, Reply(413, "too large"))
    if length > route.max_body:
        stream = environ["wsgi.input"]
        while length > 0:  # drained: a browser still sending when the answer comes reads no answer
            length -= len(stream.read(min(length, 64 * 1024)) or b"x" * length)
    else:
        body = environ["wsgi.input"].read(length).decode("utf-8", "replace") if length else ""
    reply = route.handle(environ.get("REQUEST_METHOD", "GET"), _headers(environ), body, client_address(environ))
    return _reply(start_response, reply)


class Adapter(SlackRequestHandler):
    """Bolt's WSGI adapter, dispatching the request the signature check already parsed (the
    adapter would read and parse the body again: parsing a slash command's form costs more than
    answering most commands)."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(request.environ[CHECKED])


def _checked(verifier: SignatureVerifier, environ: dict, raw: bytes) -> BoltRequest | tuple[int, str]:
    """Slack's signature checked before anything parses the body (Bolt parses it first, and a body
    that is not JSON would be a 500 and a traceback), then the body parsed once, into the request
    Bolt dispatches: 401 unsigned, 400 signed but unreadable."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return 400, "the body is not UTF-8"  # nothing Slack signs: its bodies are UTF-8
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not timestamp.isdigit() or not verifier.is_valid(text, timestamp, headers.get("x-slack-signature", "")):
        return 401, "invalid or missing Slack signature"
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.lower().replace("_", "-")] = environ[key]
    try:
        request = BoltRequest(body=text, query=environ.get("QUERY_STRING", ""), headers=headers)
    except ValueError as exc:
        return 400, f"the body is neither JSON nor a form with a JSON payload: {exc}"
    except (AttributeError, TypeError):  # JSON, but no object: Bolt reads fields of it
        return 400, "the body is not a JSON object"
    return request if isinstance(request.body, dict) else (400, "the body is not a JSON object")


def wsgi(app: App, routes: dict[str, Route | Web], secret: str) -> Callable:
    """One WSGI application for Slack's requests, the extra routes, and the health check;
    `secret` is Slack's signing secret."""
    slack, verifier = Adapter(app, SLACK_PATH), SignatureVerifier(secret)

    def application(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH:
            return _plain(start_response, 200, "ok") if method in ("GET", "HEAD") else \
                _plain(start_response, 405, "")
        if path != SLACK_PATH and path not in routes:
            return _plain(start_response, 404, "")
        route = routes.get(path)
        if isinstance(route, Web):
            return _web(route, environ, start_response)
        if method != "POST":
            return _plain(start_response, 405, "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            return _plain(start_response, 413, "")
        raw = environ["wsgi.input"].read(length) if length else b""
        if path == SLACK_PATH:
            checked = _checked(verifier, environ, raw)
            if isinstance(checked, tuple):
                return _plain(start_response, *checked)
            environ[CHECKED] = checked
            return slack(environ, start_response)
        body = raw.decode("utf-8", "replace")
        assert route is not None and not isinstance(route, Web)
        status, text = route(_headers(environ), body)
        return _plain(start_response, status, text)

    return application


class Server(BaseApplication):
    """gunicorn, configured in code: `mlhub bot` is the one way to start it."""

    def __init__(self, factory: Factory, options: dict[str, Any], secret: str,
                 on_worker: Callable[[Any, Any], None] | None = None):
        self.factory, self.options, self.secret, self.on_worker = factory, options, secret, on_worker
        self.runtime: tuple[App, Any] | None = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if self.on_worker:
            self.cfg.set("post_worker_init", self._post_worker_init)

    def load(self) -> Callable:
        app, deps, routes = self.factory()  # in each worker: no connection crosses a fork
        self.runtime = (app, deps)
        return wsgi(app, routes, self.secret)

    @staticmethod
    def _post_worker_init(worker) -> None:
        server = worker.app
        if server.runtime and server.on_worker:
            server.on_worker(*server.runtime)


def options(bind: str, workers: int, threads: int) -> dict[str, Any]:
    return {"bind": [bind], "workers": workers, "threads": threads, "worker_class": "gthread",
            "backlog": 2048, "keepalive": 5, "timeout": 30, "graceful_timeout": 10, "preload_app": False,
            "accesslog": None, "errorlog": "-", "loglevel": "warning", "proc_name": "mlhub-bot"}
