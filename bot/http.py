"""HTTP mode: a threaded server on 127.0.0.1 that hands Slack's requests to the Bolt app."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from slack_bolt import App, BoltRequest

SLACK_PATH = "/slack/events"
MAX_BODY = 1024 * 1024


def make_server(app: App, host: str = "127.0.0.1", port: int = 0, extra_routes: dict | None = None):
    """extra_routes: {path: fn(headers, body) -> (status, body)} for non-Slack endpoints."""
    routes = extra_routes or {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if urlparse(self.path).path == "/health":
                return self._send(200, b"ok", {"Content-Type": "text/plain"})
            self._send(404, b"", {})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self._send(413, b"", {})
            body = self.rfile.read(length).decode("utf-8") if length else ""
            path = urlparse(self.path).path
            if path in routes:
                status, text = routes[path](dict(self.headers.items()), body)
                return self._send(status, text.encode(), {"Content-Type": "text/plain"})
            if path != SLACK_PATH:
                return self._send(404, b"", {})
            headers = {k.lower(): [v] for k, v in self.headers.items()}
            resp = app.dispatch(BoltRequest(body=body, query=urlparse(self.path).query, headers=headers))
            out_headers = {k: v[0] for k, v in resp.headers.items()}
            self._send(resp.status, (resp.body or "").encode("utf-8"), out_headers)

        def _send(self, status: int, data: bytes, headers: dict):
            try:
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting; what was stored stays stored

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def serve_in_thread(server) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread
