"""The bot's store: every query the bot runs, each change one transaction, on the engine of
bot.store.database (SQLite or PostgreSQL, Alembic migrations, named locks)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.database import HEAD, Database, _alembic
from bot.store.tables import (
    agenda_items,
    channels,
    claims,
    demos,
    events,
    fcps,
    feedback,
    feedback_limits,
    filings,
    jobs,
    metadata,
    notes,
    polls,
    registry_events,
    request_votes,
    requests,
    slack_users,
    snapshots,
)
from mlhub.feedback.limiter import spend
from mlhub.rfc import fcp as rules

__all__ = ["FcpRow", "HEAD", "Store", "Taken", "_alembic", "metadata", "jobs"]

# The statements every command runs, built once: building a statement costs more than running it.
AGENDA_OF_DAY = (select(agenda_items).where(agenda_items.c.ceremony == bindparam("ceremony"),
                                            agenda_items.c.meeting_date == bindparam("day"))
                 .order_by(agenda_items.c.created))
FILINGS = select(filings).order_by(filings.c.number)
FILING = select(filings).where(filings.c.number == bindparam("number"))
FCP = select(fcps).where(fcps.c.rfc == bindparam("rfc"))
ZONES = select(slack_users).where(slack_users.c.user_id.in_(bindparam("users", expanding=True)))
# a write's request key with its answer, written with the change (values given at execution: values()
# with literals costs a statement build and a cache key on every call, more than the write); on
# PostgreSQL claimed first and answered at the end
REQUEST = insert(requests).values(key=bindparam("key"), answer=bindparam("answer"), created=bindparam("created"))
REQUEST_CLAIM = insert(requests).values(key=bindparam("key"), answer=None, created=bindparam("created"))
REQUEST_ANSWER = update(requests).where(requests.c.key == bindparam("k")).values(answer=bindparam("answer"))
FIRST_ANSWER = select(requests.c.answer).where(requests.c.key == bindparam("key"))
SNAPSHOT = select(snapshots.c.data).where(snapshots.c.key == bindparam("key"))


@dataclass(frozen=True)
class Taken:
    """A claim as it was taken: mine or not, what it left, and since when an earlier owner held it
    (None: nobody did, so nothing can have been made)."""

    mine: bool
    result: str | None = None
    since: dt.datetime | None = None

    def __bool__(self) -> bool:
        return self.mine


@dataclass(frozen=True)
class FcpRow:
    fcp: rules.Fcp
    channel: str | None
    ts: str | None
    decided_on: str | None
    announced: bool


class Store(Database):
    # --- requests: the first answer, for redeliveries -----------------------------------------------

    def once(self, key: str, work: Callable[[], str],
             refused: Callable[[Exception], str | None] = lambda exc: None) -> tuple[str, bool]:
        """Run work (its queries join one transaction) and store the request's key with its answer
        in that transaction: (answer, False). A redelivery, here or in another process, gets the
        first answer and changes nothing: (first answer, True). A delivery arriving while the first
        is under way waits for it. When work raises and refused(exception) is an answer (a
        refusal), what work wrote is undone and that answer is stored with the key instead."""
        if self.queued:
            return self._once_queued(key, work, refused)
        # PostgreSQL: the key claimed first, so that a concurrent delivery waits on its row before
        # its work starts; a refusal undoes the work to a savepoint, in the same transaction
        for _ in range(3):
            try:
                with self._begin() as conn:
                    conn.execute(REQUEST_CLAIM, {"key": key, "created": self.clock()})
                    conn.exec_driver_sql("SAVEPOINT work")
                    try:
                        answer = work()
                    except Exception as exc:
                        refusal = refused(exc)
                        if refusal is None:
                            raise
                        answer = refusal
                        conn.exec_driver_sql("ROLLBACK TO SAVEPOINT work")
                    conn.exec_driver_sql("RELEASE SAVEPOINT work")
                    conn.execute(REQUEST_ANSWER, {"k": key, "answer": answer})
                return answer, False
            except IntegrityError:
                first = self.first_answer(key)
                if first is not None:
                    return first, True
                # not the key: a conflict on the state itself; once more, on the state as it is now
        raise RuntimeError(f"request {key} conflicted three times")

    def _once_queued(self, key: str, work: Callable[[], str],
                     refused: Callable[[Exception], str | None]) -> tuple[str, bool]:
        """SQLite: the write lock, held from the key's lookup to the commit of its answer, keeps
        every other writer out, so the key is looked up first and stored with its answer at the end
        (two statements fewer than claiming it first, with no savepoint: the lock's holder spends
        less time holding it). A refusal rolls the work back and stores the key with the refusal
        in a second transaction, before the lock is let go."""
        with self._writers.connect() as conn, self._queued(), self._holding(conn):
            first = self._run(conn, ("first answer",), lambda: FIRST_ANSWER, {"key": key})
            if first:
                return first[0][0], True
            params = {"key": key, "created": self.clock()}
            try:
                with conn.begin():
                    answer = work()
                    self._run(conn, ("request",), lambda: REQUEST, params | {"answer": answer})
                return answer, False
            except Exception as exc:
                refusal = refused(exc)
                if refusal is None:
                    raise
            with conn.begin():
                self._run(conn, ("request",), lambda: REQUEST, params | {"answer": refusal})
            return refusal, False

    def first_answer(self, key: str) -> str | None:
        with self._read() as conn:
            return conn.execute(FIRST_ANSWER, {"key": key}).scalar()

    # --- claims on effects outside the store (Slack posts), with leases -----------------------------

    def claim(self, key: str, lease: dt.timedelta) -> tuple[bool, str | None]:
        """Take the right to make an effect: (True, what an earlier owner whose lease ran out left,
        else None); (False, result) when it is done; (False, None) while another owner holds it."""
        taken = self.take(key, lease)
        return taken.mine, taken.result

    def take(self, key: str, lease: dt.timedelta) -> Taken:
        """claim(), and, when it is taken over from an owner whose lease ran out, since when the
        claim was first taken: that owner may have made the effect without writing it down."""
        now = self.clock()
        with self._begin() as conn:
            self._insert_once(claims, key=key, owner=None, lease_until=None, done=False, result=None)
            row = conn.execute(select(claims).where(claims.c.key == key).with_for_update()).mappings().one()
            if row["done"]:
                return Taken(False, row["result"])
            if row["owner"] and _aware(row["lease_until"]) > now:
                return Taken(False, None)
            conn.execute(update(claims).where(claims.c.key == key).values(
                owner=self.owner, lease_until=now + lease, claimed=row["claimed"] or now))
            # a dead owner (its lease ran out) may have posted; one that let go after a failure did not
            if not row["owner"]:
                return Taken(True, row["result"])
            return Taken(True, row["result"], _aware(row["claimed"] or row["lease_until"] - lease))

    def finish(self, key: str, result: str | None) -> None:
        with self._begin() as conn:
            conn.execute(update(claims).where(claims.c.key == key).values(done=True, result=result, owner=None))

    def note_claim(self, key: str, result: str) -> None:
        """Write down what an effect left before the claim is finished (a posted message's ts)."""
        with self._begin() as conn:
            conn.execute(update(claims).where(claims.c.key == key).values(result=result))

    def release(self, key: str, unsure: bool = False) -> None:
        """The effect failed: whoever comes next may try. unsure: it may have been made all the same
        (no answer came; bot.channels.unsure): the lease ends now instead, so that the next owner
        takes it over as from one that died, and looks for it (take's `since`) before making it."""
        now = self.clock()
        with self._begin() as conn:
            conn.execute(update(claims).where(claims.c.key == key, claims.c.done.is_(False))
                         .values(**({"lease_until": now} if unsure else {"owner": None})))

    def expect(self, key: str) -> None:
        """Note an effect someone is to make (a claim nobody holds yet), so that whoever looks for
        open claims makes it (open_claims); nothing when it is noted already."""
        self._insert_once(claims, key=key, owner=None, lease_until=None, done=False, result=None)

    def open_claims(self, prefix: str) -> list[str]:
        """Keys with a prefix whose effect is not done and that nobody holds (or whose holder's
        lease ran out)."""
        now = self.clock()
        with self._read() as conn:
            rows = conn.execute(select(claims.c.key, claims.c.lease_until).where(
                claims.c.key.startswith(prefix, autoescape=True), claims.c.done.is_(False))).all()
        return [k for k, lease in rows if lease is None or _aware(lease) <= now]

    def done(self, key: str) -> bool:
        with self._read() as conn:
            return bool(conn.execute(select(claims.c.done).where(claims.c.key == key)).scalar())

    # --- Events API redeliveries -------------------------------------------------------------------

    def first_delivery(self, event_id: str) -> bool:
        """Record an event id as handled; False if it was already recorded."""
        return self._insert_once(events, event_id=event_id, received=self.clock())

    def event_handled(self, event_id: str) -> bool:
        with self._read() as conn:
            return conn.execute(select(events.c.event_id).where(events.c.event_id == event_id)).first() is not None

    # --- final comment periods --------------------------------------------------------------------------

    def fcp(self, rfc: int) -> FcpRow | None:
        rows = self._rows(("fcp",), lambda: FCP, {"rfc": rfc})
        return _fcp_row(rows[0]) if rows else None

    def fcps(self) -> list[FcpRow]:
        with self._read() as conn:
            return [_fcp_row(r) for r in conn.execute(select(fcps).order_by(fcps.c.rfc)).mappings().all()]

    def save_fcp(self, fcp: rules.Fcp, **extra: Any) -> None:
        """Store an FCP's new state (extra: decided_on, announced) in one transaction."""
        self._upsert(fcps, fcps.c.rfc, fcp.rfc, data=json.dumps(rules.to_json(fcp)), updated=self.clock(), **extra)

    def set_message(self, rfc: int, channel: str, ts: str) -> None:
        with self._begin() as conn:
            conn.execute(update(fcps).where(fcps.c.rfc == rfc).values(channel=channel, message_ts=ts))

    def mark_announced(self, rfc: int) -> bool:
        """Take the right to announce a decision; False if it was already announced."""
        with self._begin() as conn:
            return conn.execute(update(fcps).where(fcps.c.rfc == rfc, fcps.c.announced.is_(False))
                                .values(announced=True)).rowcount == 1

    # --- RFCs filed from Slack ------------------------------------------------------------------------

    def add_filing(self, number: int, branch: str, path: str, url: str | None, filed_by: str,
                   outbox_id: str | None = None, text_: str | None = None) -> None:
        self._insert_once(filings, number=number, branch=branch, path=path, url=url, filed_by=filed_by,
                          outbox_id=outbox_id, text=text_)

    def filing(self, number: int) -> dict | None:
        rows = self._rows(("filing",), lambda: FILING, {"number": number})
        return rows[0] if rows else None

    def filings(self) -> list[dict]:
        return self._rows(("filings",), lambda: FILINGS, {})

    def set_filing_text(self, number: int, text_: str) -> None:
        with self._begin() as conn:
            conn.execute(update(filings).where(filings.c.number == number).values(text=text_))

    # --- MLflow registry deliveries ------------------------------------------------------------------

    def registry_event(self, delivery_id: str) -> dict | None:
        with self._read() as conn:
            row = conn.execute(select(registry_events).where(registry_events.c.delivery_id == delivery_id)
                               ).mappings().first()
        return dict(row) if row else None

    def add_registry_event(self, delivery_id: str, event_: str, payload: str, channel: str, text_: str,
                           agenda: dict | None) -> None:
        """Store a delivery and its agenda item in one transaction; a second call is a no-op."""
        try:
            with self._begin() as conn:
                conn.execute(insert(registry_events).values(
                    delivery_id=delivery_id, event=event_, payload=payload, channel=channel, text=text_,
                    notified=False, received=self.clock()))
                if agenda:
                    conn.execute(insert(agenda_items).values(**agenda, created=self.clock()))
        except IntegrityError:
            pass

    def claim_notification(self, delivery_id: str, lease: dt.timedelta) -> Taken:
        """Take the right to post a delivery for a lease; not mine while another process holds it
        or once it is posted. A claim whose owner died is taken over when its lease runs out: then
        `since` is when the delivery came (that owner may have posted it)."""
        now = self.clock()
        ev = registry_events.c
        with self._begin() as conn:
            row = conn.execute(select(ev.owner, ev.lease_until, ev.notified, ev.received)
                               .where(ev.delivery_id == delivery_id).with_for_update()).mappings().first()
            if row is None or row["notified"] or (row["owner"] and _aware(row["lease_until"]) > now):
                return Taken(False)
            conn.execute(update(registry_events).where(ev.delivery_id == delivery_id)
                         .values(owner=self.owner, lease_until=now + lease))
            return Taken(True, since=_aware(row["received"]) if row["owner"] else None)

    def posted_notification(self, delivery_id: str, ts: str | None) -> None:
        with self._begin() as conn:
            conn.execute(update(registry_events).where(registry_events.c.delivery_id == delivery_id)
                         .values(notified=True, posted_ts=ts, owner=None))

    def release_notification(self, delivery_id: str, unsure: bool = False) -> None:
        """Posting failed: let the next delivery of the same event post it. unsure: it may have
        been posted (release's `unsure`): the lease ends now, and the next delivery reads history."""
        now = self.clock()
        with self._begin() as conn:
            conn.execute(update(registry_events).where(registry_events.c.delivery_id == delivery_id,
                                                       registry_events.c.notified.is_(False))
                         .values(**({"lease_until": now} if unsure else {"owner": None})))

    # --- the ML Sync: agenda items and the hosts' notes ---------------------------------------------------

    def add_agenda_item(self, key: str, meeting_date: str, source: str, text_: str, link: str | None = None) -> bool:
        """False when the item is already there (the same source event)."""
        return self._insert_once(agenda_items, key=key, ceremony="ml-sync", meeting_date=meeting_date,
                                 source=source, text=text_, link=link, created=self.clock())

    def set_agenda_link(self, key: str, link: str) -> None:
        with self._begin() as conn:
            conn.execute(update(agenda_items).where(agenda_items.c.key == key).values(link=link))

    def agenda(self, ceremony: str = "ml-sync", meeting_date: str | None = None) -> list[dict]:
        if meeting_date:
            return self._rows(("agenda of day",), lambda: AGENDA_OF_DAY, {"ceremony": ceremony, "day": meeting_date})
        with self._read() as conn:
            rows = conn.execute(select(agenda_items).where(agenda_items.c.ceremony == ceremony)
                                .order_by(agenda_items.c.created))
            return [dict(r) for r in rows.mappings().all()]

    def add_note(self, note_id: str, meeting_date: str, kind: str, text_: str, by: str) -> None:
        self._insert_once(notes, id=note_id, meeting_date=meeting_date, kind=kind, text=text_, by=by,
                          created=self.clock())

    def notes(self, meeting_date: str) -> list[dict]:
        with self._read() as conn:
            return [dict(r) for r in conn.execute(select(notes).where(notes.c.meeting_date == meeting_date)
                                                  .order_by(notes.c.created)).mappings().all()]

    # --- demo proposals ---------------------------------------------------------------------------------

    def proposals(self) -> list[dict]:
        return [json.loads(row["data"]) for row in self._rows(("proposals",), lambda: select(demos.c.data), {})]

    def save_proposals(self, changed: list[dict]) -> None:
        """Store several proposals in one transaction (an assignment moves them together)."""
        now = self.clock()
        with self._begin() as conn:
            for data in changed:
                if not conn.execute(update(demos).where(demos.c.id == data["id"])
                                    .values(data=json.dumps(data), updated=now)).rowcount:
                    conn.execute(insert(demos).values(id=data["id"], data=json.dumps(data), updated=now))

    # --- SIG meeting-time polls ------------------------------------------------------------------------

    def request_poll(self, sig: str, stale: dt.timedelta = dt.timedelta(minutes=5)) -> bool:
        """Note that a chair asked for a poll; False if one is being prepared already."""
        now = self.clock()
        with self.transaction(f"poll-{sig}") as conn:  # the lock: there may be no row to lock yet
            row = conn.execute(select(polls.c.requested).where(polls.c.sig == sig).with_for_update()).first()
            if row is None:
                conn.execute(insert(polls).values(sig=sig, data="{}", updated=now, requested=now))
                return True
            if row.requested is not None and now - _aware(row.requested) < stale:
                return False
            conn.execute(update(polls).where(polls.c.sig == sig).values(requested=now))
            return True

    def save_poll(self, sig: str, slots_: list, sizes: list[int]) -> None:
        data = json.dumps({"slots": slots_, "sizes": sizes, "votes": {}})
        self._upsert(polls, polls.c.sig, sig, data=data, updated=self.clock(), requested=None, channel=None,
                     message_ts=None)

    def set_poll_message(self, sig: str, channel: str, ts: str) -> None:
        with self._begin() as conn:
            conn.execute(update(polls).where(polls.c.sig == sig).values(channel=channel, message_ts=ts))

    def poll(self, sig: str) -> dict | None:
        with self._read() as conn:
            row = conn.execute(select(polls).where(polls.c.sig == sig)).mappings().first()
        if row is None or row["data"] == "{}":
            return None
        return {**json.loads(row["data"]), "channel": row["channel"], "ts": row["message_ts"]}

    def vote(self, sig: str, option: str, person: str) -> bool:
        """One vote per person: a new vote replaces the old one. False when there is no poll."""
        with self._begin() as conn:
            row = conn.execute(select(polls.c.data).where(polls.c.sig == sig).with_for_update()).scalar()
            if row is None or row == "{}":
                return False
            data = json.loads(row)
            data["votes"] = {k: [p for p in v if p != person] for k, v in data["votes"].items()}
            data["votes"].setdefault(option, []).append(person)
            conn.execute(update(polls).where(polls.c.sig == sig).values(data=json.dumps(data), updated=self.clock()))
            return True

    # --- the scheduler's jobs and snapshots ------------------------------------------------------------

    def job_keys(self, keys: list[str]) -> set[str]:
        with self._read() as conn:
            return set(conn.execute(select(jobs.c.key).where(jobs.c.key.in_(keys))).scalars())

    def add_job(self, **values: Any) -> bool:
        return self._insert_once(jobs, **values)

    def due_jobs(self, state: str, now: dt.datetime, abandoned: str | None = None) -> list[dict]:
        """Jobs due in a state, and in state `abandoned` those whose owner's lease ran out."""
        wanted = jobs.c.state == state
        if abandoned:
            wanted = or_(wanted, (jobs.c.state == abandoned) & (jobs.c.lease_until < now))
        with self._read() as conn:
            return [dict(r) for r in conn.execute(select(jobs).where(wanted, jobs.c.due <= now)
                                                  .order_by(jobs.c.due)).mappings().all()]

    def claim_job(self, key: str, free: str, claimed: str, now: dt.datetime, lease: dt.timedelta) -> dict | None:
        """Claim a job in state `free`, or one `claimed` whose owner's lease ran out, for a lease;
        its row as it was before (posted_ts: what a dead owner posted), or None if it is taken."""
        with self._begin() as conn:
            row = conn.execute(select(jobs).where(jobs.c.key == key).with_for_update()).mappings().first()
            if row is None or not (row["state"] == free or (row["state"] == claimed and row["lease_until"] is not None
                                                             and _aware(row["lease_until"]) < now)):
                return None
            conn.execute(update(jobs).where(jobs.c.key == key).values(state=claimed, owner=self.owner,
                                                                      lease_until=now + lease))
            return dict(row)

    def move_job(self, key: str, expected: str, **values: Any) -> bool:
        """Change a job only if it is still in the expected state (and, when claimed, still this
        process's claim); True when it was."""
        with self._begin() as conn:
            return conn.execute(update(jobs).where(jobs.c.key == key, jobs.c.state == expected,
                                                   or_(jobs.c.owner.is_(None), jobs.c.owner == self.owner))
                                .values(**values)).rowcount == 1

    def job_states(self, before: dt.datetime) -> list[str]:
        with self._read() as conn:
            return list(conn.execute(select(jobs.c.state).where(jobs.c.due < before)).scalars())

    def snapshot(self, key: str) -> dict | None:
        with self._read() as conn:
            row = conn.execute(SNAPSHOT, {"key": key}).scalar()
        return json.loads(row) if row else None

    def save_snapshot(self, key: str, data: dict) -> None:
        self._upsert(snapshots, snapshots.c.key, key, data=json.dumps(data), updated=self.clock())

    # --- what Slack told us: time zones and channel ids ------------------------------------------------

    def zones(self, users: list[str], fresh: dt.timedelta) -> dict[str, str | None]:
        """Slack zones fetched within `fresh` (None: the profile has none), by user id."""
        since = self.clock() - fresh
        with self._read() as conn:
            rows = conn.execute(ZONES, {"users": users}).mappings().all()
        return {r["user_id"]: r["tz"] for r in rows if _aware(r["fetched"]) >= since}

    def save_zone(self, user: str, tz: str | None) -> None:
        self._upsert(slack_users, slack_users.c.user_id, user, tz=tz, fetched=self.clock())

    def channel_id(self, name: str) -> str | None:
        with self._read() as conn:
            return conn.execute(select(channels.c.channel_id).where(channels.c.name == name)).scalar()

    def save_channel(self, name: str, channel_id: str) -> None:
        self._upsert(channels, channels.c.name, name, channel_id=channel_id, resolved=self.clock())

    # --- community requests: votes ----------------------------------------------------------------------

    def add_vote(self, request_id: str, person: str, team: str, slack_user: str) -> bool:
        """One vote per person and request, by primary key: False when they had voted (on any
        replica). One transaction."""
        return self._insert_once(request_votes, request_id=request_id, person=person, team=team,
                                 slack_user=slack_user, voted=self.clock())

    def votes(self, request_id: str | None = None) -> dict[str, dict[str, str]]:
        """{request id: {person: team}} of every stored vote (or one request's)."""
        query = select(request_votes.c.request_id, request_votes.c.person, request_votes.c.team)
        if request_id is not None:
            query = query.where(request_votes.c.request_id == request_id)
        out: dict[str, dict[str, str]] = {}
        with self._read() as conn:
            for rid, person, team in conn.execute(query):
                out.setdefault(rid, {})[person] = team
        return out

    def supporters(self, request_id: str) -> list[str]:
        """Slack user ids of a request's supporters, in voting order."""
        with self._read() as conn:
            return list(conn.execute(select(request_votes.c.slack_user).where(request_votes.c.request_id == request_id)
                                     .order_by(request_votes.c.voted)).scalars())

    def move_votes(self, from_id: str, to_id: str) -> int:
        """A merged duplicate's votes move to the request it duplicates (a person counted once);
        one transaction. Returns how many moved."""
        moved = 0
        with self._begin() as conn:
            rows = conn.execute(select(request_votes).where(request_votes.c.request_id == from_id)).mappings().all()
            have = set(conn.execute(select(request_votes.c.person).where(request_votes.c.request_id == to_id))
                       .scalars())
            for row in rows:
                if row["person"] not in have:
                    conn.execute(insert(request_votes).values({**row, "request_id": to_id}))
                    moved += 1
            conn.execute(request_votes.delete().where(request_votes.c.request_id == from_id))
        return moved

    # --- reader feedback ----------------------------------------------------------------------------------

    def add_feedback(self, entry_id: str, page: str, helped: bool, blocked: str, channel: str) -> bool:
        return self._insert_once(feedback, id=entry_id, page=page, helped=helped, blocked=blocked, channel=channel,
                                 posted=False, received=self.clock())

    def feedback_since(self, since: dt.datetime) -> list[dict]:
        with self._read() as conn:
            return [dict(r) for r in conn.execute(select(feedback).where(feedback.c.received >= since)
                                                  .order_by(feedback.c.received)).mappings().all()]

    def unposted_feedback(self) -> list[dict]:
        with self._read() as conn:
            return [dict(r) for r in conn.execute(select(feedback).where(feedback.c.posted.is_(False))
                                                  .order_by(feedback.c.received)).mappings().all()]

    def feedback_posted(self, entry_id: str) -> None:
        """A feedback was posted (its claim, bot.ceremonies.feedback, kept anyone else from it)."""
        with self._begin() as conn:
            conn.execute(update(feedback).where(feedback.c.id == entry_id).values(posted=True))


    def spend_token(self, address: str, per_minute: float, burst: int) -> int:
        """One send from an address against its token bucket (mlhub.feedback.limiter.spend), in one
        transaction with the bucket's row locked, so that replicas count the same sends: 0 when it
        is allowed (and counted), else the seconds until it would be."""
        now = self.clock()
        with self._begin() as conn:
            self._insert_once(feedback_limits, address=address, tokens=float(burst), at=now)
            row = conn.execute(select(feedback_limits.c.tokens, feedback_limits.c.at)
                               .where(feedback_limits.c.address == address).with_for_update()).one()
            tokens, wait = spend(row.tokens, (now - _aware(row.at)).total_seconds(), per_minute, burst)
            conn.execute(update(feedback_limits).where(feedback_limits.c.address == address)
                         .values(tokens=tokens, at=now))
        return wait

    def forget_limits(self, before: dt.datetime) -> int:
        """Drop the buckets last counted before a time (full again by then); how many."""
        with self._begin() as conn:
            return conn.execute(delete(feedback_limits).where(feedback_limits.c.at < before)).rowcount


def _fcp_row(row) -> FcpRow:
    return FcpRow(rules.from_json(json.loads(row["data"])), row["channel"], row["message_ts"], row["decided_on"],
                  bool(row["announced"]))


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC
