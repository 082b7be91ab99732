"""api/hub.json: the whole validated content as JSON, for the bot and other tools."""

from __future__ import annotations

import json

from mlhub.content.hub import Hub

API_VERSION = 1


def hub_json(hub: Hub) -> str:
    def dump(obj):
        return obj.model_dump(mode="json")

    data = {
        "api_version": API_VERSION,
        "people": [dump(p) for p in hub.people],
        "sigs": [dump(s) | {"services": [v.id for v in hub.services_of(s.id)]} for s in hub.sigs],
        "ceremonies": dump(hub.ceremonies) if hub.ceremonies else None,
        "roadmap": dump(hub.roadmap) if hub.roadmap else None,
        "services": [dump(s) for s in hub.services],
        "rfcs": [dump(r) | {"slug": r.slug} for r in hub.rfcs],
        "demos": [dump(d) | {"slug": d.slug} for d in hub.demos],
        "tutorials": [{"id": t.id, "title": t.title} for t in hub.tutorials],
        "clusters": [dump(c) for c in hub.clusters],
        "requests": [dump(r) for r in hub.requests],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
