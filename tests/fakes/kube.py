"""A local double of a Kubernetes API server with Kubeflow installed: the calls the Kubeflow SDK
and the Kubernetes client make to create a Katib Experiment, a TrainJob and a KServe
InferenceService, each body checked against the upstream schemas in kubeflow/ and the admission
webhooks' rules, and answered as the API server answers (201, or a Status with the field)."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import re
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import yaml

from tests.fakes import katib
from tests.fakes.kube_schema import Cause, validate
from tests.fakes.server import LocalDouble

SCHEMAS = Path(__file__).parent / "kubeflow"
KATIB_INJECTION = "katib.kubeflow.org/metrics-collector-injection"
KSERVE_WEBHOOK = "inferenceservice.kserve-webhook-server.validator"
STORAGE_PREFIXES = ["gs://", "s3://", "pvc://", "file://", "https://", "http://", "hdfs://", "webhdfs://", "oci://",
                    "hf://"]
ISVC_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


@functools.cache
def _crd_schema(file: str) -> dict:
    """The CRD's OpenAPI schema, parsed once per process (the InferenceService CRD is 2 MB)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    crd = yaml.load((SCHEMAS / file).read_text(), Loader=loader)  # noqa: S506 - a safe loader
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    schema_source: str  # what a stamp names

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


EXPERIMENT = Resource("kubeflow.org", "v1beta1", "experiments", "Experiment",
                      "Katib v1beta1 swagger + admission webhook rules (kubeflow/katib 33c8ff4)")
TRAINJOB = Resource("trainer.kubeflow.org", "v1alpha1", "trainjobs", "TrainJob",
                    "TrainJob CRD v1alpha1 (kubeflow/trainer 8c0f505)")
ISVC = Resource("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService",
                "InferenceService CRD v1beta1 + webhook rules (kserve/kserve aaac4e2)")
RESOURCES = {(r.group, r.version, r.plural): r for r in (EXPERIMENT, TRAINJOB, ISVC)}


@dataclass
class Call:
    method: str
    path: str
    status: int
    kind: str = ""
    name: str = ""
    body: dict | None = None  # what was stored (201) or the Status answered
    warnings: tuple[str, ...] = ()


def status(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    out: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                           "message": message}
    if reason:
        out["reason"] = reason
    if details is not None:
        out["details"] = details
    out["code"] = code
    return out


def invalid(res: Resource, name: str, causes: list[Cause]) -> dict:
    """422 Invalid, as the API server answers a body its schema refuses."""
    listed = ", ".join(str(c) for c in causes)
    what = listed if len(causes) == 1 else f"[{listed}]"
    return status(422, "Invalid", f'{res.kind}.{res.group} "{name}" is invalid: {what}',
                  {"name": name, "group": res.group, "kind": res.kind, "causes": [c.as_dict() for c in causes]})


def denied(webhook: str, code: int, message: str, reason: str = "") -> dict:
    """An admission webhook's refusal, as the API server passes it on."""
    return status(code, reason, f'admission webhook "{webhook}" denied the request: {message}')


