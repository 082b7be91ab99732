"""The golden path as a flow: one step per tutorial in reading order, each linked to its page and
coloured by its verification status, with the maturity of the services it uses."""

from __future__ import annotations

from dataclasses import dataclass

from mlhub.content.hub import Hub
from mlhub.site import md, paths, svg
from mlhub.site.tutorials import Verification

PID = "mlhub-golden-path"
STATUS_WORDS = {"passed": "✓ verified", "failed": "✗ broken", "infra-error": "! not verified",
                "unverified": "not verified yet"}
PER_ROW, W, H, GAP, PAD = 4, 190, 150, 36, 8


@dataclass(frozen=True)
class Step:
    number: int
    tutorial: str  # id
    title: str
    status: str  # passed | failed | infra-error | unverified
    services: tuple[tuple[str, str], ...]  # (name, maturity)


def steps(hub: Hub, verification: Verification) -> list[Step]:
    out = []
    for i, tut in enumerate(hub.tutorials, start=1):
        rec = verification.records.get(tut.id)
        out.append(Step(i, tut.id, _short(tut.title), rec.status if rec else "unverified",
                        tuple((s.name, s.maturity.value) for s in hub.services_using(tut.id))))
    return out


def _short(title: str) -> str:
    # tutorial titles start with their number ("03 · Register ..."); the picture numbers steps itself
    head, sep, rest = title.partition(" · ")
    return rest if sep and head.isdigit() else title


def picture(hub: Hub, verification: Verification, here: str) -> str:
    """The flow as an SVG figure for the page `here` (links are relative to it)."""
    flow = steps(hub, verification)
    if not flow:
        return ""
    rows = (len(flow) + PER_ROW - 1) // PER_ROW
    width = PER_ROW * W + (PER_ROW - 1) * GAP + 2 * PAD
    height = rows * H + (rows - 1) * GAP + 2 * PAD
    body = [svg.arrow_marker(PID)]
    for i, step in enumerate(flow):
        row, col = divmod(i, PER_ROW)
        x, y = PAD + col * (W + GAP), PAD + row * (H + GAP)
        body.append(_node(step, x, y, md.href(here, paths.tutorial(step.tutorial))))
        if i + 1 < len(flow):
            if col + 1 < PER_ROW:
                body.append(svg.path(f"M{x + W + 2},{y + H / 2} H{x + W + GAP - 2}", PID))
            else:  # down to the next row's first step
                nx, ny = PAD + W / 2, y + H + GAP
                body.append(svg.path(f"M{x + W / 2},{y + H + 2} V{y + H + GAP / 2} H{nx} V{ny - 2}", PID))
    passed = sum(1 for s in flow if s.status == "passed")
    desc = "; ".join(f"step {s.number}, {s.title}: {STATUS_WORDS[s.status]}" for s in flow)
    return svg.figure(PID, width, height, "The golden path, step by step",
                      f"{passed} of {len(flow)} steps verified. {desc}.", body,
                      caption=f"The golden path: {passed} of {len(flow)} tutorials verified against the "
                              "live services. Each step links to its tutorial; the chips show the "
                              "maturity of the services it uses.", interactive=True)


def _node(step: Step, x: float, y: float, href: str) -> str:
    parts = [svg.rect(x, y, W, H, f"mlhub-node mlhub-verify-{step.status}-node"),
             svg.lines(x + 10, y + 22, svg.wrap(f"{step.number} · {step.title}", 24, 3), "mlhub-node-title",
                       anchor="start"),
             svg.text(x + 10, y + 88, STATUS_WORDS[step.status], f"mlhub-status mlhub-verify-{step.status}-text",
                      anchor="start", size=12)]
    for j, (name, maturity) in enumerate(step.services[:2]):
        cy = y + 108 + j * 18
        parts.append(f'<circle cx="{x + 16:g}" cy="{cy - 4:g}" r="5" class="mlhub-maturity-{maturity}-dot"/>')
        parts.append(svg.text(x + 26, cy, svg.wrap(f"{name}: {maturity}", 27, 1)[0], "mlhub-chip",
                              anchor="start", size=11))
    label = f"Step {step.number}: {step.title}, {STATUS_WORDS[step.status]}"
    return svg.group(svg.link(href, label, "".join(parts)), step=step.tutorial, status=step.status,
                     maturity=" ".join(m for _, m in step.services))
