"""Checks of requests/: file names, who and what a request names, status fields, duplicates, tally."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from mlhub.checks import check, problem
from mlhub.content.hub import Hub
from mlhub.content.problems import Problem
from mlhub.requests import status


@check("request-names")
def request_names(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """A request's id matches its file requests/ID.yaml; it was not created in the future."""
    for req in hub.requests:
        path = req.at()[0]
        if path != f"requests/{req.id}.yaml":
            yield problem(req, "id", f"id {req.id!r} must match the file name {path}", "request-names")
        if req.created > now.date():
            yield problem(req, "created", f"{req.created} is in the future", "request-names")


@check("request-refs")
def request_refs(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """A request's services, SIG, team, requester, roadmap item, RFC and supporters exist."""
    services = {s.id for s in hub.services} | hub.unloaded["service"]
    sigs = {s.id for s in hub.sigs} | hub.unloaded["sig"]
    people = {p.id for p in hub.people} | hub.unloaded["person"]
    items = {i.id for i in hub.roadmap.items} if hub.roadmap else set()
    rfcs = {r.number for r in hub.rfcs}
    teams = hub.teams()
    name = "request-refs"
    for req in hub.requests:
        for i, sid in enumerate(req.services):
            if sid not in services:
                yield problem(req, f"services[{i}]", f"unknown service {sid!r}: services are "
                              f"{', '.join(sorted(s.id for s in hub.services))}", name)
        if req.sig not in sigs:
            yield problem(req, "sig", f"unknown SIG {req.sig!r}: known SIGs are "
                          f"{', '.join(sorted(s.id for s in hub.sigs))}", name)
        if teams and req.team not in teams:
            yield problem(req, "team", f"unknown team {req.team!r}: teams are those of community/people.yaml "
                          f"({', '.join(sorted(teams))})", name)
        if req.requested_by not in people:
            yield problem(req, "requested_by", f"unknown person {req.requested_by!r}: add them to "
                          "community/people.yaml", name)
        if req.roadmap_item and hub.roadmap and req.roadmap_item not in items:
            yield problem(req, "roadmap_item", f"no roadmap item {req.roadmap_item!r} in community/roadmap.yaml "
                          f"(items: {', '.join(sorted(items))})", name)
        if req.rfc and req.rfc not in rfcs and f"{req.rfc:04d}" not in hub.unloaded["rfc"]:
            yield problem(req, "rfc", f"no RFC {req.rfc:04d} in rfcs/", name)
        for i, pid in enumerate(req.tally.supporters):
            if pid not in people:
                yield problem(req, f"tally.supporters[{i}]", f"unknown person {pid!r}", name)


@check("request-status")
def request_status(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Declined requests say why, planned ones name a roadmap item; a merged duplicate points at
    another request that is not itself merged away."""
    for req in hub.requests:
        for field, msg in status.field_errors(req):
            yield problem(req, field, msg, "request-status")
        if req.duplicate_of is None:
            continue
        target = hub.request(req.duplicate_of)
        if req.duplicate_of == req.id:
            yield problem(req, "duplicate_of", "a request cannot duplicate itself", "request-status")
        elif target is None and req.duplicate_of not in hub.unloaded["request"]:
            yield problem(req, "duplicate_of", f"no request requests/{req.duplicate_of}.yaml", "request-status")
        elif target is not None and target.duplicate_of:
            yield problem(req, "duplicate_of", f"{target.id} was itself merged into {target.duplicate_of}: "
                          f"point at {target.duplicate_of}", "request-status")


@check("request-tally")
def request_tally(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """A tally counts each supporter and each team once; warns when a request's SIG owns none of
    its services."""
    for req in hub.requests:
        for field, values in (("supporters", req.tally.supporters), ("teams", req.tally.teams)):
            seen: set[str] = set()
            for i, v in enumerate(values):
                if v in seen:
                    yield problem(req, f"tally.{field}[{i}]", f"{v!r} is counted twice", "request-tally")
                seen.add(v)
        owners = {s.owner_sig for sid in req.services if (s := hub.service(sid))}
        if owners - {s.id for s in hub.sigs}:
            continue  # a service names an unknown SIG: sigs-exist reports it, once
        if owners and req.sig not in owners:
            yield problem(req, "sig", f"{req.sig} owns none of the services it touches (owners: "
                          f"{', '.join(sorted(owners))})", "request-tally", "warning")
