"""The clusters page (stage, services, endpoints as links, last health check) and, for each
service page, where the service runs."""

from __future__ import annotations

import datetime as dt

from mlhub.clusters.health import Report, Status
from mlhub.clusters.query import endpoint
from mlhub.content.hub import Hub
from mlhub.content.models import Cluster, ClusterService, Service
from mlhub.site import md, paths

KINDS = {"ui": "UI", "api": "API", "health": "health"}


def anchor(cluster: str) -> str:
    """Link target of one cluster's section, relative to docs/."""
    return f"{paths.CLUSTERS}#{cluster}"


def endpoint_links(svc: ClusterService) -> str:
    links = [f"[{label}]({url})" for kind, label in KINDS.items() if (url := endpoint(svc, kind))]
    text = " · ".join(links)
    if svc.note:
        text = f"{text} ({svc.note})" if text else svc.note
    return text or "no endpoint"


def _status(report: Report | None, cluster: str, sid: str, svc: ClusterService) -> str:
    if svc.health is None:
        return "not checked (no health URL)"
    res = report.result(cluster, sid) if report else None
    if res is None:
        return "not checked yet"
    return f"{md.badge('health', res.status.value)} {res.detail}"


def checked(report: Report | None, now: dt.datetime) -> str:
    """One line on the last check: when, what was up, and how old it is at build time."""
    if report is None:
        return ("**Not checked yet.** `mlhub clusters check --save` probes every health URL and "
                "publishes the result here at the next build.")
    up = sum(1 for r in report.results if r.status is Status.up)
    age = now - report.checked_at
    stale = f" That was {age.days} day(s) before this page was built." if age >= dt.timedelta(days=1) else ""
    return (f"**Last health check: {report.checked_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC**: {up} of "
            f"{len(report.results)} endpoints up.{stale}")


def _section(hub: Hub, cluster: Cluster, report: Report | None) -> str:
    here = paths.CLUSTERS
    facts = [f"- **Stage**: {cluster.stage.value}", f"- **Region**: {cluster.region}",
             f"- **Run by**: {cluster.team}"]
    if cluster.teams:
        facts.append(f"- **Teams working on it**: {', '.join(cluster.teams)}")
    rows = []
    for sid, svc in cluster.services.items():
        catalog = hub.service(sid)
        name = f"[{catalog.name}]({md.rel(here, paths.service(sid))})" if catalog else sid
        rows.append([name, md.badge("maturity", catalog.maturity.value) if catalog else "",
                     endpoint_links(svc), _status(report, cluster.name, sid, svc)])
    return "\n\n".join(p for p in [
        f"## {cluster.name} {{#{cluster.name}}}",
        cluster.description or "",
        "\n".join(facts),
        md.table(["Service", "Maturity", "Endpoints", "Health"], rows),
    ] if p)


LOCAL = """## local {#local}

On your own machine, `make up` (or `mlhub services up`) starts the **local** cluster, a sandbox:
a real MLflow server on 127.0.0.1 for MLflow Experiment Tracking and the Model Registry (its
address is printed at start), and Kubeflow Pipelines through `kfp.local`. It is the default
cluster of the tutorials; `mlhub clusters check` probes it while it runs."""


def page(hub: Hub, report: Report | None, now: dt.datetime) -> str:
    here = paths.CLUSTERS
    rows = [[f"[{c.name}](#{c.name})", c.stage.value, c.region, c.team,
             ", ".join(f"[{sid}]({md.rel(here, paths.service(sid))})" for sid in c.services)]
            for c in hub.clusters]
    return md.page(
        "Clusters",
        "Where each platform service runs, how to reach it, and whether it answered at the last "
        "health check. Each cluster is one file in `clusters/`; a service is only enabled on the "
        f"stages its [maturity]({md.rel(here, paths.CATALOG)}) allows. Tutorials connect to the "
        "cluster named by `MLHUB_CLUSTER` (`local` by default); `mlhub clusters env NAME` prints "
        "the variables to export.",
        checked(report, now),
        md.table(["Cluster", "Stage", "Region", "Run by", "Services"], rows) if rows else "No clusters yet.",
        *(_section(hub, c, report) for c in hub.clusters),
        LOCAL,
    )


def runs_on(hub: Hub, svc: Service, here: str) -> str:
    """The service page's section: every cluster that runs it, with its endpoints there."""
    rows = [[f"[{c.name}]({md.rel(here, anchor(c.name))})", c.stage.value, endpoint_links(c.services[svc.id])]
            for c in hub.clusters_running(svc.id)]
    body = (md.table(["Cluster", "Stage", "Endpoints"], rows) if rows
            else "No cluster runs it yet.")
    return (f"## Where it runs\n\n{body}\nWhether each answered at the last health check: the "
            f"[clusters page]({md.rel(here, paths.CLUSTERS)}).")


def render(hub: Hub, report: Report | None, now: dt.datetime) -> dict[str, str]:
    return {paths.CLUSTERS: page(hub, report, now)}
