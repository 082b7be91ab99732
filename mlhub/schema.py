"""JSON Schemas of the content models, for editors (YAML language servers) and other tools."""

from __future__ import annotations

import json
from pathlib import Path

from mlhub.content.models import SCHEMAS

# Which files each schema applies to, for editor settings (see docs/contributing.md).
APPLIES_TO: dict[str, str] = {
    "people": "community/people.yaml",
    "sigs": "community/sigs.yaml",
    "ceremonies": "community/ceremonies.yaml",
    "roadmap": "community/roadmap.yaml",
    "service": "catalog/*.yaml",
    "rfc": "rfcs/NNNN-slug.md (front matter)",
    "demo": "demos/YYYY-MM-DD-slug.md (front matter)",
    "cluster": "clusters/*.yaml",
    "request": "requests/*.yaml",
}


def schemas() -> dict[str, str]:
    """{file name: JSON Schema text} for every kind of content file."""
    out = {}
    for name, model in SCHEMAS.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$comment"] = f"mlhub content schema for {APPLIES_TO[name]}"
        out[f"{name}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


def export(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schemas().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
