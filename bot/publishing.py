"""Publishing what the ceremonies stored in the outbox (minutes, demo entries, sigs.yaml edits):
one loop for all, telling the person who asked where it stands."""

from __future__ import annotations

from collections.abc import Callable

from bot.deps import Deps
from bot.mrkdwn import safe
from mlhub.publish import Change, PublishError
from mlhub.publish.outbox import Entry, EntryState


def publish_pending(deps: Deps, tell: Callable[[str], None], kind: str, change: Callable[[Entry], Change],
                    what: Callable[[Entry], str]) -> None:
    """Publish every pending outbox entry of a kind; tell the person the pull request or the problem.
    One publisher of a kind at a time, in every process: two follow-ups never publish one entry twice."""
    with deps.store.lock(f"publish-{kind}"):
        _publish(deps, tell, kind, change, what)


def _publish(deps: Deps, tell: Callable[[str], None], kind: str, change: Callable[[Entry], Change],
             what: Callable[[Entry], str]) -> None:
    for entry in deps.outbox.entries(EntryState.pending):
        if entry.kind != kind:
            continue
        try:
            out = deps.publisher.publish(change(entry), deps.outbox.journal(entry.id), progress=lambda _: None)
        except PublishError as exc:
            deps.outbox.update(entry.id, message=str(exc))
            tell(f"{safe(what(entry))} is stored but not published yet: {safe(str(exc))}")
            continue
        deps.outbox.update(entry.id, state=EntryState.done.value, message=str(out))
        tell(f"{safe(what(entry))}: {out.url or out.branch}")
