"""bench/platform_requests: what requests and feedback cost as the community grows.

Prints, for N synthetic requests (realistic words, services and tallies): the time to offer
similar requests before a filing, the time to turn stored votes into the tally's file changes,
the requests page's size and render time; and the feedback check and flood limiter per call.

    .venv/bin/python bench/platform_requests.py [--requests 200 1000 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from pathlib import Path

from mlhub.content import load
from mlhub.content.models import Request, Tally
from mlhub.feedback.limiter import Limiter
from mlhub.feedback.model import parse
from mlhub.requests import duplicates, tally
from mlhub.site import requestlist

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("gpu quota katib trial spot pipeline feature store serving latency registry alias model card "
         "notebook image cuda driver autolog experiment metric artifact bucket s3 warehouse query cache "
         "wheel install schedule cron retry timeout memory node pool autoscale canary rollout drift monitor "
         "lineage dataset version approval review audit secret token sso permission namespace").split()


def synthetic(hub, n: int, rng: random.Random) -> list[Request]:
    people = [p for p in hub.people if p.team]
    services = [s.id for s in hub.services]
    out = []
    for i in range(n):
        backers = rng.sample(people, rng.randint(0, len(people)))
        svc = rng.sample(services, rng.randint(1, 2))
        words = " ".join(rng.choices(WORDS, k=46))
        out.append(Request(id=f"r{i}", title=words[:40].strip(), problem=words,
                           team=people[i % len(people)].team, requested_by=people[i % len(people)].id, services=svc,
                           sig=hub.service(svc[0]).owner_sig, status="open", created=dt.date(2026, 1, 1),
                           tally=Tally(supporters=sorted(p.id for p in backers),
                                       teams=sorted({p.team for p in backers}))))
    return out


def timed(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def one_size(base, n: int, rng: random.Random) -> tuple[float, float, int, float]:
    """(similar s, tally files s, page bytes, page render s) for n requests."""
    hub = load(ROOT)
    hub.requests = synthetic(base, n, rng)
    new = synthetic(base, 1, rng)[0]
    sim = timed(lambda: duplicates.similar(hub.requests, new.title, new.problem, new.services))
    votes = {r.id: {p: "Team X" for p in r.tally.supporters[:3]} | {"wei-zhang": "Fraud Detection"}
             for r in hub.requests[: n // 10]}
    files = timed(lambda: tally.files(hub, votes, dt.date(2026, 11, 27)), runs=3)
    page = requestlist.page(hub)
    return sim, files, len(page.encode()), timed(lambda: requestlist.page(hub), runs=3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, nargs="+", default=[200, 1000, 5000])
    args = ap.parse_args()
    base = load(ROOT)
    rng = random.Random(15)  # noqa: S311 - reproducible synthetic content
    print(f"{'requests':>9} {'similar (ms)':>13} {'tally files (ms)':>17} {'page (KB)':>10} {'page render (ms)':>17}")
    for n in args.requests:
        sim, files, size, render = one_size(base, n, rng)
        print(f"{n:>9} {sim * 1000:>13.1f} {files * 1000:>17.1f} {size / 1024:>10.0f} {render * 1000:>17.1f}")
    pages = {"catalog/katib.md"}
    body = {"page": "catalog/katib.md", "helped": False, "blocked": "The quota example fails " * 20}
    per = timed(lambda: [parse(body, pages) for _ in range(10_000)]) / 10_000
    lim = Limiter(clock=lambda: 0.0)
    per_lim = timed(lambda: [lim.allow(f"10.0.{i % 250}.{i % 7}") for i in range(10_000)]) / 10_000
    print(f"feedback check: {per * 1e6:.1f} µs per answer; flood limiter: {per_lim * 1e6:.2f} µs per call")


if __name__ == "__main__":
    main()
