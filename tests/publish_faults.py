"""The fault matrix of publishing: for each kind of publication, GitHub (the double) fails one
request of it, at every step in turn, with each answer in MODES; the bot's follow-up runs as Slack
triggers it, then `mlhub outbox retry` runs (the real command, in this process). Each case records
what the person heard, the pull requests and draft branches left, and for an RFC whether
`/rfc ready N` works afterwards. Used by tests/test_publish_faults.py and bench/publish_faults.py
(which also runs it against older code, so it uses only what every version has).

The community requests' kinds (a filing, a change of status, a merge, the scheduled tally) run on a
copy of the content with one fresh request per case (a decision or a merge is made once per
request); the tally has no person to tell, so what the bot logs of it counts as what it said."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import shutil
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from mlhub import calendar
from mlhub.publish.outbox import Entry

from .bot_fixtures import APP_TOKEN, TOKEN, Bot, Clock, bot_config, make_bot, publisher
from .conftest import REPO
from .fakes import slack_requests as rq
from .fakes.github import FakeGitHub
from .fakes.slack import FakeSlack

LEA, HANNAH, SOFIA, DIEGO = "U04LFISCHER", "U04HOKAFOR1", "U04SMARTINS", "U04DALVAREZ"
# RFC authors in turn: each gets its result as a DM, and Slack allows about one post a second per DM
AUTHORS = ["U04LFISCHER", "U04AMDURAND", "U04JWEBER01", "U04PRAMAN01", "U04MLEE0001", "U04SMARTINS",
           "U04KTANAKA1", "U04HOKAFOR1", "U04DALVAREZ", "U04WZHANG01"]
KINDS = ["rfc", "minutes", "demo", "sigs-edit"]
REQUEST_KINDS = ["request", "request-status", "request-merge", "request-tally"]
SEEDED = 200  # fresh requests per seeded kind: more than the cases of any run
ALL_MODES = ["400", "401", "403", "404", "409", "422", "500", "502", "503"]


@dataclass
class Case:
    kind: str
    step: int  # which request of the publication fails (0: the first)
    mode: str
    route: str = ""  # the GitHub route of that request in a clean run


@dataclass
class Result:
    case: Case
    told: list[str] = field(default_factory=list)  # what the person heard after the ack
    done_by_bot: bool = False  # the bot's own attempt published it
    drafts_after_bot: int = 0
    retry_code: int = 0
    retry_output: str = ""
    pulls: int = 0  # pull requests of this case's publication at the end
    drafts: int = 0  # mlhub-draft/* branches at the end
    pending: int = 0  # outbox entries of the case still pending at the end
    ready_refused: bool = False

    @property
    def silent(self) -> bool:
        """The background work ended without a word to the person."""
        return not self.told

    @property
    def told_later(self) -> bool:
        return any("mlhub outbox retry" in t for t in self.told)


class Trigger:
    """Starts one publication of a kind through Slack; each call a new one."""

    def __init__(self, bot: Bot, kind: str):
        self.bot, self.kind, self.n, self.author = bot, kind, 0, LEA
        if kind == "sigs-edit":
            sig = bot.deps.hub().sig("sig-serving")
            meeting = sig.meetings[0]
            start = bot.clock()
            self.days = [o.start.date() for o in calendar.occurrences(meeting, start, start + dt.timedelta(days=3000))]

    def __call__(self) -> str:
        """Trigger the next publication; returns what names its pull request (head branch or title)."""
        self.n += 1
        bot, n = self.bot, self.n
        if self.kind == "minutes":
            day = (dt.date(2027, 1, 1) + dt.timedelta(days=n)).isoformat()
            answer = bot.command(HANNAH, "/mlsync", f"publish {day}")
            assert answer.status == 200, answer.body
            return f"ml-sync/{day}"
        if self.kind == "sigs-edit":
            day = self.days[n]
            answer = bot.command(DIEGO, "/sig", f"skip sig-serving {day}")
            assert answer.status == 200 and "Proposed" in answer.text, answer.text
            return f"sig/sig-serving/skip-{day}"
        if self.kind == "request":
            return self.file_request(n)
        if self.kind == "request-status":
            rid = f"fault-status-{n}"
            text = f"accept {rid} mlflow-tracking-beta" if n % 2 else f"decline {rid} Fault case {n}: out of scope."
            answer = bot.command(HANNAH, "/request", text)
            assert answer.status == 200 and "pull request" in answer.text, answer.text
            return f"request-{'planned' if n % 2 else 'declined'}/{rid}"
        if self.kind == "request-merge":
            answer = bot.command(HANNAH, "/request", f"merge fault-dup-{n} into fault-into-{n}")
            assert answer.status == 200 and "merged into" in answer.text, answer.text
            return f"request-merge/fault-dup-{n}"
        if self.kind == "request-tally":
            return self.tally(n)
        if self.kind == "demo":
            pid = str(uuid.uuid4())
            title = f"Fault case {n} feature pipelines"
            bot.deps.store.save_proposals([{
                "id": pid, "title": title, "team": "Search", "presenters": ["sofia-martins"], "tools": ["mlflow"],
                "minutes": 15, "links": [], "notebook": None, "state": "confirmed", "session": "2026-12-03",
                "created": "2026-11-20T10:00:00+00:00"}])
            answer = bot.command(SOFIA, "/demo", f"recording {pid[:8]} https://videos.example.com/{n}")
            assert answer.status == 200 and "pull request" in answer.text, answer.text
            return f"demo/2026-12-03-fault-case-{n}-feature-pipelines"
        self.author = AUTHORS[n % len(AUTHORS)]
        answer = bot.command(self.author, "/rfc", "new")
        assert answer.status == 200, answer.body
        bot.slack.wait_for("views.open", count=n, ok=True)
        view = [v for v in bot.slack.views if bot.slack.views[v]["view"]["callback_id"] == "rfc_new"][-1]
        title = f"Fault case {n} of the feature store"
        answer = bot.send(rq.submit(bot.slack, self.author, view, {"title": title, "sig": "sig-pipelines",
                                                            "options": "feast", "summary": "Use Feast."}))
        assert (answer.status, answer.body) == (200, ""), answer.body
        return title


    def file_request(self, n: int) -> str:
        bot = self.bot
        self.author = AUTHORS[n % len(AUTHORS)]
        answer = bot.command(self.author, "/request", "new")
        assert answer.status == 200, answer.body
        wait_until_opened(bot, "request_new", n)
        view = [v for v in bot.slack.views if bot.slack.views[v]["view"]["callback_id"] == "request_new"][-1]
        title = f"Fault case {n} wants quota alerts"
        answer = bot.send(rq.submit(bot.slack, self.author, view, {
            "title": title, "problem": f"Case {n}: our jobs stop without warning when a quota runs out.",
            "services": "katib", "duplicates": "file"}))
        assert (answer.status, answer.body) == (200, ""), answer.body
        return title

    def tally(self, n: int) -> str:
        """A new vote, then the scheduled tally (as the ticker runs it, an hour and more later)."""
        from bot.ceremonies import requests as ceremony
        from bot.store.tables import request_votes

        bot = self.bot
        with bot.deps.store.engine.begin() as conn:  # the earlier cases' votes: each change is one file, alike
            conn.execute(request_votes.delete())
        answer = bot.command(SOFIA, "/request", f"support fault-tally-{n}")
        assert answer.status == 200 and answer.text.startswith("Thanks"), answer.text
        bot.clock.advance(hours=2)
        ceremony.publish_tally(bot.deps, bot.app.client, bot.clock())
        entry = max(bot.deps.outbox.entries(kind="request-tally"), key=lambda e: e.created)
        return f"request-tally/{entry.payload['digest']}"


def wait_until_opened(bot: Bot, callback: str, n: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for v in bot.slack.views.values() if v["view"]["callback_id"] == callback) >= n:
            return
        time.sleep(0.02)
    raise AssertionError(f"the {callback} form did not open")


class Logged(logging.Handler):
    """What the bot logs of a publication nobody asked for (the tally): its 'person' is the log."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def heard(bot: Bot, user: str = "") -> list[str]:
    """What people were told after the ack: response-URL posts and direct messages (one case runs
    at a time, so these are its person's), and what the bot logged of a scheduled publication."""
    said = [r.args.get("text", "") for r in bot.slack.responses]
    said += [m.get("text", "") for m in bot.slack.sent("chat.postMessage") if m.get("channel", "").startswith("U")]
    said += getattr(bot, "logged", Logged()).lines
    return [t for t in said if not t.startswith("Filing your RFC")]


