"""The clusters' scheduled health check: at most once per interval across every replica, exactly
one post per status change to the owning SIG's channel, the result kept for the site's clusters
page. Its state (the last report and the posts not yet made) lives in the bot's store, so that a
replica that did not run the previous check still knows what changed."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path

from slack_sdk.errors import SlackApiError

from bot.refusal import Refusal
from mlhub.clusters import health
from mlhub.clusters.changes import changes
from mlhub.clusters.local import find_local
from mlhub.clusters.query import everywhere

log = logging.getLogger("mlhub.bot.clusters")
KEY = "clusters-health"  # the store's snapshot and lock
GRACE = dt.timedelta(hours=1)  # as the scheduler's jobs: an older post is recorded as missed, not flooded
CONCURRENCY = 8
FRESH = 2.0  # seconds a process answers from the stored check it read, before reading the store again


class PostState(StrEnum):
    """Where the post of one status change stands; this module owns every move."""

    pending = "pending"
    posting = "posting"  # claimed; a process killed here never posts it twice
    done = "done"
    missed = "missed"


@dataclass(frozen=True)
class Post:
    key: str  # cluster:service:checked_at, one per transition
    channel: str
    text: str
    at: str  # the check that saw the change, ISO UTC
    state: PostState = PostState.pending


@dataclass(frozen=True)
class Watch:
    """What the store keeps: the last check, and the posts of its changes not made yet."""

    report: health.Report | None
    posts: tuple[Post, ...] = ()

    def to_json(self) -> dict:
        return {"report": json.loads(self.report.to_json()) if self.report else None,
                "posts": [asdict(p) for p in self.posts if p.state in (PostState.pending, PostState.posting)]}

    @classmethod
    def from_json(cls, data: dict | None) -> Watch:
        if not data:
            return cls(None)
        report = health.Report.from_json(json.dumps(data["report"])) if data.get("report") else None
        return cls(report, tuple(Post(**(p | {"state": PostState(p["state"])})) for p in data.get("posts", [])))


def slot(when: dt.datetime, every: float) -> int:
    """Which interval `when` falls in; every replica computes the same slots from the same clock."""
    return math.floor(when.timestamp() / every)


def due(previous: health.Report | None, now: dt.datetime, every: float) -> bool:
    return previous is None or slot(previous.checked_at, every) < slot(now, every)


def load(store) -> Watch:
    try:
        return Watch.from_json(store.snapshot(KEY))
    except (ValueError, KeyError, TypeError) as exc:  # a store written by an older version: start afresh
        log.warning("the stored cluster health could not be read (%s); checking from scratch", exc)
        return Watch(None)


class Seen:
    """The newest report as the commands answer from it, kept in the process instead of read and
    decoded on every command: the store's check re-read at most every FRESH seconds (a check runs
    once per interval, minutes apart; this process's own checks are seen at once), the report file
    of `mlhub clusters check --save` re-read as soon as it changes (its stat, a few microseconds),
    and at most FRESH seconds after it was read in any case: two saves within one tick of the file
    system's clock, of the same size, on a reused inode, have the same stat."""

    def __init__(self, every: float = FRESH, monotonic: Callable[[], float] = time.monotonic):
        self.every, self.monotonic = every, monotonic
        self._lock = threading.Lock()
        self._stored: tuple[float, health.Report | None] | None = None  # (read at, monotonic; report)
        # (stat, read at, report) of the report file
        self._file: tuple[tuple[int, int, int] | None, float, health.Report | None] = ((-1, -1, -1), 0.0, None)

    def stored(self, store) -> health.Report | None:
        with self._lock:
            if self._stored is None or self.monotonic() - self._stored[0] >= self.every:
                self._stored = (self.monotonic(), load(store).report)
            return self._stored[1]

    def saved(self, report: health.Report) -> None:
        """This process stored a new check."""
        with self._lock:
            self._stored = (self.monotonic(), report)

    def filed(self, state_dir: Path) -> health.Report | None:
        try:
            st = health.report_path(state_dir).stat()
            stamp: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        with self._lock:
            now = self.monotonic()
            if stamp != self._file[0] or now - self._file[1] >= self.every:  # read after the stat: a
                self._file = (stamp, now, health.load(state_dir) if stamp else None)  # newer file is read next time
            return self._file[2]


