"""Checks of clusters/: file names, known services, the lifecycle rules, coverage and teams."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from mlhub.checks import check, problem
from mlhub.clusters.local import LOCAL
from mlhub.content.hub import Hub
from mlhub.content.models import ALLOWED_STAGES
from mlhub.content.problems import Problem


@check("cluster-names")
def cluster_names(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """A cluster's name matches its file clusters/NAME.yaml (so names are unique) and is not
    `local`, the name of the embedded services of `make up`."""
    for cluster in hub.clusters:
        path = cluster.at()[0]
        if cluster.name == LOCAL:
            yield problem(cluster, "name", f"{LOCAL!r} names the embedded services `make up` starts; "
                          "pick another name", "cluster-names")
        elif path != f"clusters/{cluster.name}.yaml":
            yield problem(cluster, "name", f"name {cluster.name!r} must match the file name {path}",
                          "cluster-names")


@check("cluster-services")
def cluster_services(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Every service enabled on a cluster is in catalog/."""
    known = {s.id for s in hub.services} | hub.unloaded["service"]
    for cluster in hub.clusters:
        for sid in cluster.services:
            if sid not in known:
                yield problem(cluster, f"services.{sid}", f"unknown service {sid!r}: services are "
                              f"{', '.join(sorted(s.id for s in hub.services))}", "cluster-services")


@check("cluster-lifecycle")
def cluster_lifecycle(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """A service is enabled only on clusters whose stage its maturity allows, and that its
    catalog entry lists under `stages`."""
    for cluster in hub.clusters:
        for sid in cluster.services:
            svc = hub.service(sid)
            if svc is None:
                continue  # reported by cluster-services
            allowed = ALLOWED_STAGES[svc.maturity]
            stage = cluster.stage
            if stage not in allowed:
                msg = (f"{svc.id} is {svc.maturity.value}: it may only be enabled on "
                       f"{', '.join(s.value for s in allowed)} clusters, not on a {stage.value} cluster")
            elif stage not in svc.stages:
                msg = (f"catalog/{svc.id}.yaml does not list {stage.value} under `stages`: add it there "
                       "(its maturity allows it) or disable the service on this cluster")
            else:
                continue
            yield problem(cluster, f"services.{sid}", msg, "cluster-lifecycle")


@check("clusters-cover")
def clusters_cover(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Warns about a catalog service that no cluster runs."""
    if hub.unloaded["cluster"]:
        return  # a cluster file failed its schema: what it enables is unknown, so do not guess
    for svc in hub.services:
        if not hub.clusters_running(svc.id):
            yield problem(svc, "id", f"no cluster in clusters/ runs {svc.id}: enable it on one, or "
                          "deprecate it", "clusters-cover", "warning")


@check("cluster-teams")
def cluster_teams(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Warns about a team in a cluster's `teams` that nobody in people.yaml belongs to."""
    known = {p.team.casefold() for p in hub.people if p.team}
    if not known:
        return
    for cluster in hub.clusters:
        for i, team in enumerate(cluster.teams):
            if team.casefold() not in known:
                yield problem(cluster, f"teams[{i}]", f"nobody in community/people.yaml is in team "
                              f"{team!r}, so nobody sees this cluster first", "cluster-teams", "warning")
