"""What every local double shares: a threaded HTTP server on a free loopback port, and faults
queued per route for its next calls."""

from __future__ import annotations

import threading
from collections import defaultdict
from http.server import ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # a bot under load opens many connections at once
    daemon_threads = True


class LocalDouble:
    def __init__(self, handler):
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.server = _Server(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, route: str, mode: str, times: int = 1) -> None:
        """Make the next `times` calls of a route (a path name or API method) fail with `mode`."""
        self.faults[route].extend([mode] * times)

    def next_fault(self, route: str) -> str | None:
        return self.faults[route].pop(0) if self.faults[route] else None
