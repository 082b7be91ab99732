"""bench/clusters_check: how long `mlhub clusters check` takes as endpoints and concurrency grow.

Probes N health URLs on loopback servers (a third answer HTTP 200, a third refuse, a third never
answer) with each concurrency, and prints the wall time against the documented bound
2 x timeout x rounds + 1 s.

    .venv/bin/python bench/clusters_check.py [--endpoints 48] [--timeout 1] [--concurrency 1 8 48]
"""

from __future__ import annotations

import argparse
import math
import socket
import threading
import time
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from mlhub.clusters.health import GRACE_S, Target, check


class Ok(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args):
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoints", type=int, default=48)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 48])
    args = ap.parse_args()
    with ExitStack() as stack:
        server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stack.callback(server.shutdown)
        silent = stack.enter_context(socket.socket())
        silent.bind(("127.0.0.1", 0))
        silent.listen(256)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = s.getsockname()[1]
        ports = [server.server_address[1], closed, silent.getsockname()[1]]
        targets = [Target(f"c{i}", "dev", "mlflow-tracking", f"http://127.0.0.1:{ports[i % 3]}/health")
                   for i in range(args.endpoints)]
        print(f"{args.endpoints} endpoints (1/3 up, 1/3 refused, 1/3 silent), timeout {args.timeout:g} s")
        print(f"{'concurrency':>11}  {'wall s':>7}  {'bound s':>7}  up/down/timeout")
        for c in args.concurrency:
            t0 = time.monotonic()
            report = check(targets, timeout=args.timeout, concurrency=c)
            wall = time.monotonic() - t0
            bound = 2 * args.timeout * math.ceil(len(targets) / min(c, len(targets))) + GRACE_S
            counts = [sum(1 for r in report.results if r.status.value == s) for s in ("up", "down", "timeout")]
            print(f"{c:>11}  {wall:>7.2f}  {bound:>7.1f}  {'/'.join(map(str, counts))}")


if __name__ == "__main__":
    main()
