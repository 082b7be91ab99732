"""Katib's admission webhooks for an Experiment, as upstream runs them on create: decoding into the
typed API (swagger definitions), the defaulter, then the validator's rules (kubeflow/katib
pkg/webhook/v1beta1/experiment/validator/validator.go at the commit in kubeflow/README.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.fakes.kube_schema import Cause

SWAGGER = json.loads((Path(__file__).parent / "kubeflow" / "katib-v1beta1-swagger.json").read_text())["definitions"]
WEBHOOK = "validator.experiment.katib.kubeflow.org"
# katib-config's default suggestion and early-stopping algorithms
ALGORITHMS = {"random", "grid", "hyperband", "bayesianoptimization", "tpe", "multivariate-tpe", "cmaes", "sobol",
              "enas", "darts", "pbt"}
EARLY_STOPPING = {"medianstop"}
KUBEFLOW_JOB_KINDS = {"TFJob", "PyTorchJob", "XGBoostJob", "MXJob", "JAXJob", "PaddleJob", "MPIJob", "TrainJob"}
NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?")
GO_JSON = {str: "string", bool: "bool", int: "number", float: "number", list: "array", dict: "object"}
GO_TYPE = {"integer": "int32", "string": "string", "boolean": "bool", "number": "float64", "array": "[]",
           "object": "map"}


def decode_error(value: Any, ref: str = "v1beta1.Experiment", path: str = "") -> str | None:
    """What Go's encoding/json says when the body does not fit the typed API, or None."""
    schema = SWAGGER.get(ref.split("/")[-1])
    if schema is None:  # ObjectMeta, Unstructured: decoded as they are
        return None
    return _decode(value, schema, ref.split(".")[-1], path)


def _decode(value: Any, schema: dict, struct: str, path: str) -> str | None:
    if "$ref" in schema:
        return decode_error(value, schema["$ref"], path)
    kind = schema.get("type")
    if value is None or kind is None:
        return None
    ok = {"string": isinstance(value, str), "boolean": isinstance(value, bool),
          "integer": isinstance(value, int) and not isinstance(value, bool),
          "number": isinstance(value, int | float) and not isinstance(value, bool),
          "array": isinstance(value, list), "object": isinstance(value, dict)}[kind]
    if not ok:
        return (f"json: cannot unmarshal {GO_JSON[type(value)]} into Go struct field {struct}.{path} of type "
                f"{GO_TYPE[kind] if schema.get('format') != 'int64' else 'int64'}")
    if kind == "array":
        for item in value:
            if err := _decode(item, schema.get("items", {}), struct, path):
                return err
    if kind == "object":
        props = schema.get("properties", {})
        for key, item in value.items():
            sub = props.get(key, schema.get("additionalProperties") if isinstance(schema.get("additionalProperties"),
                                                                                   dict) else None)
            if sub and (err := _decode(item, sub, struct, f"{path}.{key}" if path else key)):
                return err
    return None


def default(exp: dict) -> dict:
    """The defaulting webhook (experiment_defaults.go): what a create stores besides what was sent."""
    spec = exp.setdefault("spec", {})
    spec.setdefault("parallelTrialCount", 3)
    spec.setdefault("resumePolicy", "Never")
    tmpl = spec.get("trialTemplate")
    if tmpl and isinstance(tmpl.get("trialSpec"), dict):
        kind = tmpl["trialSpec"].get("kind")
        if kind == "Job" or kind in KUBEFLOW_JOB_KINDS:
            done = "Complete" if kind in ("Job", "TrainJob") else "Succeeded"
            tmpl.setdefault("successCondition", f'status.conditions.#(type=="{done}")#|#(status=="True")#')
            tmpl.setdefault("failureCondition", 'status.conditions.#(type=="Failed")#|#(status=="True")#')
    spec.setdefault("metricsCollectorSpec", {"collector": {"kind": "StdOut"}})
    for param in spec.get("parameters") or []:
        space = param.get("feasibleSpace") or {}
        if param.get("parameterType") in ("double", "int") and not space.get("distribution"):
            space["distribution"] = "uniform"
    return exp


