"""The Kubernetes API double: what the Kubeflow SDK and the Kubernetes client submit is accepted
(201), and a broken Experiment, TrainJob or InferenceService is refused the way the API server and
the admission webhooks refuse it, naming the field."""

from __future__ import annotations

import json
import urllib.request

import pytest
from kubeflow.common.types import KubernetesBackendConfig
from kubeflow.optimizer import Objective, OptimizerClient, Search, TrainJobTemplate, TrialConfig
from kubeflow.trainer import CustomTrainer, TrainerClient
from kubernetes import client as k8s

from mlhub.golden.tuning import TPESearch
from tests.fakes.kube import FakeKubernetes


@pytest.fixture
def kube():
    double = FakeKubernetes(namespaces=("team-a",)).start()
    yield double
    double.stop()


def backend(kube) -> KubernetesBackendConfig:
    conf = k8s.Configuration()
    conf.host = kube.base_url
    return KubernetesBackendConfig(namespace="team-a", client_configuration=conf)


def trial(learning_rate, leaves, dataset="listings"):
    print(f"rmse_log={float(learning_rate)}")


def post(kube, plural: str, body: dict, group="trainer.kubeflow.org", version="v1alpha1", query=""):
    req = urllib.request.Request(f"{kube.base_url}/apis/{group}/{version}/namespaces/team-a/{plural}{query}",
                                 data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, json.loads(resp.read()), resp.headers.get_all("Warning") or []
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), []


def sdk_experiment(kube) -> dict:
    OptimizerClient(backend_config=backend(kube)).optimize(
        TrainJobTemplate(trainer=CustomTrainer(func=trial, func_args={"dataset": "listings"},
                                               packages_to_install=["scikit-learn"]), runtime="torch-distributed"),
        search_space={"learning_rate": Search.loguniform(0.01, 0.3), "leaves": Search.choice([15, 31])},
        trial_config=TrialConfig(num_trials=4, parallel_trials=2),
        objectives=[Objective(metric="rmse_log", direction="minimize")], algorithm=TPESearch(random_state=7))
    return kube.created("Experiment")[0]


def sdk_trainjob(kube) -> dict:
    TrainerClient(backend_config=backend(kube)).train(runtime="torch-distributed", trainer=CustomTrainer(
        func=trial, num_nodes=2, resources_per_node={"cpu": 2, "memory": "4Gi"}, env={"EPOCHS": "3"}))
    return kube.created("TrainJob")[0]


def isvc(**model) -> dict:
    return {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": {"name": "price"},
            "spec": {"predictor": {"model": {"modelFormat": {"name": "mlflow"}, "protocolVersion": "v2",
                                             "storageUri": "s3://models/listing-price/artifacts", **model}}}}


def test_the_sdks_objects_are_created_with_201(kube):
    exp = sdk_experiment(kube)
    job = sdk_trainjob(kube)
    api = k8s.CustomObjectsApi(k8s.ApiClient(backend(kube).client_configuration))
    served = api.create_namespaced_custom_object("serving.kserve.io", "v1beta1", "team-a", "inferenceservices", isvc())
    posts = [(c.kind, c.status) for c in kube.calls if c.method == "POST"]
    assert posts == [("Experiment", 201), ("TrainJob", 201), ("InferenceService", 201)]
    # the API server stores what the webhooks defaulted and answers with it
    done = 'status.conditions.#(type=="Complete")#|#(status=="True")#'
    assert exp["spec"]["trialTemplate"]["successCondition"] == done
    assert exp["spec"]["algorithm"] == {"algorithmName": "tpe", "algorithmSettings": [
        {"name": "random_state", "value": "7"}]}
    assert job["spec"]["trainer"]["numNodes"] == 2 and job["metadata"]["namespace"] == "team-a"
    assert served["metadata"]["uid"] and served["spec"]["predictor"]["model"]["protocolVersion"] == "v2"
    # and the SDK reads them back
    assert api.get_namespaced_custom_object("serving.kserve.io", "v1beta1", "team-a", "inferenceservices",
                                            "price")["metadata"]["name"] == "price"


def test_a_broken_trainjob_is_invalid_with_the_field(kube):
    job = {"apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob", "metadata": {"name": "bad-job"},
           "spec": {"trainer": {"numNodes": "two", "numProcPerNode": 0}}}
    code, answer, _ = post(kube, "trainjobs", job)
    assert code == 422
    assert answer["kind"] == "Status" and answer["status"] == "Failure" and answer["reason"] == "Invalid"
    causes = {c["field"]: c["reason"] for c in answer["details"]["causes"]}
    assert causes == {"spec.runtimeRef": "FieldValueRequired", "spec.trainer.numNodes": "FieldValueTypeInvalid",
                      "spec.trainer.numProcPerNode": "FieldValueInvalid"}
    assert answer["message"].startswith('TrainJob.trainer.kubeflow.org "bad-job" is invalid: [')
    assert answer["details"]["kind"] == "TrainJob" and answer["details"]["group"] == "trainer.kubeflow.org"
    assert kube.created("TrainJob") == []


