"""What the requests ceremony says in Slack and in its pull requests: pure builders; every value
from people is escaped (bot.mrkdwn)."""

from __future__ import annotations

from bot.mrkdwn import button, clip, context, escape, message, safe, section
from mlhub.content.hub import Hub
from mlhub.content.models import Request, RequestStatus, Tally
from mlhub.requests.duplicates import Match


def _count(t: Tally) -> str:
    people, teams = len(t.supporters), len(t.teams)
    return f"{people} {'person' if people == 1 else 'people'} from {teams} team{'' if teams == 1 else 's'}"


def line(req: Request, now: Tally) -> str:
    return f"`{req.id}` {req.status.value} · {_count(now)} · *{safe(req.title, 200)}* ({safe(req.sig)})"


def detail(hub: Hub, req: Request, now: Tally) -> str:
    sig = hub.sig(req.sig)
    parts = [f"*{safe(req.title, 300)}* (`{req.id}`, {req.status.value})", safe(req.problem, 2000),
             f"Asked by {safe(req.team)} on {req.created}; owner: {safe(sig.name if sig else req.sig)}.",
             f"Supported by {_count(now)}" + (f": {safe(', '.join(now.teams), 500)}" if now.teams else "") + "."]
    if req.reason:
        parts.append(f"Declined: {safe(req.reason, 600)}")
    if req.roadmap_item:
        parts.append(f"Answered by the roadmap item `{safe(req.roadmap_item)}`.")
    if req.status in (RequestStatus.open, RequestStatus.planned):
        parts.append(f"Support it: `/request support {req.id}`.")
    return clip("\n".join(parts), 3000)


def supported(req: Request, now: Tally) -> str:
    return f"Thanks: you support *{safe(req.title, 200)}*, now supported by {_count(now)}."


def decided(req: Request) -> str:
    what = (f"accepted into the roadmap (item `{safe(req.roadmap_item or '')}`)" if req.status is RequestStatus.planned
            else f"declined: {safe(req.reason or '', 600)}")
    return (f"*{safe(req.title, 200)}* is {what}. The change goes to requests/{req.id}.yaml as a pull request; "
            "the requester and every supporter hear about it.")


def merging(p: dict) -> str:
    return (f"*{safe(p['title'], 200)}* (`{p['id']}`) is merged into `{p['into']}`: declined as a duplicate, its "
            "requester and supporters carried over. Both files go to requests/ as one pull request; the requester "
            "and every supporter of the duplicate hear about it.")


def changed(p: dict, url: str | None) -> str:
    what = (f"was accepted into the roadmap (item `{safe(p.get('item') or '')}`)" if p["status"] == "planned"
            else f"was declined: {safe(p.get('reason') or '', 600)}")
    return clip(f"The request *{safe(p['title'], 200)}* {what}." + (f" The change: {url}" if url else ""), 3000)


def status_body(p: dict) -> str:
    if p["status"] == "planned":
        return f"The ML Sync hosts accepted this request into the roadmap (item `{p['item']}`); @{p['by']} recorded it."
    return f"The ML Sync hosts declined this request; @{p['by']} recorded it. Reason: {p.get('reason')}"


def similar(matches: list[Match]) -> str:
    first = matches[0].request
    return (f"A similar request is open: `{first.id}` “{first.title[:80]}”. Support it with `/request support "
            f"{first.id}`, or choose “File it anyway” below.")


def filed(req: Request, url: str | None) -> str:
    return (f"Your request *{safe(req.title, 200)}* is filed as `{req.id}`" + (f": {url}" if url else "")
            + ". It is posted in its SIG's channel, where people can support it.")


def request_message(hub: Hub, req: Request, now: Tally, url: str | None) -> tuple[str, list]:
    """The request as a message with its Support button."""
    sig = hub.sig(req.sig)
    head = f"*Request:* {safe(req.title, 300)}"
    body = [section(head), section(safe(req.problem, 2800)),
            context(f"{safe(req.team)} · owner {safe(sig.name if sig else req.sig)} · {req.status.value} · "
                    f"supported by {_count(now)}" + (f" · <{url}|pull request>" if url else ""))]
    if req.status in (RequestStatus.open, RequestStatus.planned):
        body.append({"type": "actions", "elements": [button("Support", "request_support", req.id, "primary")]})
    return clip(f"Request: {escape(req.title)}", 3000), message(body)


def tally_body(hub: Hub, files: dict[str, str]) -> str:
    names = [f"- `{p}`" for p in sorted(files)]
    return "The supporters the bot counted in Slack since the last tally (one vote per person):\n\n" + "\n".join(names)