def validate(exp: dict) -> list[Cause]:
    """The validator's rules for a create, in its order; the messages are upstream's."""
    spec, errs = exp.get("spec") or {}, []
    name = (exp.get("metadata") or {}).get("name", "")
    if not NAME.match(name) or len(name) > 40:
        errs.append(Cause("FieldValueInvalid", "metadata.name", f'Invalid value: "{name}": name must consist of lower '
                          "case alphanumeric characters or '-', start with an alphabetic character, and end with an "
                          "alphanumeric character (e.g. 'my-name', or 'abc-123', regex used for validation is "
                          "'^[a-z]([-a-z0-9]*[a-z0-9])?)') and may not be longer than 40 characters. "))
    counts: dict[str, Any] = {k: spec.get(k) for k in ("maxFailedTrialCount", "maxTrialCount", "parallelTrialCount")}
    if counts["maxFailedTrialCount"] is not None and counts["maxFailedTrialCount"] < 0:
        errs.append(_invalid("spec.maxFailedTrialCount", counts["maxFailedTrialCount"], "should not be less than 0"))
    for key in ("maxTrialCount", "parallelTrialCount"):
        if counts[key] is not None and counts[key] <= 0:
            errs.append(_invalid(f"spec.{key}", counts[key], "must be greater than 0"))
    if counts["maxTrialCount"] is not None:
        for key in ("maxFailedTrialCount", "parallelTrialCount"):
            if counts[key] is not None and counts[key] > counts["maxTrialCount"]:
                errs.append(_invalid(f"spec.{key}", counts[key], "should be less than or equal to spec.maxTrialCount"))
    objective = spec.get("objective")
    if objective is None:
        return errs + [Cause("FieldValueRequired", "spec.objective", "Required value: must be specified")]
    obj_errs = []
    if objective.get("type") not in ("minimize", "maximize"):
        obj_errs.append(_invalid("spec.objective.type", objective.get("type", ""), "must be minimize or maximize"))
    if not objective.get("objectiveMetricName"):
        obj_errs.append(Cause("FieldValueRequired", "spec.objective.objectiveMetricName",
                              "Required value: must be specified"))
    if objective.get("objectiveMetricName") in (objective.get("additionalMetricNames") or []):
        obj_errs.append(_invalid("spec.objective.additionalMetricNames", objective["additionalMetricNames"],
                                 "should not contain spec.objective.objectiveMetricName"))
    if obj_errs:
        return errs + obj_errs
    errs += _algorithm(spec.get("algorithm"))
    es = spec.get("earlyStopping")
    if es is not None and es.get("algorithmName") not in EARLY_STOPPING:
        errs.append(_invalid("spec.earlyStopping.algorithmName", es.get("algorithmName", ""),
                             f"unable to get EarlyStopping config data for algorithm {es.get('algorithmName', '')}"))
    if spec.get("resumePolicy", "") not in ("", "Never", "LongRunning", "FromVolume"):
        errs.append(_invalid("spec.resumePolicy", spec["resumePolicy"], "invalid ResumePolicyType"))
    errs += _trial_template(spec)
    params = spec.get("parameters") or []
    if not params and not spec.get("nasConfig"):
        errs.append(Cause("FieldValueRequired", "spec", "Required value: spec.parameters or spec.nasConfig must be "
                                                        "specified"))
    errs += _parameters(params)
    return errs


def _invalid(field: str, value: Any, detail: str) -> Cause:
    shown = f'"{value}"' if isinstance(value, str) else json.dumps(value)
    return Cause("FieldValueInvalid", field, f"Invalid value: {shown}: {detail}")


def _algorithm(alg: dict | None) -> list[Cause]:
    if alg is None:
        return [Cause("FieldValueRequired", "spec.algorithm", "Required value: must be specified")]
    name = alg.get("algorithmName", "")
    if not name:
        return [Cause("FieldValueRequired", "spec.algorithm.algorithmName", "Required value: must be specified"),
                _invalid("spec.algorithm.algorithmName", "", "unable to get Suggestion config data for algorithm : "
                         'failed to find algorithm \'\' config in configmap katib-config')]
    if name not in ALGORITHMS:
        return [_invalid("spec.algorithm.algorithmName", name, f"unable to get Suggestion config data for algorithm "
                         f"{name}: failed to find algorithm '{name}' config in configmap katib-config")]
    return []


def _parameters(params: list[dict]) -> list[Cause]:
    errs = []
    for i, p in enumerate(params):
        at = f"spec.parameters[{i}]"
        kind, space = p.get("parameterType", ""), p.get("feasibleSpace") or {}
        if kind not in ("int", "double", "categorical", "discrete", ""):
            errs.append(_invalid(f"{at}.parameterType", kind, f"parameterType: {kind} is not supported"))
        dist = space.get("distribution", "")
        if dist and dist not in ("uniform", "logUniform", "normal", "logNormal"):
            errs.append(_invalid(f"{at}.feasibleSpace.distribution", dist, f"distribution: {dist} is not supported"))
        if not space:
            errs.append(Cause("FieldValueRequired", f"{at}.feasibleSpace", "Required value: feasibleSpace must be "
                                                                            "specified"))
        elif kind in ("double", "int"):
            if space.get("list"):
                errs.append(_invalid(f"{at}.feasibleSpace.list", space["list"], "feasibleSpace.list is not supported "
                                     f"for parameterType: {kind}"))
            if not space.get("max") or not space.get("min"):
                errs.append(Cause("FieldValueRequired", f"{at}.feasibleSpace.max", "Required value: feasibleSpace.max "
                                  f"or feasibleSpace.min must be specified for parameterType: {kind}"))
        elif kind in ("categorical", "discrete") and (space.get("max") or space.get("min") or space.get("step")):
            errs.append(_invalid(f"{at}.feasibleSpace", space, "feasibleSpace .max, .min and .step is not supported "
                                 f"for parameterType: {kind}"))
    return errs


def _trial_template(spec: dict) -> list[Cause]:
    tmpl, at = spec.get("trialTemplate"), "spec.trialTemplate"
    if tmpl is None:
        return [Cause("FieldValueRequired", at, "Required value: must be specified")]
    errs = []
    if not tmpl.get("primaryContainerName"):
        errs.append(Cause("FieldValueRequired", f"{at}.primaryContainerName", "Required value: must be specified"))
    if not tmpl.get("successCondition") or not tmpl.get("failureCondition"):
        errs.append(Cause("FieldValueRequired", at, "Required value: successCondition and failureCondition must be "
                                                    "specified"))
    if tmpl.get("trialParameters") is None:
        return errs + [Cause("FieldValueRequired", f"{at}.trialParameters", "Required value: must be specified")]
    if tmpl.get("trialSpec") is None and tmpl.get("configMap") is None:
        return errs + [Cause("FieldValueRequired", f"{at}.TrialSource", "Required value: spec.trialTemplate.trialSpec "
                                                                         "or spec.trialTemplate.configMap must be "
                                                                         "specified")]
    text = json.dumps(tmpl.get("trialSpec"))
    names = {p.get("name") for p in spec.get("parameters") or []}
    seen_names, seen_refs = set(), set()
    for i, p in enumerate(tmpl["trialParameters"]):
        pname, ref = p.get("name", ""), p.get("reference", "")
        if not pname or not ref or "{" in pname or "}" in pname:
            errs.append(_invalid(f"{at}.trialParameters[{i}]", "", "name and reference must be specified and name "
                                                                   "must not contain '{' or '}'"))
            continue
        if pname in seen_names or ref in seen_refs:
            which = "name" if pname in seen_names else "reference"
            errs.append(_invalid(f"{at}.trialParameters[{i}].{which}", pname if which == "name" else ref,
                                 f"parameter {which} can't be duplicated in spec.trialTemplate.trialParameters"))
            continue
        seen_names.add(pname)
        seen_refs.add(ref)
        if names and ref not in names and ref not in ("${trialSpec.Name}", "${trialSpec.Namespace}"):
            errs.append(_invalid(f"{at}.trialParameters[{i}].reference", ref,
                                 f"parameter reference {ref} does not exist in spec.parameters"))
        token = "${trialParameters." + pname + "}"
        if token not in text:
            return errs + [_invalid(f"{at}.trialParameters[{i}].name", pname, f"parameter name: {pname} in "
                                    "spec.trialParameters not found in spec.trialTemplate")]
        text = text.replace(token, "test-value")
    left = re.findall(r"\$\{trialParameters\..+?\}", text)
    if left:
        errs.append(_invalid(at, "", f"parameters: {left} in spec.trialTemplate not found in "
                                     "spec.trialParameters"))
    run_spec = json.loads(text) or {}
    meta = run_spec.get("metadata") or {}
    if meta.get("name") or meta.get("namespace"):
        errs.append(_invalid(at, "", "metadata.name and metadata.namespace in spec.trialTemplate must be omitted"))
    if not run_spec.get("apiVersion") or not run_spec.get("kind"):
        errs.append(Cause("FieldValueRequired", at, "Required value: APIVersion and Kind in spec.trialTemplate must be "
                                                    "specified"))
    return errs
