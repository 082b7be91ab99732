"""Reader feedback from the site: the pages' form posts JSON to /feedback on the bot's server; it
is checked (mlhub.feedback.model), limited per address (a token bucket in the store: every replica
counts the same sends), stored, and posted to the channel of the SIG that owns the page. What could
not be posted is posted on a later tick; the counts per page are saved for the site's tutorial
status page."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from urllib.parse import urlsplit

from slack_sdk.errors import SlackApiError

from bot.channels import unsure
from bot.deps import Deps
from bot.mrkdwn import clip, safe
from bot.refusal import Refusal
from bot.server import Reply, Web
from mlhub.feedback import counts
from mlhub.feedback.limiter import Limiter, full_after
from mlhub.feedback.model import MAX_BODY, Feedback, Refused, parse
from mlhub.feedback.routing import Owner, pages

COMMAND = None
ACTIONS: list[str] = []
VIEWS: list[str] = []
SHORTCUTS: list[str] = []
EVENTS: list[str] = []
PATH = "/feedback"
WINDOW = dt.timedelta(days=90)  # the counts the site shows: the last quarter's answers
POST_LEASE = dt.timedelta(minutes=2)  # a poster that died is replaced after this long
PER_MINUTE, BURST = 6, 5  # sends per address: a burst of 5, then one every 10 s
log = logging.getLogger("mlhub.bot.feedback")


def origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _json(status: int, cors: tuple, **body: object) -> Reply:
    return Reply(status, json.dumps(body), "application/json", cors)


def message(owner: Owner, title: str, f: Feedback, site: str | None) -> str:
    label = safe(title, 200)
    where = f"<{site.rstrip('/')}/{_url(f.page)}|{label.replace('|', '¦')}>" if site else f"*{label}*"
    verdict = "it helped :white_check_mark:" if f.helped else "they were blocked :warning:"
    text = f"Reader feedback on {where}: {verdict}"
    if f.blocked:
        text += "\n>" + safe(f.blocked, 2500).replace("\n", "\n>")
    return clip(text, 3000)


def _url(page: str) -> str:
    stem = page.rsplit(".", 1)[0]
    return "" if stem == "index" else stem + "/"


def title_of(deps: Deps, page: str) -> str:
    hub = deps.hub()
    for svc in hub.services:
        if page == f"catalog/{svc.id}.md":
            return svc.name
    for tut in hub.tutorials:
        if page == f"tutorials/{tut.id}.ipynb":
            return tut.title
    return "the golden path" if page == "golden-path.md" else page


class StoredLimiter:
    """The flood limit of every replica: a token bucket per address in the bot's store, spent in
    one transaction (the address kept as a digest)."""

    def __init__(self, deps: Deps, per_minute: float = PER_MINUTE, burst: int = BURST):
        self.store, self.per_minute, self.burst = deps.store, per_minute, burst

    def wait(self, address: str) -> int:
        """0 when one more send is allowed now (and counted), else the seconds until it is."""
        digest = hashlib.sha256(address.encode()).hexdigest()
        return self.store.spend_token(digest, self.per_minute, self.burst)


class Endpoint:
    """The /feedback route of one server process."""

    def __init__(self, deps: Deps, client, limiter: Limiter | StoredLimiter | None = None):
        self.deps, self.client = deps, client
        self.limiter = limiter or StoredLimiter(deps)
        self.site = deps.config.hub.site_url

    def cors(self, headers: dict[str, str]) -> tuple[tuple[str, str], ...] | None:
        """The CORS headers for a request's Origin, or None when the origin is not the site's."""
        allowed, given = origin(self.site), headers.get("Origin")
        if allowed and given and given != allowed:
            return None
        return (("Access-Control-Allow-Origin", allowed or "*"), ("Vary", "Origin"))

    def __call__(self, method: str, headers: dict[str, str], body: str | None, address: str) -> Reply:
        cors = self.cors(headers)
        if cors is None:
            return _json(403, (), error="feedback is accepted from the hub's site only")
        if method == "OPTIONS":
            return Reply(204, "", headers=cors + (("Access-Control-Allow-Methods", "POST"),
                                                  ("Access-Control-Allow-Headers", "Content-Type"),
                                                  ("Access-Control-Max-Age", "600")))
        if method != "POST":
            return _json(405, cors, error="send feedback with POST")
        if wait := self.limiter.wait(address):
            return _json(429, cors + (("Retry-After", str(wait)),),
                         error=f"Too much feedback from your address: try again in {wait} s.")
        if body is None or len(body.encode()) > MAX_BODY:
            return _json(413, cors, error=f"Feedback is at most {MAX_BODY // 1024} KB.")
        if not headers.get("Content-Type", "").startswith("application/json"):
            return _json(415, cors, error="send JSON (Content-Type: application/json)")
        try:
            data = json.loads(body)
        except ValueError:
            return _json(400, cors, error="not JSON", field="")
        routes = pages(self.deps.hub())
        try:
            f = parse(data, routes)
        except Refused as exc:
            return _json(400, cors, error=str(exc), field=exc.field)
        owner = routes[f.page]
        entry = str(uuid.uuid4())
        self.deps.store.add_feedback(entry, f.page, f.helped, f.blocked, owner.channel)
        save_counts(self.deps)
        posted = post_one(self.deps, self.client, entry, owner.channel, message(owner, title_of(self.deps, f.page), f,
                                                                                 self.site))
        who = f"{owner.name} (#{owner.channel})"
        return _json(201, cors, message=f"Thank you: {who} {'has' if posted else 'will get'} your feedback.",
                     posted=posted)


def post_one(deps: Deps, client, entry: str, channel: str, text: str) -> bool:
    """Post one stored feedback if no other process is (a claim with a lease: a poster killed
    halfway is replaced once it runs out); on failure it stays for the next tick."""
    key = f"feedback:{entry}"
    taken = deps.store.take(key, POST_LEASE)
    if not taken.mine:
        return False
    try:
        deps.channels.post_claimed(client, key, channel, text, since=taken.since)  # a dead poster's post is found
    except (SlackApiError, Refusal, OSError) as exc:
        deps.store.release(key, unsure=unsure(exc, taken.since))  # maybe posted: the next try reads history
        log.warning("feedback %s not posted to #%s: %s", entry, channel, exc)
        return False
    with deps.store.transaction():
        deps.store.feedback_posted(entry)
        deps.store.finish(key, None)
    return True


def save_counts(deps: Deps) -> None:
    rows = deps.store.feedback_since(deps.clock() - WINDOW)
    counts.save(deps.config.hub.ensure_state(), counts.count(Feedback(r["page"], r["helped"], r["blocked"])
                                                             for r in rows))


def post_pending(deps: Deps, client, now: dt.datetime) -> None:
    """Every tick: post the feedback whose post failed; forget the flood limit's full buckets."""
    deps.store.forget_limits(deps.clock() - dt.timedelta(seconds=full_after(PER_MINUTE, BURST)))
    routes = pages(deps.hub())
    for row in deps.store.unposted_feedback():
        f = Feedback(row["page"], row["helped"], row["blocked"])
        owner = routes.get(f.page) or Owner(row["channel"], row["channel"], None)
        post_one(deps, client, row["id"], row["channel"], message(owner, title_of(deps, f.page), f,
                                                                   deps.config.hub.site_url))


def summary(deps: Deps, since: dt.datetime) -> list[str]:
    """Lines for the ML Sync agenda draft: the answers since the last draft."""
    rows = deps.store.feedback_since(since)
    found = counts.count(Feedback(r["page"], r["helped"], r["blocked"]) for r in rows)
    return counts.summary(found, {p: title_of(deps, p) for p in found})


def register(app, deps: Deps) -> None:
    deps.jobs.every_tick(post_pending)


def routes(app, deps: Deps) -> dict:
    return {PATH: Web(Endpoint(deps, app.client), max_body=MAX_BODY)}
