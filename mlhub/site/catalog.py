"""Service catalog pages: the index with maturity badges and lifecycle rules, a page per service."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mlhub.content.hub import Hub
from mlhub.content.models import ALLOWED_STAGES, Maturity, Service, Stage
from mlhub.rfc import governance
from mlhub.site import clusters, md, paths, requestlist, svg

MATURITY_MEANING: dict[Maturity, str] = {
    Maturity.experimental: "Try it in the sandbox; it may change or disappear without notice.",
    Maturity.alpha: "Usable by early adopters on dev clusters; APIs may still change.",
    Maturity.beta: "Feature complete and supported in business hours; no production yet.",
    Maturity.stable: "Supported with on-call, safe for production workloads.",
    Maturity.deprecated: "Still running where enabled; do not start new work on it.",
}


def by_maturity(hub: Hub) -> list[Service]:
    return sorted(hub.services, key=lambda s: (list(Maturity).index(s.maturity), s.name))


def placement(svc: Service, stage: Stage) -> str:
    """enabled | allowed (its maturity permits the stage, it is not enabled there) | not allowed."""
    if stage in svc.stages:
        return "enabled"
    return "allowed" if stage in ALLOWED_STAGES[svc.maturity] else "not allowed"


def lifecycle(hub: Hub, clusters: Mapping[Stage, Sequence[str]] | None = None
              ) -> tuple[list[tuple[Stage, list[str]]], list[tuple[Service, dict[Stage, str]]]]:
    """The services against the cluster stages: (columns: each stage with its clusters, rows: each
    service with its placement per stage). The clusters default to those in clusters/."""
    if clusters is None:
        clusters = {stage: [c.name for c in hub.clusters if c.stage is stage] for stage in Stage}
    columns = [(stage, list(clusters.get(stage, ()))) for stage in Stage]
    return columns, [(svc, {stage: placement(svc, stage) for stage, _ in columns}) for svc in by_maturity(hub)]


def running_on(hub: Hub, svc: Service, stage: Stage) -> list[str]:
    """The clusters of a stage that run a service, as clusters/ records them."""
    return [c.name for c in hub.clusters_running(svc.id) if c.stage is stage]


LIFECYCLE_PID = "mlhub-lifecycle"


def lifecycle_picture(hub: Hub, here: str, clusters: Mapping[Stage, Sequence[str]] | None = None) -> str:
    columns, rows = lifecycle(hub, clusters)
    if not rows:
        return ""
    label_w, col_w, row_h, head_h, pad = 290, 120, 34, 46, 8
    width = label_w + col_w * len(columns) + 2 * pad
    height = head_h + row_h * len(rows) + 2 * pad
    body = []
    for c, (stage, names) in enumerate(columns):
        x = pad + label_w + c * col_w + col_w / 2
        body.append(svg.text(x, pad + 16, stage.value, "mlhub-axis"))
        if names:
            body.append(svg.text(x, pad + 32, svg.wrap(", ".join(names), 18, 1)[0], "mlhub-axis-note", size=11))
    for r, (svc, cells) in enumerate(rows):
        y = pad + head_h + r * row_h
        name = svg.text(pad, y + 21, svg.wrap(svc.name, 30, 1)[0], "mlhub-row-label", anchor="start")
        body.append(svg.link(md.href(here, paths.service(svc.id)), f"{svc.name}, {svc.maturity.value}", name))
        body.append(svg.text(pad + label_w - 12, y + 21, svc.maturity.value,
                             f"mlhub-maturity-{svc.maturity.value}-text", anchor="end", size=11))
        for c, (stage, _) in enumerate(columns):
            x = pad + label_w + c * col_w
            state = cells[stage]
            cls = {"enabled": f"mlhub-cell-enabled mlhub-maturity-{svc.maturity.value}",
                   "allowed": "mlhub-cell-allowed", "not allowed": "mlhub-cell-none"}[state]
            names = running_on(hub, svc, stage) if state == "enabled" else []
            word = {"enabled": "enabled", "allowed": "allowed", "not allowed": "—"}[state]
            if names:  # where clusters/ says it runs, the picture names them
                word = svg.wrap(", ".join(names), 16, 1)[0]
            body.append(svg.group(svg.rect(x + 4, y + 4, col_w - 8, row_h - 8, cls, rx=4) + svg.text(
                x + col_w / 2, y + 21, word, f"mlhub-cell-text-{state.replace(' ', '-')}", size=11),
                service=svc.id, stage=stage.value, placement=state, clusters=" ".join(names)))
    desc = "; ".join(f"{svc.name} ({svc.maturity.value}): enabled on "
                     f"{', '.join(s.value for s in Stage if cells[s] == 'enabled')}" for svc, cells in rows)
    return svg.figure(LIFECYCLE_PID, width, height, "Services against cluster stages, by maturity", desc + ".",
                      body, caption="Where each service runs: filled where it is enabled, outlined where its "
                      "maturity allows it but it is not enabled yet, a dash where its maturity does not "
                      "allow it.", interactive=True)


def index(hub: Hub) -> str:
    here = paths.CATALOG
    rows = []
    for svc in by_maturity(hub):
        sig = hub.sig(svc.owner_sig)
        rows.append([
            f"[{svc.name}]({md.rel(here, paths.service(svc.id))})",
            md.badge("maturity", svc.maturity.value),
            f"[{sig.name if sig else svc.owner_sig}]({md.rel(here, paths.sig(svc.owner_sig))})",
            svc.since.isoformat(),
            ", ".join(s.value for s in svc.stages),
        ])
    rules = [
        [md.badge("maturity", m.value), MATURITY_MEANING[m], ", ".join(s.value for s in stages)]
        for m, stages in ALLOWED_STAGES.items()
    ]
    return md.page(
        "Service catalog",
        "Every service of the ML platform, who owns it and how mature it is. Services are "
        "integrated one by one as they mature. Each entry is one file in `catalog/`.",
        lifecycle_picture(hub, here),
        md.table(["Service", "Maturity", "Owner SIG", "Since", "Enabled on"], rows),
        "## Maturity levels and lifecycle rules\n\nA service may only be enabled on the cluster "
        "stages its maturity allows; `mlhub validate` enforces this.",
        md.table(["Maturity", "What it means for you", "May be enabled on"], rules),
    )


def service_page(hub: Hub, svc: Service) -> str:
    here = paths.service(svc.id)
    sig = hub.sig(svc.owner_sig)
    facts = md.facts([
        ["Maturity", f"{md.badge('maturity', svc.maturity.value)} since {svc.since}"],
        ["What it means", MATURITY_MEANING[svc.maturity]],
        ["Owner", f"[{sig.name if sig else svc.owner_sig}]({md.rel(here, paths.sig(svc.owner_sig))})"
                  + (f" · Slack `#{sig.slack_channel}`" if sig else "")],
        ["Enabled on", ", ".join(s.value for s in svc.stages)],
    ])
    docs = "\n".join(f"- [{d.title}]({d.url})" for d in svc.docs) or "None yet."
    tutorials = "\n".join(f"- [{t.title}]({md.rel(here, paths.tutorial(t.id))})"
                          for tid in svc.tutorials if (t := hub.tutorial(tid))) or "None yet."
    in_force = {r.number for r in governance.governing(hub, svc.id)}
    rfcs = [f"- [RFC {r.number:04d}: {r.title}]({md.rel(here, paths.rfc(r.slug))}) "
            f"{md.badge('rfc', r.status.value)}"
            + (" **in force**" if r.number in in_force else "")
            + "".join(f" · targets {a.maturity.value}" for a in r.affects if a.service == svc.id)
            for r in governance.affecting(hub, svc.id)]
    demos = [f"- [{d.title}]({md.rel(here, paths.demo(d.slug))}) ({d.date}, {d.team})"
             for d in hub.demos_of(svc.id)]
    return md.page(
        svc.name,
        svc.summary,
        facts,
        "## Documentation\n\n" + docs,
        clusters.runs_on(hub, svc, here),
        "## Golden-path tutorials\n\n" + tutorials,
        "## Decisions that govern it\n\n" + ("\n".join(rfcs) or "None yet."),
        "## Community demos\n\n" + ("\n".join(demos) or "None yet."),
        requestlist.for_service(hub, here, svc.id),
    )


def render(hub: Hub) -> dict[str, str]:
    out = {paths.CATALOG: index(hub)}
    for svc in hub.services:
        out[paths.service(svc.id)] = service_page(hub, svc)
    return out
