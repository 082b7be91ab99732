"""The exported JSON Schemas accept the repository's content and reject unknown keys."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from mlhub.content.files import split_front_matter
from mlhub.schema import schemas

from .conftest import REPO


@pytest.fixture(scope="module")
def validators():
    return {name.removesuffix(".schema.json"): jsonschema.Draft202012Validator(json.loads(text))
            for name, text in schemas().items()}


def _files():
    yield "people", REPO / "community/people.yaml"
    yield "sigs", REPO / "community/sigs.yaml"
    yield "ceremonies", REPO / "community/ceremonies.yaml"
    yield "roadmap", REPO / "community/roadmap.yaml"
    for p in sorted((REPO / "catalog").glob("*.yaml")):
        yield "service", p
    for p in sorted((REPO / "demos").glob("*.md")):
        yield "demo", p
    for p in sorted((REPO / "clusters").glob("*.yaml")):
        yield "cluster", p
    for p in sorted((REPO / "requests").glob("*.yaml")):
        yield "request", p


def _data(path):
    # JSON Schema sees dates as strings, as an editor's YAML server does
    text = path.read_text()
    if path.suffix == ".md":
        return json.loads(json.dumps(split_front_matter(text)[0], default=str))
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


@pytest.mark.parametrize("kind, path", list(_files()), ids=lambda v: getattr(v, "name", v))
def test_repository_files_match_their_schema(validators, kind, path):
    errors = list(validators[kind].iter_errors(_data(path)))
    assert errors == []


def test_schema_rejects_unknown_keys(validators):
    data = _data(REPO / "catalog/katib.yaml") | {"matruity": "beta"}
    assert not validators["service"].is_valid(data)
