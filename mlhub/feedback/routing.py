"""Which pages take feedback and who hears it: service pages go to the service's owning SIG,
tutorials to the SIG owning the first service they use, the golden path to the ML Sync."""

from __future__ import annotations

from dataclasses import dataclass

from mlhub.content.hub import Hub
from mlhub.site import paths

GOLDEN_PATH = "golden-path.md"


@dataclass(frozen=True)
class Owner:
    name: str  # a SIG's name, or the ML Sync's
    channel: str  # Slack channel name, without '#'
    sig: str | None  # the SIG id, when a SIG owns the page


def pages(hub: Hub) -> dict[str, Owner]:
    """{page source path: owner} of every page that carries the feedback form."""
    sync = hub.ceremonies.ml_sync if hub.ceremonies else None
    fallback = Owner(sync.name, sync.slack_channel, None) if sync else None
    out: dict[str, Owner] = {}

    def owner(sig_id: str | None) -> Owner | None:
        sig = hub.sig(sig_id) if sig_id else None
        return Owner(sig.name, sig.slack_channel, sig.id) if sig else fallback

    if fallback:
        out[GOLDEN_PATH] = fallback
    for tut in hub.tutorials:
        using = hub.services_using(tut.id)
        if found := owner(using[0].owner_sig if using else None):
            out[paths.tutorial(tut.id)] = found
    for svc in hub.services:
        if found := owner(svc.owner_sig):
            out[paths.service(svc.id)] = found
    return out
