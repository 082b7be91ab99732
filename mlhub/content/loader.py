"""The one loader: reads community/, catalog/, clusters/, requests/, rfcs/, demos/ and tutorials/ into a Hub."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from mlhub.content.files import FileError, read_text, read_yaml, split_front_matter
from mlhub.content.hub import Hub, Tutorial
from mlhub.content.models import (
    CeremoniesFile,
    Cluster,
    Demo,
    Model,
    Person,
    Record,
    Request,
    Rfc,
    Roadmap,
    Service,
    Sig,
    Stage,
)
from mlhub.content.problems import Problem, loc_to_field

M = TypeVar("M", bound=Model)
R = TypeVar("R", bound=Record)

RFC_FILE = re.compile(r"^(\d{4})-([a-z0-9][a-z0-9-]*)\.md$")
DEMO_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9][a-z0-9-]*)\.md$")
TUTORIAL_FILE = re.compile(r"^(\d{2}-[a-z0-9-]+)\.ipynb$")
RFC_NON_RECORDS = {"README.md", "0000-template.md"}


def _pydantic_problems(path: str, exc: ValidationError, prefix: tuple = ()) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = prefix + tuple(err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling against the content reference)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif "ctx" in err and "expected" in err["ctx"]:
            msg = f"{msg} (got {err['input']!r})"
        out.append(Problem(path, loc_to_field(loc), msg))
    return out


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _validate(model: type[M], data: Any, path: str, problems: list[Problem]) -> M | None:
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(path, exc))
        return None
    return obj


def _stamp(obj: Model, path: str, loc: str) -> None:
    """Record where an object came from, recursively, so later checks can name file and field."""
    obj._path = path
    obj._loc = loc
    for name in type(obj).model_fields:
        value = getattr(obj, name)
        sub = f"{loc}.{name}" if loc else name
        if isinstance(value, Model):
            _stamp(value, path, sub)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Model):
                    _stamp(item, path, f"{sub}[{i}]")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, Model):
                    _stamp(item, path, f"{sub}.{key}")


def _mapping(data: Any, rel: str, what: str, problems: list[Problem]) -> bool:
    """Whether a file's YAML (or front matter) is a mapping; else one problem naming the file."""
    if isinstance(data, dict):
        return True
    if data is None:
        msg = f"the {what} is empty (or only comments): it must hold the fields of the content reference"
    else:
        msg = f"the {what} must be a mapping of fields (key: value lines), not a {type(data).__name__}"
    problems.append(Problem(rel, "", msg, "files"))
    return False


def _read_yaml_file(root: Path, rel: str, problems: list[Problem]) -> Any:
    """The file's YAML mapping, or None after recording why it cannot be read as one."""
    path = root / rel
    if not path.is_file():
        problems.append(Problem(rel, "", "file is missing", "files"))
        return None
    try:
        data = read_yaml(path)
    except FileError as exc:
        problems.append(Problem(rel, "", str(exc), "files"))
        return None
    return data if _mapping(data, rel, "file", problems) else None


def _yaml_file(root: Path, rel: str, model: type[M], problems: list[Problem]) -> M | None:
    data = _read_yaml_file(root, rel, problems)
    if data is None:
        return None
    obj = _validate(model, data, rel, problems)
    if obj is not None:
        _stamp(obj, rel, "")
    return obj


def _yaml_list(
    root: Path, rel: str, key: str, model: type[M], problems: list[Problem], unloaded: set[str]
) -> list[M]:
    """A file holding `key: [items]`: each item is validated alone, so one bad entry does not
    hide the others (and cause a cascade of 'unknown id' errors elsewhere)."""
    data = _read_yaml_file(root, rel, problems)
    if data is None:
        return []
    if not isinstance(data.get(key), list):
        problems.append(Problem(rel, key, f"the file must be a mapping with a list under {key!r}"))
        return []
    for extra in sorted(set(data) - {key}, key=str):
        problems.append(Problem(rel, str(extra), "unknown key (check its spelling against the "
                                "content reference)"))
    out = []
    for i, item in enumerate(data[key]):
        try:
            obj = model.model_validate(item)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(rel, exc, (key, i)))
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                unloaded.add(item["id"])
            continue
        _stamp(obj, rel, f"{key}[{i}]")
        out.append(obj)
    return out


def _markdown_records(
    root: Path, folder: str, pattern: re.Pattern, model: type[R], problems: list[Problem],
    skip: frozenset[str] | set[str] = frozenset(), unloaded: set[str] | None = None,
) -> list[R]:
    out = []
    for path in sorted((root / folder).glob("*.md")):
        if path.name in skip:
            continue
        rel = _rel(root, path)
        match = pattern.match(path.name)
        if not match:
            problems.append(Problem(rel, "", f"file name must match {pattern.pattern}", "files"))
            continue
        if unloaded is not None:
            unloaded.add(match.group(1))  # removed again below if the file loads
        try:
            data, body = split_front_matter(read_text(path))
        except FileError as exc:
            problems.append(Problem(rel, "", str(exc), "files"))
            continue
        if not _mapping(data, rel, "front matter", problems):
            continue
        obj = _validate(model, data, rel, problems)
        if obj is not None:
            _stamp(obj, rel, "")
            obj._slug = path.stem
            obj._body = body
            out.append(obj)
            if unloaded is not None:
                unloaded.discard(match.group(1))
    return out


def _notebook(path: Path) -> tuple[str, bool]:
    """A notebook's title (its first Markdown heading) and whether any code cell holds outputs."""
    try:
        nb = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise FileError(f"not a notebook (invalid JSON at line {exc.lineno})") from None
    cells = nb.get("cells", []) if isinstance(nb, dict) else []
    outputs = any(c.get("outputs") or c.get("execution_count") for c in cells if c.get("cell_type") == "code")
    return _title(cells), outputs


def _title(cells: list) -> str:
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            text = "".join(cell.get("source", []))
            if m := re.search(r"^#\s+(.+)$", text, re.M):
                return m.group(1).strip()
    raise FileError("a tutorial starts with a Markdown cell holding a '# Title' heading")


def _yaml_folder(root: Path, folder: str, model: type[M], problems: list[Problem],
                 unloaded: set[str]) -> list[M]:
    """One object per `folder/NAME.yaml`; any other file there is reported, not ignored."""
    out = []
    for path in sorted((root / folder).glob("*")):
        if path.suffix != ".yaml" or not path.is_file():
            if path.name != "README.md":
                problems.append(Problem(_rel(root, path), "", f"{folder}/ holds NAME.yaml files only",
                                        "files"))
            continue
        before = len(problems)
        if obj := _yaml_file(root, _rel(root, path), model, problems):
            out.append(obj)
            continue
        unloaded.add(path.stem)
        if len(problems) == before:  # YAML that holds nothing at all
            problems.append(Problem(_rel(root, path), "", "the file is empty", "files"))
    return out


def read(root: Path) -> tuple[Hub, list[Problem]]:
    """Parse and type-check every content file; return what loaded and every problem found."""
    root = Path(root).resolve()
    problems: list[Problem] = []
    hub = Hub(root=root)

    hub.people = _yaml_list(root, "community/people.yaml", "people", Person, problems,
                            hub.unloaded["person"])
    hub.sigs = _yaml_list(root, "community/sigs.yaml", "sigs", Sig, problems, hub.unloaded["sig"])
    hub.ceremonies = _yaml_file(root, "community/ceremonies.yaml", CeremoniesFile, problems)
    hub.roadmap = _yaml_file(root, "community/roadmap.yaml", Roadmap, problems)

    for path in sorted((root / "catalog").glob("*.yaml")):
        if service := _yaml_file(root, _rel(root, path), Service, problems):
            hub.services.append(service)
        else:
            hub.unloaded["service"].add(path.stem)

    hub.clusters = _yaml_folder(root, "clusters", Cluster, problems, hub.unloaded["cluster"])
    hub.clusters.sort(key=lambda c: (list(Stage).index(c.stage), c.name))

    hub.requests = _yaml_folder(root, "requests", Request, problems, hub.unloaded["request"])

    for rfc in _markdown_records(root, "rfcs", RFC_FILE, Rfc, problems, RFC_NON_RECORDS,
                                       hub.unloaded["rfc"]):
        hub.rfcs.append(rfc)
    hub.rfcs.sort(key=lambda r: r.number)

    for demo in _markdown_records(root, "demos", DEMO_FILE, Demo, problems):
        hub.demos.append(demo)
    hub.demos.sort(key=lambda d: (d.date, d.slug))

    for path in sorted((root / "tutorials").glob("*.ipynb")):
        if m := TUTORIAL_FILE.match(path.name):
            try:
                title, outputs = _notebook(path)
            except FileError as exc:
                problems.append(Problem(_rel(root, path), "", str(exc), "files"))
                continue
            hub.tutorials.append(Tutorial(m.group(1), title, path, outputs))
        else:
            problems.append(
                Problem(_rel(root, path), "", f"file name must match {TUTORIAL_FILE.pattern}", "files")
            )
    for path in sorted((root / "docs" / "ml-sync").glob("*.md")):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", path.stem):
            hub.minutes.append(path.stem)
        elif path.name != "index.md":
            problems.append(Problem(_rel(root, path), "", "ML Sync minutes are named YYYY-MM-DD.md", "files"))
    return hub, problems