def wait_for_follow_up(bot: Bot, user: str, before: int, quiet: float = 0.6, timeout: float = 30.0) -> None:
    """Until the person heard something new and GitHub is quiet (or, for older code, nothing moved
    for `quiet` s)."""
    deadline, last, seen = time.monotonic() + timeout, time.monotonic(), None
    while time.monotonic() < deadline:
        now = (len(bot.github.requests), len(heard(bot, user)))
        if now != seen:
            seen, last = now, time.monotonic()
        elif now[1] > before and time.monotonic() - last > 0.15:
            return
        elif time.monotonic() - last > quiet and not CLAIMS:
            return
        time.sleep(0.03)


def settle(bot: Bot, quiet: float = 0.15, timeout: float = 30.0) -> None:
    """Until the status change `/rfc ready` stored is committed (no rfc-edit pending) and GitHub has
    been quiet for `quiet` s: the next case's fault must not hit this follow-up's requests."""
    deadline, last, seen = time.monotonic() + timeout, time.monotonic(), -1
    while time.monotonic() < deadline:
        if len(bot.github.requests) != seen:
            seen, last = len(bot.github.requests), time.monotonic()
        elif time.monotonic() - last > quiet and not [e for e in bot.deps.outbox.entries("pending")
                                                        if e.kind == "rfc-edit"]:
            return
        time.sleep(0.03)