def test_a_trainjob_with_an_unknown_field_is_pruned_with_a_warning_or_refused_when_strict(kube):
    job = {"apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob", "metadata": {"name": "extra"},
           "spec": {"runtimeRef": {"name": "torch-distributed"}, "trainer": {"numNodes": 1, "gpus": 2}}}
    code, stored, warnings = post(kube, "trainjobs", job)
    assert code == 201 and "gpus" not in stored["spec"]["trainer"]
    assert warnings == ['299 - "unknown field \\"spec.trainer.gpus\\""']
    job["metadata"]["name"] = "extra-strict"
    code, answer, _ = post(kube, "trainjobs", job, query="?fieldValidation=Strict")
    assert code == 400 and answer["reason"] == "BadRequest"
    assert 'strict decoding error: unknown field "spec.trainer.gpus"' in answer["message"]


def test_a_broken_experiment_is_denied_by_katibs_webhook_with_the_field(kube):
    exp = sdk_experiment(kube)
    broken = json.loads(json.dumps(exp))
    broken["metadata"] = {"name": "broken-search"}
    broken["spec"]["objective"]["type"] = "lowest"
    code, answer, _ = post(kube, "experiments", broken, group="kubeflow.org", version="v1beta1")
    assert code == 400 and answer["status"] == "Failure" and answer["code"] == 400
    assert answer["message"] == ('admission webhook "validator.experiment.katib.kubeflow.org" denied the request: '
                                 'spec.objective.type: Invalid value: "lowest": must be minimize or maximize')
    broken["spec"]["objective"]["type"] = "minimize"
    del broken["spec"]["parameters"][0]["feasibleSpace"]["max"]
    broken["spec"]["algorithm"]["algorithmName"] = "gradient-descent"
    code, answer, _ = post(kube, "experiments", broken, group="kubeflow.org", version="v1beta1")
    assert code == 400
    assert "spec.algorithm.algorithmName: Invalid value: \"gradient-descent\"" in answer["message"]
    assert "spec.parameters[0].feasibleSpace.max: Required value" in answer["message"]
    broken["spec"]["algorithm"]["algorithmName"] = "tpe"
    broken["spec"]["parameters"][0]["feasibleSpace"]["max"] = "0.3"
    broken["spec"]["maxTrialCount"] = "four"
    code, answer, _ = post(kube, "experiments", broken, group="kubeflow.org", version="v1beta1")
    assert code == 400 and "json: cannot unmarshal string into Go struct field ExperimentSpec.spec.maxTrialCount " \
                           "of type int32" in answer["message"]
    assert len(kube.created("Experiment")) == 1


def test_an_experiment_whose_trial_template_misses_a_parameter_is_denied(kube):
    exp = json.loads(json.dumps(sdk_experiment(kube)))
    exp["metadata"] = {"name": "no-substitution"}
    exp["spec"]["trialTemplate"]["trialParameters"].append({"name": "momentum", "reference": "momentum"})
    code, answer, _ = post(kube, "experiments", exp, group="kubeflow.org", version="v1beta1")
    assert code == 400
    assert "spec.trialTemplate.trialParameters[2].reference: Invalid value: \"momentum\": parameter reference " \
           "momentum does not exist in spec.parameters" in answer["message"]


def test_a_broken_inferenceservice_is_invalid_or_denied_with_the_field(kube):
    code, answer, _ = post(kube, "inferenceservices", isvc(modelFormat={"version": "2"}), group="serving.kserve.io",
                           version="v1beta1")
    assert code == 422 and answer["details"]["causes"] == [{
        "reason": "FieldValueRequired", "message": "Required value", "field": "spec.predictor.model.modelFormat.name"}]
    code, answer, _ = post(kube, "inferenceservices", isvc(storageUri="ftp://models/x"), group="serving.kserve.io",
                           version="v1beta1")
    assert code == 403 and answer["reason"] == "Forbidden"
    assert answer["message"].startswith('admission webhook "inferenceservice.kserve-webhook-server.validator" denied '
                                        "the request: storageUri, must be one of: [gs://, s3://")
    assert "StorageUri [ftp://models/x] is not supported." in answer["message"]
    assert kube.created("InferenceService") == []


def test_unknown_namespace_runtime_and_duplicates_answer_like_the_api_server(kube):
    api = k8s.CustomObjectsApi(k8s.ApiClient(backend(kube).client_configuration))
    with pytest.raises(k8s.ApiException) as err:
        api.create_namespaced_custom_object("serving.kserve.io", "v1beta1", "nowhere", "inferenceservices", isvc())
    assert err.value.status == 404 and json.loads(err.value.body)["message"] == 'namespaces "nowhere" not found'
    api.create_namespaced_custom_object("serving.kserve.io", "v1beta1", "team-a", "inferenceservices", isvc())
    with pytest.raises(k8s.ApiException) as err:
        api.create_namespaced_custom_object("serving.kserve.io", "v1beta1", "team-a", "inferenceservices", isvc())
    assert err.value.status == 409 and json.loads(err.value.body)["reason"] == "AlreadyExists"
    with pytest.raises(RuntimeError, match="Failed to get Runtime: jax-on-tpu"):
        TrainerClient(backend_config=backend(kube)).train(runtime="jax-on-tpu", trainer=CustomTrainer(func=trial))
