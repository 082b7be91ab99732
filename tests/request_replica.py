"""One bot replica in its own process for the replica tests: the real app and store (PostgreSQL),
its own state folder (outbox), the caller's Slack and GitHub doubles. Waits for a start file so
that replicas act at the same moment, then votes or ticks, and prints what happened as JSON.

    python -m tests.request_replica --db URL --slack URL --github URL --repo O/N --state DIR --go FILE [--lease S]
        (vote PERSON REQUEST | tick ISO-TIME | feedback ADDRESS TIMES PER-MINUTE)"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path


def main() -> None:
    from bot.ceremonies import requests as ceremony
    from bot.config import BotConfig
    from bot.run import build
    from bot.scheduler import Scheduler
    from mlhub.config import Config, GitHubConfig, Secret
    from mlhub.publish.github import GitHubPublisher
    from mlhub.publish.retry import RetryPolicy
    from tests.bot_fixtures import SECRET, TOKEN
    from tests.conftest import REPO

    p = argparse.ArgumentParser()
    for name in ("--db", "--slack", "--github", "--repo", "--state", "--go"):
        p.add_argument(name, required=True)
    p.add_argument("--lease", type=float, default=None, help="the outbox's lease in seconds (default: its own)")
    p.add_argument("action", nargs="+")
    args = p.parse_args()
    hub = Config(root=REPO, site_addr="127.0.0.1:8000", state_dir=Path(args.state),
                 github=GitHubConfig(args.github, Secret("test-token"), *args.repo.split("/", 1)))
    cfg = BotConfig(hub, Secret(TOKEN), Secret(SECRET), Secret(""), args.slack, args.db, 0)
    github = GitHubPublisher(hub.github, RetryPolicy(attempts=3, base_delay=0.01), timeout=(4, 60))
    app, deps = build(cfg, migrate=False, publisher=github)
    if args.lease is not None:  # a replica killed mid-publication is replaced once its lease runs out
        deps.outbox.lease = dt.timedelta(seconds=args.lease)
    deps.hub()
    print(json.dumps({"ready": True}), flush=True)
    while not Path(args.go).exists():
        time.sleep(0.005)
    if args.action[0] == "vote":
        person = deps.hub().person(args.action[1])
        assert person is not None
        print(json.dumps({"said": ceremony.vote(deps, person, args.action[2])}), flush=True)
    elif args.action[0] == "feedback":  # one address sends feedback TIMES times to this replica's endpoint
        from bot.ceremonies import feedback

        endpoint = feedback.Endpoint(deps, app.client, feedback.StoredLimiter(deps, per_minute=float(args.action[3])))
        body = json.dumps({"page": "golden-path.md", "helped": False, "blocked": "step 3"})
        replies = [endpoint("POST", {"Content-Type": "application/json"}, body, args.action[1])
                   for _ in range(int(args.action[2]))]
        print(json.dumps({"codes": [r.status for r in replies],
                          "waits": [dict(r.headers).get("Retry-After") for r in replies]}), flush=True)
    else:
        fired = Scheduler(deps, app.client).tick(dt.datetime.fromisoformat(args.action[1]))
        print(json.dumps({"ticked": fired}), flush=True)


if __name__ == "__main__":
    main()