# Code with claims tells the person the end of every follow-up, so the harness waits for that word
# (under load a follow-up may start late); older code may say nothing, so it ends on quiet.
CLAIMS = "owner" in Entry.__dataclass_fields__


def ours(bot: Bot, name: str) -> list:
    return [p for p in bot.github.pulls if p.head == name or p.title.endswith(f": {name}")]


def drafts(bot: Bot) -> int:
    return sum(1 for b in bot.github.branches if b.startswith("mlhub-draft/"))


def retry(bot: Bot, tmp: Path) -> tuple[int, str]:
    """`mlhub outbox retry`, the real command, on the bot's settings."""
    return cli(bot, "outbox", "retry")


def cli(bot: Bot, *args: str) -> tuple[int, str]:
    """An `mlhub` command, the real one, on the bot's settings: (exit code, output)."""
    from mlhub.cli import main

    cfg = bot.deps.config
    env = {"MLHUB_ROOT": str(cfg.hub.root), "MLHUB_STATE_DIR": str(cfg.hub.state_dir), "MLHUB_BOT_DB": cfg.db_url,
           "GITHUB_URL": bot.github.url, "GITHUB_TOKEN": "test-token",
           "GITHUB_REPO": f"{bot.github.owner}/{bot.github.name}"}
    res = CliRunner().invoke(main, list(args), env=env, catch_exceptions=True)
    out = res.output + (f"\n{res.exception!r}" if res.exception and not isinstance(res.exception, SystemExit) else "")
    return res.exit_code, out


def steps(bot: Bot, trigger: Trigger, user: str) -> list[str]:
    """The routes of a clean publication of this kind, in order."""
    base = len(bot.github.requests)
    before = len(heard(bot, user))
    trigger()
    wait_for_follow_up(bot, user, before)
    return [route for route, _ in bot.github.requests[base:]]


def seeded_bot(tmp: Path, kind: str) -> Bot:
    """A bot on a copy of the content with SEEDED fresh open requests for the kind's cases."""
    from mlhub.content.models import Request, RequestStatus
    from mlhub.requests import text

    root = tmp / "content"
    for name in ("community", "catalog", "clusters", "requests", "rfcs", "demos", "tutorials"):
        shutil.copytree(REPO / name, root / name)
    prefixes = {"request-status": ["fault-status"], "request-merge": ["fault-dup", "fault-into"],
                "request-tally": ["fault-tally"]}.get(kind, [])
    for n in range(1, SEEDED + 1):
        for prefix in prefixes:
            req = Request(id=f"{prefix}-{n}", title=f"{prefix} {n}: alerts before a quota runs out",
                          problem=f"Case {n} ({prefix}): jobs stop without warning.", team="Search Relevance",
                          requested_by="kenji-tanaka", services=["katib"], sig="sig-training-tuning",
                          status=RequestStatus.open, created=dt.date(2026, 8, 30))
            (root / text.path(req)).write_text(text.dump(req))
    files = {p.relative_to(root).as_posix(): p.read_text()
             for p in [*(root / "rfcs").glob("*.md"), *(root / "requests").glob("*.yaml")]}
    slack, github = FakeSlack(token=TOKEN, app_token=APP_TOKEN).start(), FakeGitHub(files=files).start()
    cfg = bot_config(tmp, slack, github)
    cfg = dataclasses.replace(cfg, hub=dataclasses.replace(cfg.hub, root=root))
    from bot.run import build

    clock = Clock()
    app, deps = build(cfg, clock=clock, publisher=publisher(cfg))
    return Bot(app, deps, slack, github, clock)


