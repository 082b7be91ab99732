"""Service catalog pages: the index with maturity badges and lifecycle rules, a page per service."""

from __future__ import annotations

from mlhub.content.hub import Hub
from mlhub.content.models import ALLOWED_STAGES, Maturity, Service
from mlhub.rfc import governance
from mlhub.site import clusters, md, paths

MATURITY_MEANING: dict[Maturity, str] = {
    Maturity.experimental: "Try it in the sandbox; it may change or disappear without notice.",
    Maturity.alpha: "Usable by early adopters on dev clusters; APIs may still change.",
    Maturity.beta: "Feature complete and supported in business hours; no production yet.",
    Maturity.stable: "Supported with on-call, safe for production workloads.",
    Maturity.deprecated: "Still running where enabled; do not start new work on it.",
}


def index(hub: Hub) -> str:
    here = paths.CATALOG
    rows = []
    for svc in sorted(hub.services, key=lambda s: (list(Maturity).index(s.maturity), s.name)):
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
        md.table(["Service", "Maturity", "Owner SIG", "Since", "Enabled on"], rows),
        "## Maturity levels and lifecycle rules\n\nA service may only be enabled on the cluster "
        "stages its maturity allows; `mlhub validate` enforces this.",
        md.table(["Maturity", "What it means for you", "May be enabled on"], rules),
    )


def service_page(hub: Hub, svc: Service) -> str:
    here = paths.service(svc.id)
    sig = hub.sig(svc.owner_sig)
    facts = md.table(["", ""], [
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
    )


def render(hub: Hub) -> dict[str, str]:
    out = {paths.CATALOG: index(hub)}
    for svc in hub.services:
        out[paths.service(svc.id)] = service_page(hub, svc)
    return out
