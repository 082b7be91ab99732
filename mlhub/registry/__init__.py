"""The bridge from the MLflow Model Registry to the community: which SIG owns a registered model,
read from the `registry` routes in community/sigs.yaml."""

from __future__ import annotations

from fnmatch import fnmatchcase
from itertools import combinations

from mlhub.content.hub import Hub
from mlhub.content.models import RegistryRoute, Sig


def matches(route: RegistryRoute, name: str, tags: dict[str, str]) -> bool:
    if route.model is not None:
        return fnmatchcase(name, route.model)
    assert route.tag is not None, "a route names a model glob or a tag (RegistryRoute._one)"
    key, _, value = route.tag.partition("=")
    return tags.get(key) == value


def owner(hub: Hub, name: str, tags: dict[str, str] | None = None) -> Sig | None:
    """The SIG that owns a registered model: name globs first, then tags; first declared wins."""
    tags = tags or {}
    for kind in ("model", "tag"):
        for sig in hub.sigs:
            if any(getattr(r, kind) is not None and matches(r, name, tags) for r in sig.registry):
                return sig
    return None


def _example(glob: str) -> str:
    return glob.replace("*", "x").replace("?", "x").replace("[", "").replace("]", "")


def overlaps(hub: Hub) -> list[tuple[Sig, int, Sig, int]]:
    """Pairs of name globs of different SIGs that some model name could match both
    (one glob matches an instance of the other)."""
    found = []
    routes = [(s, i, r.model) for s in hub.sigs for i, r in enumerate(s.registry) if r.model]
    for (s1, i1, g1), (s2, i2, g2) in combinations(routes, 2):
        if s1.id != s2.id and (fnmatchcase(_example(g1), g2) or fnmatchcase(_example(g2), g1)):
            found.append((s1, i1, s2, i2))
    return found