def run_kind(tmp: Path, kind: str, modes: list[str], only_steps: list[int] | None = None) -> list[Result]:
    """Every case of one kind, on one bot (each case publishes something new)."""
    bot = seeded_bot(tmp, kind) if kind in REQUEST_KINDS else make_bot(tmp)
    # GitHub's faults are under test here, not Slack's workspace-wide posting limit: the cases post
    # about two direct messages a second, and a 60 s Retry-After would outlast a case's wait
    bot.slack.special_per_minute = 1000
    user = {"rfc": LEA, "minutes": HANNAH, "demo": SOFIA, "sigs-edit": DIEGO, "request": LEA,
            "request-status": HANNAH, "request-merge": HANNAH, "request-tally": ""}[kind]
    results = []
    logger = logging.getLogger("mlhub.bot.requests")
    level = logger.level
    if kind == "request-tally":
        bot.logged = Logged()  # type: ignore[attr-defined]
        logger.addHandler(bot.logged)  # type: ignore[attr-defined]
        logger.setLevel(logging.INFO)
    try:
        trigger = Trigger(bot, kind)
        steps(bot, trigger, user)  # the first also looks the repository up, which the publisher then keeps
        clean = steps(bot, trigger, user)
        for step in only_steps if only_steps is not None else range(len(clean)):
            for mode in modes:
                results.append(run_case(bot, tmp, trigger, user, Case(kind, step, mode, clean[step])))
    finally:
        if kind == "request-tally":
            logger.removeHandler(bot.logged)  # type: ignore[attr-defined]
            logger.setLevel(level)
        bot.stop()
    return results


def run_case(bot: Bot, tmp: Path, trigger: Trigger, user: str, case: Case) -> Result:
    result = Result(case)
    said_before, drafts_before = heard(bot, user), drafts(bot)
    earlier = {e.id for e in pending(bot)}
    bot.github.fail_at(len(bot.github.requests) + case.step, case.mode)
    name = trigger()
    wait_for_follow_up(bot, user, len(said_before))
    # what is new (responses and direct messages are listed apart, so not a slice of the list)
    result.told = list((Counter(heard(bot, user)) - Counter(said_before)).elements())
    result.done_by_bot = len(ours(bot, name)) == 1 and not [e for e in pending(bot) if e.id not in earlier]
    result.drafts_after_bot = drafts(bot) - drafts_before
    bot.github.by_index.clear()  # a fault the attempt never reached fails nothing later
    result.retry_code, result.retry_output = retry(bot, tmp)
    bot.slack.quiet(0.1)
    result.pulls, result.drafts = len(ours(bot, name)), drafts(bot) - drafts_before
    result.pending = len([e for e in pending(bot) if e.id not in earlier])
    if case.kind == "rfc" and result.pulls:
        number = ours(bot, name)[0].title[4:8]
        answer = bot.command(trigger.author, "/rfc", f"ready {int(number)} wei-zhang")
        result.ready_refused = "moves to review" not in answer.text
        settle(bot)  # the status change is committed on the branch after the ack, in silence
    return result


def pending(bot: Bot) -> list:
    return [e for e in bot.deps.outbox.entries("pending") if e.kind != "rfc-edit"]


def summary(results: list[Result]) -> dict[str, int]:
    """The counts the issue names, over all cases."""
    rfc = [r for r in results if r.case.kind == "rfc"]
    left = [r for r in results if not r.done_by_bot]
    return {
        "cases": len(results),
        "background work silent (the person heard nothing)": sum(r.silent for r in results),
        "left for later by the bot's attempt": len(left),
        "of those, the person told what is left and `mlhub outbox retry`": sum(r.told_later for r in left),
        "draft branches left after the bot's attempt": sum(r.drafts_after_bot > 0 for r in results),
        "draft branches left at the end": sum(r.drafts > 0 for r in results),
        "not exactly one pull request at the end": sum(r.pulls != 1 for r in results),
        "still pending after `mlhub outbox retry`": sum(r.pending > 0 for r in results),
        "`mlhub outbox retry` failed (exit != 0)": sum(r.retry_code != 0 for r in results),
        "RFC cases": len(rfc),
        "`/rfc ready N` refused afterwards": sum(r.ready_refused for r in rfc),
    }


def by_kind(results: list[Result]) -> Counter:
    return Counter(r.case.kind for r in results)
