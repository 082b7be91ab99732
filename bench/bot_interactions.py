"""bench/bot_interactions: every interaction of tests/bot_interactions.py (99 on 2026-11-28: every
command, button, shortcut, form and event the manifest declares, from channels the bot has not
joined, from DMs, with reused and expired triggers, with 3,000 characters of text and emoji)
against the faithful Slack double answering in --latency seconds per call: which break, and how
fast each is acked.

    .venv/bin/python bench/bot_interactions.py [--latency 0.25] [--transport http|socket|dispatch]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import bot_interactions as story  # noqa: E402
from tests.bot_fixtures import SECRET, doubles, make_bot  # noqa: E402
from tests.bot_server import ServerProcess  # noqa: E402
from tests.fakes import slack_requests as rq  # noqa: E402
from tests.fakes.slack_socket import FakeSocketMode  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.25, help="seconds the Slack double takes per call")
    parser.add_argument("--transport", choices=["http", "socket", "dispatch"], default="http",
                        help="the production server over HTTP, Socket Mode, or Bolt's dispatch in this process")
    args = parser.parse_args()
    quiet = 0.3 + 2 * args.latency
    with tempfile.TemporaryDirectory() as tmp:
        if args.transport == "dispatch":
            bot = make_bot(Path(tmp))
            bot.slack.latency = args.latency
            results = story.run_all(bot.slack, rq.Dispatch(bot.app, SECRET), quiet)
            bot.stop()
        else:
            slack, github = doubles()
            socket_mode = FakeSocketMode(slack).start() if args.transport == "socket" else None
            extra = ("--socket",) if socket_mode else ()
            server = ServerProcess(slack, github, Path(tmp) / "state", *extra).wait()
            slack.latency = args.latency
            try:
                if socket_mode:
                    socket_mode.wait_connected(2)
                transport = rq.Socket(socket_mode) if socket_mode else rq.Http(server.url, SECRET)
                results = story.run_all(slack, transport, quiet)
            finally:
                server.stop()
                if socket_mode:
                    socket_mode.stop()
                slack.stop()
                github.stop()
    acks = sorted(r.ack_s * 1000 for r in results)
    print(f"Slack double answering in {args.latency * 1000:.0f} ms per call; transport: {args.transport}")
    print(story.report(results))
    slow = [r for r in results if r.ack_s > 0.25]
    print(f"acks: median {statistics.median(acks):.0f} ms, max {acks[-1]:.0f} ms; over 250 ms: {len(slow)}; "
          f"over 3 s (Slack gives up): {sum(r.ack_s > 3 for r in results)}")
    for r in sorted(slow, key=lambda r: -r.ack_s):
        print(f"  {r.ack_s * 1000:7.0f} ms  {r.step}")


if __name__ == "__main__":
    main()
