"""Docs are tested against the code: every command, config key and content field has a heading."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from mlhub import config
from mlhub.cli import main
from mlhub.content import models

DOCS = Path(__file__).resolve().parent.parent / "docs"

# model -> the anchor of its section in docs/reference/content.md
SECTIONS = {
    models.PeopleFile: "peoplefile", models.Person: "person", models.SigsFile: "sigsfile",
    models.Sig: "sig", models.Meeting: "meeting", models.CeremoniesFile: "ceremoniesfile",
    models.MLSync: "mlsync", models.CommunitySessions: "communitysessions",
    models.Roadmap: "roadmap", models.RoadmapItem: "roadmapitem", models.Service: "service",
    models.Link: "link", models.Rfc: "rfc", models.Demo: "demo", models.Discussion: "discussion",
    models.Decision: "decision", models.Concern: "concern", models.Affects: "affects",
    models.RegistryRoute: "registryroute", models.Cluster: "cluster", models.ClusterService: "clusterservice",
    models.Request: "request", models.Tally: "tally",
}


def headings(path: Path) -> list[tuple[int, str]]:
    return [(len(m.group(1)), m.group(2).strip())
            for m in re.finditer(r"^(#{1,6}) (.+)$", path.read_text(encoding="utf-8"), re.M)]


def section_fields(anchor: str) -> set[str]:
    hs = headings(DOCS / "reference/content.md")
    start = next(i for i, (_, text) in enumerate(hs) if text.endswith(f"{{#{anchor}}}"))
    level = hs[start][0]
    fields = set()
    for lvl, text in hs[start + 1:]:
        if lvl <= level:
            break
        if m := re.fullmatch(r"`([a-z_]+)`", text):
            fields.add(m.group(1))
    return fields


def all_models() -> set[type]:
    """Every model reachable from the content file kinds."""
    seen: set[type] = set()
    todo = list(models.SCHEMAS.values())
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        for f in m.model_fields.values():
            for name in re.findall(r"[A-Za-z]+", str(f.annotation)):
                t = getattr(models, name, None)
                if isinstance(t, type) and issubclass(t, models.Model):
                    todo.append(t)
    return seen


def test_every_model_has_a_reference_section():
    assert all_models() <= set(SECTIONS), all_models() - set(SECTIONS)


@pytest.mark.parametrize("model", list(SECTIONS), ids=lambda m: m.__name__)
def test_every_content_field_has_a_heading(model):
    documented = section_fields(SECTIONS[model])
    assert set(model.model_fields) == documented, (
        f"missing: {set(model.model_fields) - documented}, stale: {documented - set(model.model_fields)}")


def commands(group: click.Group, prefix: str = "mlhub") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out += commands(cmd, f"{prefix} {name}")
        else:
            out.append(f"{prefix} {name}")
    return out


def test_every_command_has_a_heading():
    documented = {text.strip("`") for _, text in headings(DOCS / "reference/cli.md")}
    assert set(commands(main)) <= documented, set(commands(main)) - documented


def test_every_config_key_has_a_heading():
    from bot.config import KEYS as BOT_KEYS

    documented = {text.strip("`") for _, text in headings(DOCS / "reference/config.md")}
    keys = set(config.KEYS) | set(BOT_KEYS)
    assert keys <= documented, keys - documented


def test_every_named_check_is_in_the_cli_reference():
    from mlhub.checks import registry

    text = (DOCS / "reference/cli.md").read_text()
    for name in registry():
        assert f"| `{name}` |" in text, name
