"""The requests page: every community request ranked by the teams supporting it, filterable by
SIG and service in the browser; and the request lists of the roadmap and service pages. Text
people typed (titles, problems, reasons) is always shown as typed, never as markup."""

from __future__ import annotations

from mlhub.content.hub import Hub
from mlhub.content.models import Request
from mlhub.requests.tally import rank
from mlhub.site import md, paths


def anchor(req: Request) -> str:
    return f"request-{req.id}"


def link(hub: Hub, here: str, req: Request) -> str:
    """A Markdown link to the request on the requests page."""
    return f"[{md.plain(req.title)}]({md.rel(here, paths.REQUESTS)}#{anchor(req)})"


def _links(hub: Hub, req: Request, here: str) -> str:
    out = []
    if req.roadmap_item and hub.roadmap and (item := next((i for i in hub.roadmap.items
                                                           if i.id == req.roadmap_item), None)):
        out.append(f'<a href="{md.attr(md.href(here, paths.ROADMAP))}#item-{md.attr(item.id)}">Roadmap: '
                   f"{md.plain(item.title)}</a>")
    if req.rfc and (rfc := hub.rfc(req.rfc)):
        out.append(f'<a href="{md.attr(md.href(here, paths.rfc(rfc.slug)))}">RFC {rfc.number:04d}: '
                   f"{md.plain(rfc.title)}</a>")
    if req.duplicate_of and (target := hub.request(req.duplicate_of)):
        out.append(f'<a href="#{anchor(target)}">Duplicate of {md.plain(target.title)}</a>')
    return "<br>".join(out)


def _row(hub: Hub, here: str, rank_no: int, req: Request) -> str:
    sig = hub.sig(req.sig)
    services = [s for sid in req.services if (s := hub.service(sid))]
    svc_links = ", ".join(f'<a href="{md.attr(md.href(here, paths.service(s.id)))}">{md.plain(s.name)}</a>'
                          for s in services)
    reason = f"<p><strong>Declined:</strong> {md.plain(req.reason)}</p>" if req.reason else ""
    cells = [
        str(rank_no),
        f"<strong>{md.plain(req.title)}</strong><details><summary>The problem</summary><p>{md.plain(req.problem)}"
        f"</p><p>Asked by {md.plain(req.team)} on {req.created}.</p>{reason}</details>",
        md.badge("request", req.status.value),
        f'<span title="{md.attr(", ".join(req.tally.teams))}">{len(req.tally.teams)}</span>',
        str(len(req.tally.supporters)),
        f'<a href="{md.attr(md.href(here, paths.sig(req.sig)))}">{md.plain(sig.name if sig else req.sig)}</a>',
        svc_links,
        _links(hub, req, here),
    ]
    return (f'<tr id="{anchor(req)}" data-sig="{md.attr(req.sig)}" data-services="{md.attr(" ".join(req.services))}" '
            f'data-status="{req.status.value}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")


def _select(name: str, label: str, options: list[tuple[str, str]]) -> str:
    opts = "".join(f'<option value="{md.attr(v)}">{md.plain(t)}</option>' for v, t in options)
    return (f'<label for="mlhub-filter-{name}">{label}</label> '
            f'<select id="mlhub-filter-{name}" data-filter="{name}"><option value="">All</option>{opts}</select>')


def page(hub: Hub) -> str:
    here = paths.REQUESTS
    ranked = rank(hub.requests)
    heads = ["Rank", "Request", "Status", "Teams", "Supporters", "SIG", "Services", "Roadmap and RFC"]
    sigs = sorted({r.sig for r in ranked})
    services = sorted({s for r in ranked for s in r.services})
    filters = (
        '<form class="mlhub-filters" role="search" aria-label="Filter the requests">'
        + _select("sig", "SIG", [(s, sig.name if (sig := hub.sig(s)) else s) for s in sigs]) + " "
        + _select("service", "Service", [(s, svc.name if (svc := hub.service(s)) else s) for s in services]) + " "
        + _select("status", "Status", [(s, s) for s in dict.fromkeys(r.status.value for r in ranked)])
        + "</form>"
        f'<p class="mlhub-filter-count" role="status" aria-live="polite">{len(ranked)} of {len(ranked)} '
        "requests shown.</p>"
    )
    table = ('<table class="mlhub-requests"><thead><tr>' + "".join(f'<th scope="col">{h}</th>' for h in heads)
             + "</tr></thead><tbody>" + "".join(_row(hub, here, i + 1, r) for i, r in enumerate(ranked))
             + "</tbody></table>")
    intro = ("What the community asks of the platform, most supporting teams first. Each request is a file "
             "in `requests/`: file one with `/request` in Slack or `mlhub request new`, and support one with "
             "its **Support** button in Slack (one vote per person; a team counts once). The bot publishes "
             "the tally to the repository; hosts accept requests into the roadmap at the ML Sync.")
    if not ranked:
        return md.page("Requests", intro, "No requests yet.")
    return md.page("Requests", intro, f'<div class="mlhub-requests-block" markdown="0">\n{filters}{table}\n</div>')


def for_service(hub: Hub, here: str, service_id: str) -> str:
    """The open requests touching a service, as a Markdown list, for its page."""
    reqs = rank(hub.open_requests_for(service_id))
    items = [f"- {link(hub, here, r)} ({len(r.tally.teams)} team{'s' if len(r.tally.teams) != 1 else ''})"
             for r in reqs]
    return "## Open requests\n\n" + ("\n".join(items) or "None open.")


def for_item(hub: Hub, here: str, item_id: str) -> str:
    """The requests a roadmap item answers, as links for a table cell."""
    return ", ".join(link(hub, here, r) for r in hub.requests_answered_by(item_id))
