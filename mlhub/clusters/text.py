"""The words of the clusters' answers: plain text for the CLI, Slack mrkdwn for the bot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from mlhub.clusters.health import Report, Result, Status
from mlhub.clusters.query import ClusterView, Placement, Where, endpoint
from mlhub.content.models import Cluster

KINDS = ("ui", "api", "health")


def columns(rows: Sequence[Sequence[str]]) -> str:
    """Rows as left-aligned columns, two spaces apart; a column empty in every row is left out."""
    if not rows:
        return ""
    keep = [i for i in range(len(rows[0])) if any(r[i] for r in rows)]
    widths = {i: max(len(r[i]) for r in rows) for i in keep}
    return "\n".join("  ".join(r[i].ljust(widths[i]) for i in keep).rstrip() for r in rows)


def _esc(text: str, slack: bool) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") if slack else text


def links(p: Placement, slack: bool = False) -> str:
    """`ui URL · api URL` (or Slack links), or the placement's note when it has no endpoint."""
    parts = []
    for kind in KINDS:
        if url := endpoint(p.endpoints, kind):
            parts.append(f"<{url}|{kind}>" if slack else f"{kind} {url}")
    if not parts and p.endpoints.note:
        parts.append(_esc(p.endpoints.note, slack))
    return " · ".join(parts) or "no endpoint"


def status(res: Result | None, checked_at: dt.datetime | None = None) -> str:
    if res is None:
        return ""
    when = f", {checked_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" if checked_at else ""
    return f"{res.status.value} ({res.detail}{when})"


def cluster_list(clusters: Sequence[Cluster]) -> str:
    rows = [["NAME", "STAGE", "REGION", "TEAM", "SERVICES"]]
    rows += [[c.name, c.stage.value, c.region, c.team, ", ".join(c.services)] for c in clusters]
    return columns(rows)


def where_text(answers: Sequence[Where], report: Report | None = None, slack: bool = False) -> str:
    """`where SERVICE`: per service, its clusters with stage, links and last status."""
    blocks = []
    for answer in answers:
        svc = answer.service
        head = (f"*{_esc(svc.name, True)}* (`{svc.id}`, {svc.maturity.value}, owned by {svc.owner_sig})"
                if slack else f"{svc.name} ({svc.id}): {svc.maturity.value}, owned by {svc.owner_sig}")
        if not answer.placements:
            blocks.append(f"{head}\n  runs on no cluster yet")
            continue
        at = report.checked_at if report else None
        if slack:
            lines = [f"• *{p.cluster.name}* ({p.cluster.stage.value}): {links(p, True)}"
                     + (f" · {status(p.health, at)}" if p.health else "") for p in answer.placements]
            blocks.append("\n".join([head, *lines]))
        else:
            rows = [[p.cluster.name, p.cluster.stage.value, status(p.health, at), links(p)]
                    for p in answer.placements]
            blocks.append(head + "\n" + "\n".join("  " + line for line in columns(rows).splitlines()))
    return "\n\n".join(blocks)


def cluster_text(view: ClusterView, report: Report | None = None, slack: bool = False) -> str:
    """`cluster NAME`: the cluster's facts, then each service with its endpoints and last status."""
    c = view.cluster
    at = report.checked_at if report else None
    head = (f"*{c.name}*: {c.stage.value} · {_esc(c.region, True)} · run by {_esc(c.team, True)}" if slack
            else f"{c.name}: {c.stage.value} · {c.region} · run by {c.team}")
    lines = [head]
    if c.description:
        lines.append(_esc(c.description, slack))
    if c.teams:
        lines.append(f"Teams: {_esc(', '.join(c.teams), slack)}")
    if slack:
        lines += [f"• *{_esc(p.name, True)}* ({p.service.maturity.value if p.service else '?'}): "
                  f"{links(p, True)}" + (f" · {status(p.health, at)}" if p.health else "")
                  for p in view.placements]
    else:
        rows = [[p.service_id, p.service.maturity.value if p.service else "?", status(p.health, at), links(p)]
                for p in view.placements]
        lines += ["  " + line for line in columns(rows).splitlines()]
    return "\n".join(lines)


def report_table(report: Report) -> str:
    """The check as a table, then one summary line."""
    rows = [["CLUSTER", "STAGE", "SERVICE", "STATUS", "SECONDS", "DETAIL", "URL"]]
    rows += [[r.cluster, r.stage, r.service, r.status.value.upper(),
              "" if r.seconds is None else f"{r.seconds:.2f}", r.detail, r.url] for r in report.results]
    bad = [r for r in report.results if r.status is not Status.up]
    summary = (f"{len(report.results) - len(bad)} of {len(report.results)} endpoints up, "
               f"checked {report.checked_at:%Y-%m-%d %H:%M:%S} UTC")
    return columns(rows) + "\n" + summary if report.results else "no endpoint has a health URL"
