"""The scheduler the ceremonies share: jobs per meeting occurrence and action (when each is due is
written once in mlhub.community.jobs; what it says, by the ceremony that registered it in
deps.jobs), each fired exactly once: a unique key per occurrence and action, a claim before
posting, and one ticker at a time across processes (a store lock); a claim whose owner died is
taken over after its lease, and what that owner posted is found by the job's key in the message
metadata (bot.channels.post_claimed), not posted again. After downtime a job missed
within the grace window fires late and says so; older ones are recorded as missed, never flooded.
The clock is whatever `now` the caller passes."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from zoneinfo import ZoneInfo

from bot.channels import unsure
from bot.deps import Deps
from bot.jobs import Firing, JobState
from bot.mrkdwn import safe
from bot.refusal import Refusal
from mlhub import calendar
from mlhub.calendar import Occurrence
from mlhub.community.jobs import timings
from mlhub.content.hub import Hub

log = logging.getLogger("mlhub.bot.scheduler")
HORIZON = dt.timedelta(days=90)
GRACE = dt.timedelta(hours=1)
LEASE = dt.timedelta(minutes=10)  # a firing claim: far longer than a post with the client's retries
TICK_SECONDS = 60


def job_key(occ: Occurrence, action: str) -> str:
    return f"{occ.calendar}:{occ.start.astimezone(dt.UTC).isoformat(timespec='minutes')}:{action}"


def where(hub: Hub, cal: str) -> tuple[str, str, str, bool]:
    """The channel name, title and zone of a calendar's posts, and whether it is a SIG's."""
    if hub.ceremonies and cal == "ml-sync":
        c = hub.ceremonies.ml_sync
        return c.slack_channel, c.name, c.meeting.tz, False
    if hub.ceremonies and cal == "community-sessions":
        s = hub.ceremonies.community_sessions
        return s.slack_channel, s.name, s.meeting.tz, False
    sig = hub.sig(cal)
    if sig and sig.meetings:
        return sig.slack_channel, sig.meetings[0].title, sig.meetings[0].tz, True
    return "ml-platform", cal, "UTC", False


class Scheduler:
    def __init__(self, deps: Deps, client, grace: dt.timedelta = GRACE):
        self.deps, self.client, self.grace = deps, client, grace
        self._planned_until: dt.datetime | None = None

    def plan(self, now: dt.datetime) -> int:
        """Insert the jobs of the next 90 days that are not there yet; returns how many."""
        now = now.astimezone(dt.UTC)
        if self._planned_until and now + HORIZON - self._planned_until < dt.timedelta(days=1):
            return 0
        wanted = {}
        for occ in calendar.upcoming(self.deps.hub(), now - self.grace, days=HORIZON.days):
            for timing in timings(occ.calendar):
                wanted[job_key(occ, timing.action)] = (occ, timing.action, timing.due(occ.start, occ.end))
        have = self.deps.store.job_keys(list(wanted))
        added = sum(self.deps.store.add_job(key=key, calendar=occ.calendar, occurrence=occ.start.astimezone(dt.UTC)
                                            .isoformat(), action=action, due=due.astimezone(dt.UTC),
                                            state=JobState.pending.value)
                    for key, (occ, action, due) in wanted.items() if key not in have)
        self._planned_until = now + HORIZON
        return added

    def tick(self, now: dt.datetime) -> list[str]:
        """Fire what is due, then the ceremonies' per-tick work; returns the keys this call fired.
        Does nothing while another process ticks."""
        with self.deps.store.lock("ticker", wait=False) as mine:
            if not mine:
                return []
            fired = self._fire_due(now)
            for work in self.deps.jobs.ticks:
                try:
                    work(self.deps, self.client, now)
                except Exception:  # one ceremony's failure does not stop the others
                    log.exception("tick work %s failed", getattr(work, "__name__", work))
            return fired

    def _fire_due(self, now: dt.datetime) -> list[str]:
        now = now.astimezone(dt.UTC)  # SQLite keeps wall times: always compare in UTC
        self.plan(now)
        store, fired = self.deps.store, []
        pending, firing = JobState.pending.value, JobState.firing.value
        for job in store.due_jobs(pending, now, abandoned=firing):
            # a claim for a lease: a job whose owner died while firing is taken over when it runs out
            claimed = store.claim_job(job["key"], pending, firing, now, LEASE)
            if claimed is None:
                continue  # another process has it
            late = now - _aware(job["due"])
            if late > self.grace:
                store.move_job(job["key"], firing, state=JobState.missed.value, owner=None)
                log.info("job %s missed (%s late): recorded, not posted", job["key"], late)
                continue
            # taken over from an owner that died: it may have posted after the job was due
            since = _aware(job["due"]) if claimed["state"] == firing else None
            try:
                ts = self.fire(job, late, now, since)
            except Exception as exc:
                if unsure(exc, since):  # it may have been posted: its lease ends, the next tick reads history
                    store.move_job(job["key"], firing, lease_until=now)
                else:
                    store.move_job(job["key"], firing, state=pending, owner=None, lease_until=None)  # next tick
                log.exception("job %s failed", job["key"])
                continue
            store.move_job(job["key"], firing, state=JobState.done.value, fired=now, late_s=int(late.total_seconds()),
                           posted_ts=ts, owner=None)
            fired.append(job["key"])
        return fired

    def fire(self, job: dict, late: dt.timedelta, now: dt.datetime, since: dt.datetime | None = None) -> str | None:
        """Post a job's message; the posted message's ts (or, after a takeover, that of the message
        a dead owner posted since `since`)."""
        hub = self.deps.hub()
        start = dt.datetime.fromisoformat(job["occurrence"])
        channel, title, tz, is_sig = where(hub, job["calendar"])
        text_for = self.deps.jobs.text_for(job["calendar"], job["action"], is_sig)
        if text_for is None:
            raise LookupError(f"no ceremony registered the {job['action']} post of {job['calendar']}")
        local = start.astimezone(ZoneInfo(tz))
        firing = Firing(hub, job["calendar"], job["action"], start, local,
                        f"{local:%a %d %b %H:%M} {local.tzname()} ({start:%H:%M} UTC)", safe(title), late, now)
        note = f" _(posted late: the bot was down for {int(late.total_seconds() // 60)} min)_" \
            if late > dt.timedelta(minutes=5) else ""
        try:
            return self.deps.channels.post_claimed(self.client, f"job:{job['key']}", channel,
                                                   text_for(self.deps, firing) + note, since=since).get("ts")
        except Refusal as exc:  # the channel is missing: say so in the log, retry on the next tick
            raise LookupError(str(exc)) from None


class Ticker:
    """Every TICK_SECONDS, in a daemon thread: the scheduler's tick (one process at a time)."""

    def __init__(self, deps: Deps, client, every: float = TICK_SECONDS):
        self.scheduler, self.every = Scheduler(deps, client), every
        self.stop = threading.Event()
        self.deps = deps

    def start(self) -> threading.Thread:
        def loop() -> None:
            while not self.stop.wait(self.every):
                try:
                    self.scheduler.tick(self.deps.clock())
                except Exception:  # keep ticking; the next tick retries what failed
                    log.exception("tick failed")

        thread = threading.Thread(target=loop, name="mlhub-ticker", daemon=True)
        thread.start()
        return thread


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC
