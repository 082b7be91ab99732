"""Reading and editing an RFC file's text: parse it into the model, change front-matter fields,
keep the body as written."""

from __future__ import annotations

import yaml
from pydantic import ValidationError

from mlhub.content.files import FileError, split_front_matter
from mlhub.content.models import Rfc


def parse(text: str, path: str) -> Rfc:
    """The RFC model of a file's text (e.g. read from a pull request branch)."""
    data, body = split_front_matter(text)
    try:
        rfc = Rfc.model_validate(data)
    except ValidationError as exc:
        raise FileError(f"{path}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from None
    rfc._path, rfc._slug, rfc._body = path, path.rsplit("/", 1)[-1].removesuffix(".md"), body
    return rfc


def update(text: str, **fields) -> str:
    """The same file with front-matter fields set (None removes a field); the body is untouched."""
    data, body = split_front_matter(text)
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
    return f"---\n{front}---\n{body}"
