"""Status changes to announce: compare the previous check with the new one; each change goes to
the channel of the SIG that owns the service. Pure: the bot schedules, stores and posts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mlhub.clusters.health import Report, Result, Status
from mlhub.content.hub import Hub

ICON = {Status.up: ":large_green_circle:", Status.down: ":red_circle:", Status.timeout: ":large_orange_circle:"}


@dataclass(frozen=True)
class Change:
    """One endpoint whose status changed, where to say so, and what to say (Slack mrkdwn)."""

    result: Result
    before: Status | None  # None: not in the previous check (a new cluster, service or first run)
    sig: str | None  # the owning SIG of the service (catalog `owner_sig`)
    channel: str | None  # that SIG's Slack channel; None when the SIG is unknown
    text: str

    @property
    def after(self) -> Status:
        return self.result.status


def announced(before: Status | None, after: Status) -> bool:
    """Whether a change is worth a message: up-ness changed, or a new endpoint is not up.
    Down and timeout are both "not up", so an endpoint flapping between them posts nothing."""
    if before is None:
        return after is not Status.up
    return (before is Status.up) != (after is Status.up)


def _esc(text: str) -> str:
    """Slack mrkdwn control characters, as Slack's formatting guide asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _at(when: dt.datetime) -> str:
    return f"{when.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def message(hub: Hub, res: Result, before: Status | None, previous_at: dt.datetime | None,
            checked_at: dt.datetime) -> str:
    """The text posted for one change, e.g. ':red_circle: *MLflow Experiment Tracking* is down on
    *staging-eu* (staging): connection refused.'"""
    svc = hub.service(res.service)
    name = _esc(svc.name if svc else res.service)
    where = f"*{_esc(res.cluster)}* ({res.stage})"
    if res.status is Status.up:
        head = f"*{name}* is up again on {where}: {_esc(res.detail)}"
        if res.seconds is not None:
            head += f" in {res.seconds:.2f} s"
    elif res.status is Status.timeout:
        head = f"*{name}* does not answer on {where}: {_esc(res.detail)}"
    else:
        head = f"*{name}* is down on {where}: {_esc(res.detail)}"
    was = (f" It was {before.value} at the check of {_at(previous_at)}." if before and previous_at
           else " It is new to the check." if before is None else "")
    return (f"{ICON[res.status]} {head}. Health URL: <{_esc(res.url)}>, checked {_at(checked_at)}.{was}")


def changes(previous: Report | None, current: Report, hub: Hub) -> list[Change]:
    """The changes to post, in the order of the new check: exactly one per transition, none when
    nothing changed (so running it again on the same pair of reports posts the same list)."""
    out = []
    for res in current.results:
        old = previous.result(*res.key) if previous else None
        before = old.status if old else None
        if not announced(before, res.status):
            continue
        svc = hub.service(res.service)
        sig = hub.sig(svc.owner_sig) if svc else None
        text = message(hub, res, before, previous.checked_at if previous and old else None, current.checked_at)
        out.append(Change(res, before, svc.owner_sig if svc else None, sig.slack_channel if sig else None, text))
    return out
