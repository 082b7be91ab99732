"""One outbox for every kind of publication (RFC filings and their edits, ML Sync minutes, demo
entries, sigs.yaml edits, the community's requests): each kind registers how it publishes and what
the bot keeps afterwards, and one loop finishes any entry, for the bot's follow-ups and `mlhub
outbox retry` alike. An entry is claimed with a lease before the work starts, so no two workers run
it at once. A kind that tells people when it is published (a filing) has its announcement noted in
the store by whoever finishes it, and made once, under a claim, by the bot: at once when the bot
finished it, else at its next tick (after `mlhub outbox retry`, even across a restart)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from bot.channels import unsure
from bot.mrkdwn import safe
from bot.store import Store
from mlhub.content import Hub
from mlhub.publish import Change, Journal, Progress, Published, Publisher, PublishError
from mlhub.publish.outbox import Busy, ClaimLost, Entry, EntryState, Outbox, run_claimed

QUIET: Progress = lambda _: None  # noqa: E731
MAX_BACKOFF = dt.timedelta(hours=1)
ANNOUNCE = "announce:"  # the store's claims of announcements: announce:<entry id>
ANNOUNCE_LEASE = dt.timedelta(minutes=5)  # an announcer that died is replaced after this long
log = logging.getLogger("mlhub.bot.publishing")


@dataclass(frozen=True)
class Desk:
    """What publishing needs: the checkout and its content, the publisher, the outbox, the store."""

    root: Path
    hub: Callable[[], Hub]
    publisher: Publisher
    outbox: Outbox
    store: Store

    @classmethod
    def of(cls, deps) -> Desk:
        return cls(deps.config.hub.root, deps.hub, deps.publisher, deps.outbox, deps.store)


@dataclass(frozen=True)
class Telling:
    """An announcement's claim as its announcer gets it: the key its messages carry, and since when
    an earlier announcer may have posted them (None: nobody can have)."""

    key: str
    since: dt.datetime | None


@dataclass(frozen=True)
class Kind:
    """A kind of publication: `change` builds its one pull request from an entry, or `publish`
    does other remote work; `record` stores what the bot needs once it is published (it runs
    before the entry is marked done, so it must be safe to repeat)."""

    name: str
    what: Callable[[Entry], str]  # the entry for a person: "The minutes of 2026-11-24"
    again: str  # the Slack command that also finishes it
    change: Callable[[Entry], Change] | None = None
    publish: Callable[[Desk, Entry, Journal, Progress], Published] | None = None
    record: Callable[[Desk, Entry, Published], None] | None = None
    # entries with the same sequence key run in the order they were stored, and one left for later
    # holds back the later ones (edits of one file); such a kind is retried by its own ceremony
    sequence: Callable[[Entry], str] | None = None
    # tells people a published entry (deps, Slack client, entry, its Telling): the bot runs it once per
    # entry, whoever published it; its posts go under the telling's claim (Channels.post_claimed,
    # dm_claimed), so that a later announcer finds them; Slack's refusals it handles itself, and it
    # raises what leaves a post unsure (bot.channels.unsure): the next tick looks, then tells the rest
    announce: Callable[[Any, Any, Entry, Telling], None] | None = None


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    """Add a kind of publication (one call per kind; the ceremonies make them at import)."""
    KINDS[kind.name] = kind
    return kind


@dataclass(frozen=True)
class Outcome:
    entry: Entry
    published: Published | None  # published by this call
    text: str  # what the person hears
    left: bool = False  # something is left for later
    busy: bool = False  # another worker has it now


def left_for_later(kind: Kind, entry: Entry) -> str:
    """What an unfinished entry still needs, from its journal."""
    journal = entry.journal
    pull = journal.get("pull")
    if pull:
        return f"labels and review requests on pull request #{pull['number']}"
    branch = journal.get("branch") or (kind.change(entry).branch if kind.change else None)
    if journal.get("files_committed"):
        return f"the pull request of branch {branch}" if branch else "the pull request"
    return f"the branch {branch} and its pull request" if branch else "the branch and its pull request"


def finish(desk: Desk, entry_id: str, progress: Progress = QUIET, who: str = "mlhub-bot") -> Outcome:
    """Claim an entry, publish it, record what the bot needs; say where it stands."""
    try:
        return _finish(desk, entry_id, progress, who)
    except DBAPIError as exc:  # the store went away (a database restart): the entry waits in it
        log.error("outbox %s: the store is unavailable (%s)", entry_id[:8], type(exc.orig or exc).__name__)
        entry = Entry(entry_id, "", EntryState.pending, {}, {}, 0, "", dt.datetime.now(dt.UTC), dt.datetime.now(dt.UTC))
        return Outcome(entry, None, "Stored, not published yet: the bot cannot reach its store right now. It "
                                    "tries again on its own; `mlhub outbox retry` finishes it once the store is "
                                    "back.", left=True)


def _finish(desk: Desk, entry_id: str, progress: Progress, who: str) -> Outcome:
    entry = desk.outbox.get(entry_id)
    kind = KINDS.get(entry.kind)
    if kind is None:  # stored by a newer version, say
        return Outcome(entry, None, f"no publisher for outbox entries of kind {entry.kind!r} in this version; "
                                    "run `mlhub outbox retry` with the version that stored it", left=True)

    def work(e: Entry, journal: Journal) -> Published:
        if kind.publish is not None:
            out = kind.publish(desk, e, journal, progress)
        else:
            assert kind.change is not None, f"kind {kind.name} has neither change nor publish"
            out = desk.publisher.publish(kind.change(e), journal, progress)
        if kind.record is not None:
            kind.record(desk, desk.outbox.get(e.id), out)
        if kind.announce is not None:  # before the entry is done: no finished entry goes untold
            desk.store.expect(ANNOUNCE + e.id)
        return out

    what = kind.what(entry)
    try:
        out = run_claimed(desk.outbox, entry_id, work, who)
    except (Busy, ClaimLost) as exc:
        return Outcome(desk.outbox.get(entry_id), None, f"{what}: being published by another worker ({exc}).",
                       busy=True)
    except PublishError as exc:
        now = desk.outbox.get(entry_id)
        if now.state is EntryState.failed:  # nothing to promise: no retry can publish it
            return Outcome(now, None, f"{what}: not published, and trying again cannot publish it ({exc}). The "
                                      "outbox keeps it as failed (`mlhub outbox list`).", left=True)
        again = f" or the next {kind.again}" if kind.again else ""
        when = ("The bot tries again with the next change of it" if kind.sequence else
                f"The bot tries again within {backoff(now.attempts).seconds // 60} min")
        return Outcome(now, None, f"{what}: stored, not published yet ({exc}). Left for later: "
                                  f"{left_for_later(kind, now)}. {when}; `mlhub outbox retry`{again} "
                                  "finishes it sooner.", left=True)
    now = desk.outbox.get(entry_id)
    if out is None:
        return Outcome(now, None, f"{what}: published already ({now.message}). Nothing was published again.")
    return Outcome(now, out, f"{what}: {out.where}")


def finish_all(desk: Desk, entries: list[Entry], progress: Progress = QUIET, who: str = "mlhub-bot",
               done: Callable[[Outcome], None] = lambda _: None) -> list[Outcome]:
    """finish() each entry in turn (they come oldest first); an entry of a sequence whose earlier
    entry was left for later waits for it."""
    outcomes, held = [], set()
    for entry in entries:
        kind = KINDS.get(entry.kind)
        key = kind.sequence(entry) if kind and kind.sequence else None
        if key in held:
            continue
        outcome = finish(desk, entry.id, progress, who)
        if key and (outcome.left or outcome.busy):
            held.add(key)
        done(outcome)
        outcomes.append(outcome)
    return outcomes


def publish_pending(deps, tell: Callable[[str], None], kind: str) -> list[Outcome]:
    """Finish every pending entry of a kind; tell the person what this call did: the pull request it
    opened, or what is left for later. An entry another worker holds or has finished since it was
    listed is not told here: that worker tells its own requester (a second answer would tell this
    person of someone else's change)."""
    def told(outcome: Outcome) -> None:
        if outcome.published is not None or outcome.left:
            tell(safe(outcome.text))

    return finish_all(Desk.of(deps), deps.outbox.entries(EntryState.pending, kind), done=told)


def backoff(attempts: int) -> dt.timedelta:
    """How long an unfinished entry waits before the bot's next attempt: 1, 2, 4 ... 60 minutes."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def announce(deps, client, entry_id: str) -> bool:
    """Tell people a published entry of a kind that announces, unless someone (any replica) has
    or is doing it now; True when this call told them."""
    entry = deps.outbox.get(entry_id)
    kind = KINDS.get(entry.kind)
    if entry.state is not EntryState.done or kind is None or kind.announce is None:
        return False
    key = ANNOUNCE + entry.id
    taken = deps.store.take(key, ANNOUNCE_LEASE)
    if not taken:
        return False
    try:
        kind.announce(deps, client, entry, Telling(key, taken.since))
    except Exception as exc:
        deps.store.release(key, unsure=unsure(exc, taken.since))  # the next tick tries again, looking first
        raise
    deps.store.finish(key, None)
    return True


def announce_due(deps, client) -> list[str]:
    """The announcements noted but not made (an entry `mlhub outbox retry` finished, or a bot that
    died before telling): each made once. Returns the entry ids told."""
    told = []
    for key in deps.store.open_claims(ANNOUNCE):
        entry_id = key.removeprefix(ANNOUNCE)
        try:
            deps.outbox.get(entry_id)
        except KeyError:  # its entry is gone: nothing to tell
            deps.store.finish(key, "no entry")
            continue
        try:
            if announce(deps, client, entry_id):
                told.append(entry_id)
        except Exception:  # one announcement's failure keeps none of the others back
            log.exception("outbox %s: the announcement failed; the next tick tries again", entry_id[:8])
    return told


def retry_due(deps, client, now: dt.datetime, limit: int = 5) -> list[Outcome]:
    """The ticker's work: finish unfinished entries whose backoff has passed (a few per tick; the
    outbox's own clock, as leases use); then make the announcements of what is published (by this
    or by `mlhub outbox retry`)."""
    wall = deps.outbox.clock()
    due = [e for e in deps.outbox.entries(EntryState.pending)
           if e.owner is None and e.attempts and e.updated + backoff(e.attempts) <= wall
           and not getattr(KINDS.get(e.kind), "sequence", None)][:limit]

    def tell(outcome: Outcome) -> None:
        entry = outcome.entry
        log.info("outbox %s (%s): %s", entry.id[:8], entry.kind, outcome.text)

    outcomes = finish_all(Desk.of(deps), due, who="mlhub-bot-retry", done=tell)
    announce_due(deps, client)
    return outcomes


def already(entry: Entry, what: str) -> str | None:
    """The answer to a request whose publication is done: say so (and publish nothing again)."""
    if entry.state is EntryState.done:
        return f"{what}: published already ({safe(entry.message)}). Nothing was published again."
    return None
