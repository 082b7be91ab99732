"""Which clusters run a service, and what one cluster runs: the answers behind `mlhub clusters`
and the bot's `/platform where SERVICE` and `/platform cluster NAME`. Pure functions."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from mlhub.clusters.health import Report, Result
from mlhub.content.hub import Hub
from mlhub.content.models import Cluster, ClusterService, Service


class ClusterError(Exception):
    """What is said back to a user: an unknown cluster or service, naming the known ones."""


@dataclass(frozen=True)
class Placement:
    """One service on one cluster: its endpoints there and its last health result."""

    cluster: Cluster
    service_id: str
    service: Service | None  # the catalog entry (always found in valid content)
    endpoints: ClusterService
    health: Result | None = None

    @property
    def name(self) -> str:
        return self.service.name if self.service else self.service_id


@dataclass(frozen=True)
class Where:
    """The answer to `where SERVICE`: every cluster that runs it, least critical stage first."""

    service: Service
    placements: tuple[Placement, ...]


@dataclass(frozen=True)
class ClusterView:
    """The answer to `cluster NAME`: the cluster and each service it runs."""

    cluster: Cluster
    placements: tuple[Placement, ...]


def endpoint(svc: ClusterService, kind: str) -> str | None:
    """One endpoint as people and clients use it: an API URL without the trailing slash that URL
    parsing adds to a bare host (`https://mlflow.example/` -> `https://mlflow.example`)."""
    url = getattr(svc, kind)
    if url is None:
        return None
    return str(url).rstrip("/") if kind == "api" else str(url)


def everywhere(hub: Hub, local: Cluster | None = None) -> list[Cluster]:
    """The clusters to answer from: the local one (while `make up` runs) first, then clusters/."""
    return ([local] if local else []) + list(hub.clusters)


def _placement(hub: Hub, cluster: Cluster, sid: str, report: Report | None) -> Placement:
    return Placement(cluster, sid, hub.service(sid), cluster.services[sid],
                     report.result(cluster.name, sid) if report else None)


def find_services(hub: Hub, query: str) -> list[Service]:
    """A catalog id, or every service whose id or name contains the words (`mlflow` finds both
    tracking and registry)."""
    q = " ".join(query.split()).casefold()
    if not q:
        raise ClusterError("name a service, e.g. `katib` or `kubeflow-pipelines`")
    if svc := hub.service(q):
        return [svc]
    found = [s for s in hub.services if q in s.id or q in s.name.casefold()]
    if not found:
        raise ClusterError(f"no service matches {query.strip()!r}; services are "
                           f"{', '.join(sorted(s.id for s in hub.services))}")
    return sorted(found, key=lambda s: s.id)


def where(hub: Hub, query: str, clusters: Sequence[Cluster], report: Report | None = None) -> list[Where]:
    """For each service the query names, the clusters that run it."""
    return [Where(svc, tuple(_placement(hub, c, svc.id, report) for c in clusters if svc.id in c.services))
            for svc in find_services(hub, query)]


def find_cluster(clusters: Sequence[Cluster], name: str) -> Cluster:
    name = name.strip()
    names = [c.name for c in clusters]
    if not name:
        raise ClusterError(f"name a cluster: {', '.join(names) or 'there are none'}")
    for cluster in clusters:
        if cluster.name == name.casefold():
            return cluster
    close = ([n for n in names if n.startswith(name.casefold())]
             or difflib.get_close_matches(name.casefold(), names, n=2, cutoff=0.5))
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise ClusterError(f"unknown cluster {name!r}; {hint}clusters are {', '.join(names) or 'none'}")


def show(hub: Hub, name: str, clusters: Sequence[Cluster], report: Report | None = None) -> ClusterView:
    """A cluster by name, with each service it runs in the order of its file."""
    cluster = find_cluster(clusters, name)
    return ClusterView(cluster, tuple(_placement(hub, cluster, sid, report) for sid in cluster.services))


def works_on(cluster: Cluster, team: str | None) -> bool:
    """Whether the team is one of the cluster's `teams` (case does not matter)."""
    name = (team or "").strip().casefold()
    return bool(name) and name in {t.casefold() for t in cluster.teams}


def for_team(clusters: Sequence[Cluster], team: str | None) -> list[Cluster]:
    """The clusters with those the team works on (its `teams`) first; otherwise the same order."""
    if not team:
        return list(clusters)
    return sorted(clusters, key=lambda c: not works_on(c, team))
