"""Structural-schema validation as the Kubernetes API server does it for a custom resource:
errors name the field and carry the API server's cause reasons; unknown fields are pruned."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

GO_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object",
            type(None): "null"}


@dataclass(frozen=True)
class Cause:
    reason: str  # FieldValueRequired, FieldValueInvalid, FieldValueTypeInvalid, FieldValueNotSupported, ...
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"reason": self.reason, "message": self.message, "field": self.field}

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _quote(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return f'"{GO_TYPES[type(value)]}"'
    return str(value)


def _type_ok(value: Any, schema: dict) -> bool:
    kind = schema.get("type")
    # go-openapi takes a whole float (2.0, as some clients send 2) for an integer
    integral = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if schema.get("x-kubernetes-int-or-string"):
        return (integral or isinstance(value, str)) and not isinstance(value, bool)
    if kind is None:
        return True
    if value is None:
        return bool(schema.get("nullable"))
    return {
        "string": isinstance(value, str), "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "array": isinstance(value, list), "object": isinstance(value, dict),
    }[kind]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# The CEL rules (x-kubernetes-validations) in the schemas we serve, evaluated for a create.
# Transition rules (oldSelf) apply only to updates. An unknown rule stops the double: implement it.
CEL: dict[str, Any] = {
    "self == oldSelf": None,
    "has(self.lastUpdatedTime)": lambda v: isinstance(v, dict) and "lastUpdatedTime" in v,
    "self >= 1": lambda v: not isinstance(v, int | float) or v >= 1,
    "size(self.metadata.name) <= 63": lambda v: len(v.get("metadata", {}).get("name", "")) <= 63,
    "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')":
        lambda v: re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", v.get("metadata", {}).get("name", "")) is not None,
    "self in ['trainer.kubeflow.org/trainjob-controller', 'kueue.x-k8s.io/multikueue']":
        lambda v: v in ("trainer.kubeflow.org/trainjob-controller", "kueue.x-k8s.io/multikueue"),
    "self == '' || self.matches('^[A-Za-z][A-Za-z0-9+.-]*://.+$')":
        lambda v: v == "" or re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*://.+", v) is not None,
}


def validate(value: Any, schema: dict, path: str = "") -> tuple[Any, list[Cause], list[str]]:
    """(the value with unknown fields pruned, the causes of rejection, the pruned fields' paths)."""
    causes: list[Cause] = []
    pruned: list[str] = []
    if not _type_ok(value, schema):
        if value is None:
            return value, causes, pruned  # null for a field: the API server drops it
        kind = "integer or string" if schema.get("x-kubernetes-int-or-string") else schema.get("type")
        causes.append(Cause("FieldValueTypeInvalid", path,
                            f"Invalid value: {_quote(GO_TYPES.get(type(value), 'unknown'))}: {path} in body must "
                            f"be of type {kind}: {_quote(GO_TYPES.get(type(value), 'unknown'))}"))
        return value, causes, pruned
    if "enum" in schema and value not in schema["enum"]:
        supported = ", ".join(_quote(v) for v in schema["enum"])
        causes.append(Cause("FieldValueNotSupported", path, f"Unsupported value: {_quote(value)}: supported values: "
                                                            f"{supported}"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            causes.append(Cause("FieldValueInvalid", path, f"Invalid value: {value}: {path} in body should be greater "
                                                           f"than or equal to {schema['minimum']}"))
        if "maximum" in schema and value > schema["maximum"]:
            causes.append(Cause("FieldValueInvalid", path, f"Invalid value: {value}: {path} in body should be less "
                                                           f"than or equal to {schema['maximum']}"))
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            causes.append(Cause("FieldValueTooLong", path, f"Too long: may not be more than {schema['maxLength']} "
                                                           "bytes"))
        if "minLength" in schema and len(value) < schema["minLength"]:
            causes.append(Cause("FieldValueInvalid", path, f"Invalid value: {_quote(value)}: {path} in body should be "
                                                           f"at least {schema['minLength']} chars long"))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            causes.append(Cause("FieldValueInvalid", path, f"Invalid value: {_quote(value)}: {path} in body should "
                                                           f"match '{schema['pattern']}'"))
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            causes.append(Cause("FieldValueInvalid", path, f"Invalid value: {len(value)}: {path} in body should have "
                                                           f"at least {schema['minItems']} items"))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            causes.append(Cause("FieldValueTooMany", path, f"Too many: {len(value)}: must have at most "
                                                           f"{schema['maxItems']} items"))
        if "items" in schema:
            out: Any = []
            for i, item in enumerate(value):
                v, c, p = validate(item, schema["items"], f"{path}[{i}]")
                out.append(v)
                causes += c
                pruned += p
            value = out
    if isinstance(value, dict) and not schema.get("x-kubernetes-preserve-unknown-fields"):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        out = {}
        for key, item in value.items():
            if props is not None and key in props:
                v, c, p = validate(item, props[key], _join(path, key))
            elif isinstance(extra, dict):
                v, c, p = validate(item, extra, _join(path, key))
            elif path == "metadata" or path.startswith("metadata."):
                v, c, p = item, [], []  # ObjectMeta is validated by the API server's own rules
            else:
                pruned.append(_join(path, key))
                continue
            out[key] = v
            causes += c
            pruned += p
        for key in schema.get("required", []):
            if key not in value:
                causes.append(Cause("FieldValueRequired", _join(path, key), "Required value"))
        value = out
    for rule in schema.get("x-kubernetes-validations", []):
        if rule["rule"] not in CEL:
            raise NotImplementedError(f"the Kubernetes double cannot evaluate the CEL rule {rule['rule']!r} at {path}")
        check = CEL[rule["rule"]]
        if check is not None and not check(value):
            shown = _quote(value) if isinstance(value, str | int | float) else f'"{GO_TYPES[type(value)]}"'
            causes.append(Cause("FieldValueInvalid", path or "<nil>", f"Invalid value: {shown}: {rule['message']}"))
    return value, causes, pruned
