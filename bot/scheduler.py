"""The scheduler the ceremonies share: jobs per meeting occurrence and action (agenda draft the day
before, reminder shortly before, minutes prompt after), each fired exactly once: a unique key per
occurrence and action, a claim before posting, and on PostgreSQL one ticker at a time under an
advisory lock. After downtime a job missed within the grace window fires late and says so; older
ones are recorded as missed, never flooded. The clock is whatever `now` the caller passes."""

from __future__ import annotations

import datetime as dt
import json
import logging
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.deps import Deps
from bot.store import jobs, snapshots
from mlhub import calendar
from mlhub.calendar import Occurrence
from mlhub.community import agenda
from mlhub.community.jobs import timings

log = logging.getLogger("mlhub.bot.scheduler")
LOCK_KEY = 7_316_221  # pg advisory lock id of the ticker
HORIZON = dt.timedelta(days=90)
GRACE = dt.timedelta(hours=1)


def job_key(occ: Occurrence, action: str) -> str:
    return f"{occ.calendar}:{occ.start.astimezone(dt.UTC).isoformat(timespec='minutes')}:{action}"


class Scheduler:
    def __init__(self, deps: Deps, client, grace: dt.timedelta = GRACE):
        self.deps, self.client, self.grace = deps, client, grace
        self._planned_until: dt.datetime | None = None

    # --- planning -----------------------------------------------------------------------------

    def plan(self, now: dt.datetime) -> int:
        """Insert the jobs of the next 90 days that are not there yet; returns how many."""
        now = now.astimezone(dt.UTC)
        if self._planned_until and now + HORIZON - self._planned_until < dt.timedelta(days=1):
            return 0
        hub = self.deps.hub()
        wanted = {}
        for occ in calendar.upcoming(hub, now - self.grace, days=HORIZON.days):
            for timing in timings(occ.calendar):
                wanted[job_key(occ, timing.action)] = (occ, timing.action, timing.due(occ.start, occ.end))
        engine = self.deps.store.engine
        with engine.connect() as conn:
            have = set(conn.execute(select(jobs.c.key).where(jobs.c.key.in_(list(wanted)))).scalars())
        added = 0
        for key, (occ, action, due) in wanted.items():
            if key in have:
                continue
            try:
                with engine.begin() as conn:
                    conn.execute(insert(jobs).values(
                        key=key, calendar=occ.calendar, occurrence=occ.start.astimezone(dt.UTC).isoformat(),
                        action=action, due=due.astimezone(dt.UTC), state="pending"))
                added += 1
            except IntegrityError:
                pass  # another process planned it at the same moment
        self._planned_until = now + HORIZON
        return added

    # --- ticking ----------------------------------------------------------------------------------

    def tick(self, now: dt.datetime) -> list[str]:
        """Fire what is due; returns the keys this call fired. One ticker at a time on PostgreSQL."""
        engine = self.deps.store.engine
        if engine.dialect.name != "postgresql":
            return self._tick(now)
        with engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar():
                return []  # another process is the ticker right now
            try:
                return self._tick(now)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                conn.commit()

    def _tick(self, now: dt.datetime) -> list[str]:
        now = now.astimezone(dt.UTC)  # SQLite keeps wall times: always compare in UTC
        self.plan(now)
        engine = self.deps.store.engine
        with engine.connect() as conn:
            due = conn.execute(select(jobs).where(jobs.c.state == "pending", jobs.c.due <= now)
                               .order_by(jobs.c.due)).mappings().all()
        fired = []
        for job in due:
            late = now - _aware(job["due"])
            if late > self.grace:
                self._set(job["key"], "pending", state="missed")
                log.info("job %s missed (%s late): recorded, not posted", job["key"], late)
                continue
            if not self._set(job["key"], "pending", state="firing"):
                continue  # another process claimed it
            try:
                self.fire(job, late, now)
            except Exception:
                self._set(job["key"], "firing", state="pending")  # try again on the next tick
                log.exception("job %s failed", job["key"])
                continue
            self._set(job["key"], "firing", state="done", fired=now, late_s=int(late.total_seconds()))
            fired.append(job["key"])
        return fired

    def _set(self, key: str, expected: str, **values) -> bool:
        with self.deps.store.engine.begin() as conn:
            return conn.execute(update(jobs).where(jobs.c.key == key, jobs.c.state == expected)
                                .values(**values)).rowcount == 1

    # --- what a job posts ----------------------------------------------------------------------

    def fire(self, job, late: dt.timedelta, now: dt.datetime) -> None:
        hub = self.deps.hub()
        start = dt.datetime.fromisoformat(job["occurrence"])
        channel, title, tz = self._where(hub, job["calendar"])
        local = start.astimezone(ZoneInfo(tz))
        when = f"{local:%a %d %b %H:%M} {local.tzname()} ({start:%H:%M} UTC)"
        note = f" _(posted late: the bot was down for {int(late.total_seconds() // 60)} min)_" \
            if late > dt.timedelta(minutes=5) else ""
        if job["action"] == "agenda-draft":
            body = self.agenda_draft(hub, start, now, when)
        elif job["action"] == "minutes-prompt":
            body = (f"*{title}* has ended ({when}). Hosts: record decisions and action items, then "
                    "publish the minutes.")
        else:
            body = f"Reminder: *{title}* on {when}."
            if job["calendar"] == "community-sessions":
                from bot.ceremonies.sessions import confirmed_on

                demos = confirmed_on(self.deps, local.date())
                body += "".join(f"\n• {p.title} ({p.team}; {', '.join(p.presenters)})" for p in demos) \
                    or "\nNo demo confirmed yet: propose one with `/demo propose`."
        self.client.chat_postMessage(channel=f"#{channel}", text=body + note)

    def _where(self, hub, cal: str) -> tuple[str, str, str]:
        if hub.ceremonies and cal == "ml-sync":
            c = hub.ceremonies.ml_sync
            return c.slack_channel, c.name, c.meeting.tz
        if hub.ceremonies and cal == "community-sessions":
            c = hub.ceremonies.community_sessions
            return c.slack_channel, c.name, c.meeting.tz
        sig = hub.sig(cal)
        return (sig.slack_channel, sig.meetings[0].title, sig.meetings[0].tz) if sig and sig.meetings \
            else ("ml-platform", cal, "UTC")

    def agenda_draft(self, hub, start: dt.datetime, now: dt.datetime, when: str = "") -> str:
        """Draft from what changed since the last draft, then remember the state for the next."""
        store = self.deps.store
        with store.engine.connect() as conn:
            row = conn.execute(select(snapshots.c.data).where(snapshots.c.key == "ml-sync")).scalar()
        before = agenda.Snapshot(**json.loads(row)) if row else None
        from mlhub.verify.record import load_all

        records = load_all(self.deps.config.hub.state_dir / "verify")
        broken = {tid: (f"cell {r.failing_cell.index} failed with {r.failing_cell.error}" if r.failing_cell
                        else r.error or "failed") for tid, r in records.items() if r.status == "failed"}
        tz = ZoneInfo(hub.ceremonies.ml_sync.meeting.tz) if hub.ceremonies else dt.UTC
        extra = [i["text"] for i in store.agenda("ml-sync", start.astimezone(tz).date().isoformat())]
        minutes = int(hub.ceremonies.ml_sync.meeting.duration.total_seconds() // 60) if hub.ceremonies else 30
        body = agenda.draft(hub, before, broken, extra, minutes, when)
        data = json.dumps(agenda.snapshot(hub).to_json())
        with store.engine.begin() as conn:
            if row is None:
                conn.execute(insert(snapshots).values(key="ml-sync", data=data, updated=now))
            else:
                conn.execute(update(snapshots).where(snapshots.c.key == "ml-sync").values(data=data, updated=now))
        return body


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC
