"""The harness of the once-and-never-lost tests: RFCs seeded on their pull request branches with
their final comment periods, a burst of state-changing Slack requests built once (so that a retry
or a redelivery sends the very same body), sent by a pool of clients over signed HTTP, and the
counting: what each request was answered, and how many effects of it the store holds."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import create_engine, select

from bot.store import Store
from bot.store.tables import agenda_items, notes
from mlhub.content import load
from mlhub.content.models import Disposition
from mlhub.rfc import edit
from mlhub.rfc import fcp as rules

from .bot_fixtures import SECRET, START
from .conftest import REPO
from .fakes import slack_requests as rq

LEA, HANNAH, SOFIA = "U04LFISCHER", "U04HOKAFOR1", "U04SMARTINS"  # sig-pipelines: lea is the author
AMELIE = "U04AMDURAND"  # an ML Sync host
MEMBERS = ["U04JWEBER01", "U04PRAMAN01", "U04MLEE0001", "U04KTANAKA1", "U04DALVAREZ", "U04WZHANG01"]


def rfc_text(n: int) -> str:
    return (f"---\nnumber: {n}\ntitle: Burst RFC {n}\nstatus: review\ntype: decision\nowning_sig: sig-pipelines\n"
            f"authors: [lea-fischer]\nshepherd: hannah-okafor\ncreated: 2026-11-02\noptions: [a, b]\n---\n\n"
            f"## Summary\n\nRFC {n} of the burst.\n")


def seed_rfcs(url: str, github, numbers: list[int], with_fcp: bool) -> None:
    """RFCs in review on their branches, filed through the bot; with an FCP that Lea (an author, so
    no sign-off) proposed when with_fcp."""
    store, hub = Store(url), load(REPO)
    try:
        for n in numbers:
            branch, path = f"rfc/{n:04d}", f"rfcs/{n:04d}-burst-rfc-{n}.md"
            with github.lock:
                github._commit(branch, {**github.files["main"], path: rfc_text(n)}, f"RFC {n}")
            store.add_filing(n, branch, path, None, LEA, None, rfc_text(n))
            if with_fcp:
                rfc = edit.parse(rfc_text(n), path)
                store.save_fcp(rules.propose(hub, rfc, "lea-fischer", Disposition.accept, START, "a", "Burst."),
                               decided_on=None, announced=False)
    finally:
        store.engine.dispose()


@dataclass
class Request:
    """One state-changing request and how its effect is counted in the store."""

    delivery: rq.Delivery
    kind: str  # concern | approve | add | decision | action | form | propose
    target: str  # what to count: the concern's name, the approver, the item's text ...
    rfc: int = 0
    answers: list[tuple[int, str]] = field(default_factory=list)  # (status, text) of every try

    @property
    def acknowledged(self) -> bool:
        return any(status == 200 for status, _ in self.answers)


def burst(slack, concern_rfc: int, approve_rfcs: list[int], forms: list[str]) -> list[Request]:
    """300 requests: 150 concerns, 2 approvals per RFC in approve_rfcs, /mlsync add, decision and
    action, and one submission per opened form."""
    out = []
    raisers = [HANNAH, SOFIA, LEA]
    for i in range(150):
        out.append(Request(rq.command(slack, raisers[i % 3], "/rfc", f"concern {concern_rfc} c{i}"), "concern",
                           f"c{i}", concern_rfc))
    for n in approve_rfcs:
        for who, pid in ((HANNAH, "hannah-okafor"), (SOFIA, "sofia-martins")):
            out.append(Request(rq.command(slack, who, "/rfc", f"approve {n}"), "approve", pid, n))
    rest = 300 - len(out) - len(forms)
    adds, decisions = rest // 2, rest // 4
    for i in range(adds):
        out.append(Request(rq.command(slack, MEMBERS[i % len(MEMBERS)], "/mlsync", f"add burst item {i}"), "add",
                           f"burst item {i} ("))
    for i in range(decisions):
        out.append(Request(rq.command(slack, AMELIE, "/mlsync", f"decision burst decision {i}", "ml-sync"),
                           "decision", f"burst decision {i}"))
    for i in range(rest - adds - decisions):
        out.append(Request(rq.command(slack, AMELIE, "/mlsync", f"action hannah-okafor burst action {i}", "ml-sync"),
                           "action", f"burst action {i} (owner"))
    for i, view in enumerate(forms):
        out.append(Request(rq.submit(slack, AMELIE, view, {"item": f"form item {i}"}), "form", f"form item {i} ("))
    assert len(out) == 300
    return out


def open_forms(slack, url: str, count: int) -> list[str]:
    """Open `count` ML Sync forms (as `/mlsync add` does) and return their view ids."""
    before = set(slack.views)
    client = rq.Http(url, SECRET)
    for _ in range(count):
        assert client.send(rq.command(slack, AMELIE, "/mlsync", "add", "ml-sync")).status == 200
    deadline = dt.datetime.now() + dt.timedelta(seconds=30)
    while len(set(slack.views) - before) < count and dt.datetime.now() < deadline:
        threading.Event().wait(0.05)
    return sorted(set(slack.views) - before)


def send(url: str, req: Request, timeout: float = 15.0) -> tuple[int, str]:
    """A signed POST; a connection the server dropped (it was killed) is status 0."""
    body, ctype = req.delivery.http_body()
    request = urllib.request.Request(url.rstrip("/") + "/slack/events", data=body.encode(), method="POST",
                                     headers=rq.signed_headers(SECRET, body, ctype))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            raw = resp.read().decode()
            status = resp.status
    except urllib.error.HTTPError as err:
        with err:
            raw, status = err.read().decode(), err.code
    except OSError as exc:
        return 0, type(exc).__name__
    try:
        data = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        data = {}
    text = data.get("text", "") if isinstance(data, dict) else ""
    if isinstance(data, dict) and data.get("response_action") == "errors":
        text = "errors: " + json.dumps(data.get("errors"))
    return status, text


def fire(urls: list[str], reqs: list[Request], clients: int = 16, on_done=None) -> None:
    """Send every request (to each url in turn when several: a redelivery to every replica),
    `clients` at a time; on_done(count) after each answer."""
    done = [0]
    lock = threading.Lock()

    def one(req: Request, url: str) -> None:
        answer = send(url, req)
        with lock:
            req.answers.append(answer)
            done[0] += 1
            if on_done:
                on_done(done[0])

    with ThreadPoolExecutor(clients) as pool:
        for req in reqs:
            for url in urls:
                pool.submit(one, req, url)


def effects(url: str, reqs: list[Request]) -> list[int]:
    """How many effects of each request the store holds."""
    store = Store(url, migrate=False)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            items = [r.text for r in conn.execute(select(agenda_items.c.text))]
            noted = [r.text for r in conn.execute(select(notes.c.text))]
        fcps = {}
        out = []
        for req in reqs:
            if req.kind in ("concern", "approve", "propose"):
                if req.rfc not in fcps:
                    row = store.fcp(req.rfc)
                    fcps[req.rfc] = row.fcp if row else None
                fcp = fcps[req.rfc]
                if fcp is None:
                    out.append(0)
                elif req.kind == "concern":
                    out.append(sum(c.name == req.target for c in fcp.concerns))
                elif req.kind == "approve":
                    out.append(int(req.target in fcp.signoffs))
                else:
                    out.append(int(fcp.proposed_by == req.target))
            elif req.kind in ("add", "form"):
                out.append(sum(t.startswith(req.target) for t in items))
            elif req.kind == "decision":
                out.append(sum(t == req.target for t in noted))
            else:
                out.append(sum(t.startswith(req.target) for t in noted))
        return out
    finally:
        engine.dispose()
        store.engine.dispose()


def tally(reqs: list[Request], counts: list[int]) -> dict:
    """acknowledged, stored, lost (acknowledged but not stored), duplicated (stored more than once)."""
    ack = [r.acknowledged for r in reqs]
    return {"requests": len(reqs), "acknowledged": sum(ack), "stored": sum(c >= 1 for c in counts),
            "lost": sum(a and c == 0 for a, c in zip(ack, counts, strict=True)),
            "duplicated": sum(c > 1 for c in counts),
            "effects": dict(Counter(counts))}
