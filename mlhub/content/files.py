"""Reading content files safely: size-capped, safe YAML without duplicate keys, front matter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 256 * 1024  # a content file larger than this is a mistake, not content
MAX_DEPTH = 20  # content nests a few levels; far below where the parser would run out of stack


class FileError(Exception):
    """A file that cannot be read as content; the message says why."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (which plain YAML silently overwrites), aliases
    (which can expand a few lines into billions of values) and nesting deeper than MAX_DEPTH."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:  # index: int or key node
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, f"alias *{event.anchor} is not allowed in content: write the value out",
                event.start_mark)  # type: ignore[arg-type]  # types-PyYAML: the C parser's Mark is a Mark too
        if self._depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay strings here and are parsed by the models, so a bad date ("2026-02-30") becomes an
# error naming its field instead of an exception inside the YAML parser.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_text(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise FileError(f"file is {size} bytes, over the {MAX_BYTES}-byte limit for content")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FileError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def parse_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise FileError(f"invalid YAML: nested too deeply (at most {MAX_DEPTH} levels)") from None
    except (yaml.YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FileError(f"invalid YAML{where}: {problem}") from None


def read_yaml(path: Path) -> Any:
    return parse_yaml(read_text(path))


def split_front_matter(text: str) -> tuple[Any, str]:
    """Split '---\\nYAML\\n---\\nbody' into (parsed YAML, body)."""
    if not text.startswith("---\n"):
        raise FileError("missing YAML front matter: the file must start with a '---' line")
    end = text.find("\n---\n", 3)
    if end == -1:
        if text.endswith("\n---"):
            end = len(text) - 4
        else:
            raise FileError("front matter is not closed by a '---' line")
    return parse_yaml(text[4 : end + 1]), text[end + 5 :]
