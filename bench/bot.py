"""bench/bot: ack latency (p50, p99) and throughput of signed slash commands over HTTP on loopback.

Compares, in the same run and through the same HTTP adapter (bot/http.py):
  - the mlhub bot answering `/rfc list` (reads content and the store),
  - a bare Bolt app with one no-op command, process_before_response=True (the bot's setting),
  - the same bare app with Bolt's default, process_before_response=False.

    .venv/bin/python bench/bot.py [-n 2000] [-c 8]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from slack_bolt import App

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402

from bot.http import make_server, serve_in_thread  # noqa: E402
from tests.bot_fixtures import SECRET, TOKEN, make_bot  # noqa: E402
from tests.fakes import slack_requests as req  # noqa: E402


def bare_app(process_before_response: bool, slack_url: str) -> App:
    app = App(client=WebClient(token=TOKEN, base_url=slack_url), signing_secret=SECRET,
              token_verification_enabled=False, process_before_response=process_before_response)

    @app.command("/noop")
    def noop(ack):
        ack()

    return app


def load(port: int, command: str, text: str, n: int, c: int) -> tuple[list[float], float]:
    bodies = [req.command(SECRET, "U04HOKAFOR1", text, command=command) for _ in range(n)]
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for r in chunk:
            headers = {k: v[0] for k, v in r.headers.items()}
            t0 = time.perf_counter()
            conn.request("POST", "/slack/events", body=r.raw_body.encode(), headers=headers)
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t0)
            if resp.status != 200:
                raise RuntimeError(f"status {resp.status}")
        conn.close()
        with lock:
            latencies.extend(mine)

    chunks = [bodies[i::c] for i in range(c)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(c) as pool:
        list(pool.map(worker, chunks))
    return latencies, time.perf_counter() - t0


def measure(app, command, text, n, c):
    server = make_server(app, "127.0.0.1", 0)
    serve_in_thread(server)
    try:
        load(server.server_address[1], command, text, min(100, n), c)  # warm up
        lat, wall = load(server.server_address[1], command, text, n, c)
    finally:
        server.shutdown()
        server.server_close()
    lat.sort()
    return {"p50": statistics.median(lat) * 1000, "p99": lat[int(len(lat) * 0.99) - 1] * 1000,
            "rps": n / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="requests per configuration")
    parser.add_argument("-c", type=int, default=8, help="concurrent clients")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bot = make_bot(Path(tmp))
        try:
            rows = [
                ("mlhub bot, /rfc list", measure(bot.app, "/rfc", "list", args.n, args.c)),
                ("bare Bolt, no-op, pbr=True", measure(bare_app(True, bot.slack.url), "/noop", "", args.n, args.c)),
                ("bare Bolt, no-op, pbr=False", measure(bare_app(False, bot.slack.url), "/noop", "", args.n, args.c)),
            ]
        finally:
            bot.slack.stop()
            bot.github.stop()
    print(f"{args.n} signed slash commands per configuration, {args.c} concurrent clients, HTTP on loopback")
    print(f"{'configuration':32} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
    for name, r in rows:
        print(f"{name:32} {r['p50']:8.2f} {r['p99']:8.2f} {r['rps']:8.0f}")
    bot_r, bare = rows[0][1], rows[1][1]
    print(f"\nmlhub bot / bare app (same adapter, pbr=True): throughput {bot_r['rps'] / bare['rps']:.2f}x, "
          f"p50 latency {bot_r['p50'] / bare['p50']:.2f}x")


if __name__ == "__main__":
    main()
