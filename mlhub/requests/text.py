"""A request as the YAML file the repository holds: written by filing, merging and the tally."""

from __future__ import annotations

import yaml

from mlhub.content.models import Request

HEADER = "# Field reference: docs/reference/content.md#request\n"


def path(req: Request) -> str:
    return f"requests/{req.id}.yaml"


def dump(req: Request) -> str:
    """The file's text: fields in model order, empty optional ones left out."""
    data = req.model_dump(mode="json", exclude_none=True)
    tally = {k: v for k, v in data.pop("tally").items() if v not in (None, [])}
    if not data.get("services"):
        data.pop("services", None)
    if tally:
        data["tally"] = tally
    return HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