class FakeKubernetes(LocalDouble):
    """Namespaces (Kubeflow profile namespaces carry Katib's injection label), the objects created,
    and every call answered, for tests and for verification's stamps."""

    def __init__(self, namespaces: tuple[str, ...] = ("mlhub",)):
        self.lock = threading.Lock()
        self.namespaces = {ns: {KATIB_INJECTION: "enabled"} for ns in namespaces}
        self.objects: dict[tuple[str, str, str], dict] = {}  # (plural, namespace, name) -> object
        self.calls: list[Call] = []
        self.trainjob_schema = _crd_schema("trainer-trainjobs-crd.yaml")
        self.isvc_schema = _crd_schema("kserve-inferenceservices-crd.yaml")
        self.runtime = yaml.safe_load((SCHEMAS / "trainer-torch-distributed-runtime.yaml").read_text())
        super().__init__(self._handler())

    def created(self, kind: str) -> list[dict]:
        with self.lock:
            return [c.body for c in self.calls if c.kind == kind and c.status == 201 and c.body]

    # -- the create path: schema, defaulting and validating webhooks, then storage -----------------
    def create(self, res: Resource, ns: str, body: dict, strict: bool) -> tuple[int, dict, tuple[str, ...]]:
        name = (body.get("metadata") or {}).get("name", "")
        if ns not in self.namespaces:
            return 404, status(404, "NotFound", f'namespaces "{ns}" not found',
                               {"name": ns, "kind": "namespaces"}), ()
        if body.get("kind") != res.kind or body.get("apiVersion") != res.api_version:
            return 400, status(400, "BadRequest", f"the API version in the data ({body.get('apiVersion')}) does not "
                               f"match the expected API version ({res.api_version})"), ()
        if not name:
            return 422, invalid(res, "", [Cause("FieldValueRequired", "metadata.name", "Required value: name or "
                                                "generateName is required")]), ()
        warnings: tuple[str, ...] = ()
        if res is EXPERIMENT:
            obj = copy.deepcopy(body)  # no structural schema: Katib's CRD preserves unknown fields
            if err := katib.decode_error(obj):
                return 400, denied(katib.WEBHOOK, 400, err), ()
            if self.namespaces[ns].get(KATIB_INJECTION) != "enabled":
                return 400, denied(katib.WEBHOOK, 400, f'Cannot create the Experiment "{name}" in namespace "{ns}": '
                                   f'the namespace lacks label "{KATIB_INJECTION}: enabled"'), ()
            causes = katib.validate(katib.default(obj))
            if causes:
                listed = ", ".join(str(c) for c in causes)
                return 400, denied(katib.WEBHOOK, 400, listed if len(causes) == 1 else f"[{listed}]"), ()
        else:
            schema = self.trainjob_schema if res is TRAINJOB else self.isvc_schema
            obj, causes, pruned = validate(body, schema)
            if pruned and strict:
                fields = ", ".join(f'unknown field "{p}"' for p in pruned)
                return 400, status(400, "BadRequest", f'{res.kind} in version "{res.version}" cannot be handled as a '
                                   f"{res.kind}: strict decoding error: {fields}"), ()
            warnings = tuple(f'unknown field "{p}"' for p in pruned)
            if causes:
                return 422, invalid(res, name, causes), warnings
            if res is ISVC and (err := self._kserve_webhook(obj)):
                return 403, denied(KSERVE_WEBHOOK, 403, err, "Forbidden"), warnings
        key = (res.plural, ns, name)
        with self.lock:
            if key in self.objects:
                return 409, status(409, "AlreadyExists", f'{res.plural}.{res.group} "{name}" already exists',
                                   {"name": name, "group": res.group, "kind": res.plural}), warnings
            meta = obj.setdefault("metadata", {})
            meta.update(namespace=ns, uid=str(uuid.uuid4()), resourceVersion=str(len(self.calls) + 1), generation=1,
                        creationTimestamp=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
            self.objects[key] = obj
        return 201, obj, warnings

    def _kserve_webhook(self, isvc: dict) -> str | None:
        """The InferenceService validator's create rules (name, storage URIs, one model per predictor)."""
        name = isvc["metadata"]["name"]
        if not ISVC_NAME.match(name):
            return (f'The InferenceService "{name}" is invalid: a InferenceService name must consist of lower case '
                    "alphanumeric characters or '-', and must start with alphabetical character. (e.g. \"my-name\" "
                    "or \"abc-123\", regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
        predictor = (isvc.get("spec") or {}).get("predictor") or {}
        frameworks = [k for k in ("model", "sklearn", "xgboost", "tensorflow", "pytorch", "triton", "onnx", "pmml",
                                  "lightgbm", "paddle", "huggingface") if k in predictor]
        if len(frameworks) != 1 and not predictor.get("containers"):
            return "Exactly one of [Custom, Tensorflow, SKLearn, XGBoost, PyTorch, Triton, ONNX, PMML, LightGBM, " \
                   "Paddle, Model, HuggingFace] must be specified in PredictorSpec"
        for impl in frameworks:
            uri = predictor[impl].get("storageUri") or ""
            if re.search(r"\w+?://", uri) and not any(uri.startswith(p) for p in STORAGE_PREFIXES):
                return (f"storageUri, must be one of: [{', '.join(STORAGE_PREFIXES)}] or match "
                        "https://{}.blob.core.windows.net/{}/{} or be an absolute or relative local path. "
                        f"StorageUri [{uri}] is not supported.")
        return None

    # -- HTTP ----------------------------------------------------------------------------------------
    def _handler(self):
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, code: int, body: dict, call: Call, warnings: tuple[str, ...] = ()) -> None:
                call.status, call.warnings = code, warnings
                with double.lock:
                    double.calls.append(call)
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                for w in warnings:
                    escaped = w.replace("\\", "\\\\").replace('"', '\\"')
                    self.send_header("Warning", f'299 - "{escaped}"')
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self, method: str):
                url = urlparse(self.path)
                parts = [p for p in url.path.split("/") if p]
                call = Call(method, url.path, 0)
                body = None
                if method in ("POST", "PUT", "PATCH"):
                    raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    try:
                        body = json.loads(raw or b"{}")
                    except json.JSONDecodeError as exc:
                        return self._send(400, status(400, "BadRequest", f"json: {exc}"), call)
                if parts[:2] == ["api", "v1"] and len(parts) == 6 and parts[4] == "configmaps" and method == "GET":
                    if parts[3] == "kubeflow-system" and parts[5] == "kubeflow-trainer-public":
                        return self._send(200, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
                            "name": parts[5], "namespace": parts[3]}, "data": {"kubeflow_trainer_version": "v2.1.0"}},
                            call)
                    return self._send(404, status(404, "NotFound", f'configmaps "{parts[5]}" not found',
                                                  {"name": parts[5], "kind": "configmaps"}), call)
                if parts[:1] != ["apis"] or len(parts) < 4:
                    return self._send(404, status(404, "NotFound", "the server could not find the requested resource"),
                                      call)
                group, version = parts[1], parts[2]
                if parts[3] == "clustertrainingruntimes" and method == "GET" and len(parts) == 5:
                    if group == "trainer.kubeflow.org" and parts[4] == double.runtime["metadata"]["name"]:
                        return self._send(200, double.runtime, call)
                    return self._send(404, status(404, "NotFound", f'clustertrainingruntimes.{group} "{parts[4]}" not '
                                                  "found", {"name": parts[4], "group": group,
                                                            "kind": "clustertrainingruntimes"}), call)
                if parts[3] != "namespaces" or len(parts) < 6:
                    return self._send(404, status(404, "NotFound", "the server could not find the requested resource"),
                                      call)
                ns, plural, name = parts[4], parts[5], (parts[6] if len(parts) > 6 else None)
                res = RESOURCES.get((group, version, plural))
                if res is None:
                    return self._send(404, status(404, "NotFound", f'{plural}.{group} "{name or ""}" not found'
                                                  if name else "the server could not find the requested resource",
                                                  {"name": name or "", "group": group, "kind": plural}), call)
                call.kind = res.kind
                if method == "POST" and name is None:
                    strict = parse_qs(url.query).get("fieldValidation", [""])[0] == "Strict"
                    code, answer, warnings = double.create(res, ns, body or {}, strict)
                    call.name, call.body = (body or {}).get("metadata", {}).get("name", ""), answer
                    return self._send(code, answer, call, warnings)
                if method == "GET" and name is None:
                    with double.lock:
                        items = [o for (p, n, _), o in double.objects.items() if p == plural and n == ns]
                    return self._send(200, {"apiVersion": res.api_version, "kind": f"{res.kind}List",
                                            "metadata": {"resourceVersion": str(len(double.calls))}, "items": items},
                                      call)
                call.name = name or ""
                with double.lock:
                    key = (plural, ns, name or "")
                    obj = double.objects.get(key)
                    if obj is not None and method == "DELETE":
                        del double.objects[key]
                if obj is None:
                    return self._send(404, status(404, "NotFound", f'{plural}.{group} "{name}" not found',
                                                  {"name": name, "group": group, "kind": plural}), call)
                if method == "DELETE":
                    return self._send(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                            "details": {"name": name, "group": group, "kind": plural,
                                                        "uid": obj["metadata"]["uid"]}}, call)
                return self._send(200, obj, call)

            def do_GET(self):
                self._route("GET")

            def do_POST(self):
                self._route("POST")

            def do_DELETE(self):
                self._route("DELETE")

        return Handler