def seen(deps) -> Seen:
    """The process's Seen (one per Deps)."""
    return deps.caches.get(KEY) or deps.caches.setdefault(KEY, Seen())


def latest(deps) -> health.Report | None:
    """The newest report: the bot's (shared by every replica) or one `mlhub clusters check --save` kept."""
    cache = seen(deps)
    found = [r for r in (cache.stored(deps.store), cache.filed(deps.config.hub.state_dir)) if r]
    return max(found, key=lambda r: r.checked_at) if found else None


def check(deps, client, now: dt.datetime) -> health.Report | None:
    """The tick's work: check when this interval has no check yet, then post what is pending.
    Returns the new report, or None when no check was due (or another process is checking)."""
    every = deps.config.health_every
    if every <= 0:
        return None
    with deps.store.lock(KEY, wait=False) as mine:
        if not mine:
            return None
        watch = load(deps.store)
        report = None
        if due(watch.report, now, every):
            report, watch = _run(deps, watch, now)
        _post(deps, client, watch, now)
        return report


def _run(deps, watch: Watch, now: dt.datetime) -> tuple[health.Report, Watch]:
    cfg = deps.config
    hub = deps.hub()
    targets = health.targets(everywhere(hub, find_local(cfg.hub.state_dir)))
    report = health.check(targets, timeout=cfg.health_timeout, concurrency=CONCURRENCY, now=lambda: now)
    at = report.checked_at.isoformat()
    new = tuple(Post(f"{c.result.cluster}:{c.result.service}:{at}", c.channel or cfg.fallback_channel, c.text, at)
                for c in changes(watch.report, report, hub))
    watch = Watch(report, watch.posts + new)
    deps.store.save_snapshot(KEY, watch.to_json())  # the transitions are recorded before any is posted
    seen(deps).saved(report)
    try:
        health.save(report, cfg.hub.state_dir)  # the site's clusters page reads this copy
    except OSError as exc:
        log.warning("could not keep the cluster health for the site: %s", exc)
    bad = sum(r.status is not health.Status.up for r in report.results)
    log.info("checked %d health URLs: %d not up, %d changes to post", len(report.results), bad, len(new))
    return report, watch


def _post(deps, client, watch: Watch, now: dt.datetime) -> None:
    """Each pending post: claimed (stored), posted, then marked done; a failure puts it back for
    the next tick, unless it is older than the grace, when it is recorded as missed."""
    posts = list(watch.posts)
    for i, post in enumerate(posts):
        if now - dt.datetime.fromisoformat(post.at) > GRACE:  # pending, or claimed by a process that died
            posts[i] = replace(post, state=PostState.missed)
            log.warning("status change %s not posted within %s: recorded as missed", post.key, GRACE)
            deps.store.save_snapshot(KEY, replace(watch, posts=tuple(posts)).to_json())
            continue
        if post.state is not PostState.pending:
            continue
        posts[i] = replace(post, state=PostState.posting)
        deps.store.save_snapshot(KEY, replace(watch, posts=tuple(posts)).to_json())
        try:
            deps.channels.post(client, post.channel, post.text)
        except (Refusal, SlackApiError, OSError) as exc:  # OSError: Slack unreachable
            posts[i] = post  # pending again: the next tick retries
            log.warning("status change %s not posted to #%s: %s", post.key, post.channel, exc)
        else:
            posts[i] = replace(post, state=PostState.done)
        deps.store.save_snapshot(KEY, replace(watch, posts=tuple(posts)).to_json())
