"""Serving plumbing kept out of the tutorial's way: MLflow's scoring server on a free loopback port
in its own process group, the storage URI a KServe cluster fetches a model from, and a request
body in the Open Inference Protocol (v2) that KServe's MLflow runtime speaks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import requests

OBJECT_STORES = ("s3://", "gs://", "https://", "http://", "hf://", "oci://", "pvc://")
V2_TYPES = {"b": "BOOL", "i": "INT64", "u": "UINT64", "f": "FP64", "O": "BYTES", "U": "BYTES"}


@contextmanager
def scoring_server(model_uri: str, timeout: float = 120.0):
    """`mlflow models serve` for one model, yielding its base URL; stopped (whole process group) after."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # the server starts uvicorn from this environment's bin folder
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "models", "serve", "-m", model_uri, "--env-manager", "local",
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, env=env)
    url = f"http://127.0.0.1:{port}"
    assert proc.stderr is not None, "stderr=PIPE"
    stderr = proc.stderr
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                err = stderr.read().decode(errors="replace").strip().splitlines()
                raise RuntimeError(f"the scoring server exited with code {proc.returncode}: "
                                   f"{err[-1] if err else 'no output'}")
            try:
                if requests.get(f"{url}/ping", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the scoring server did not answer within {timeout:.0f} s")
            time.sleep(0.5)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(os.getpgid(proc.pid), signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
                proc.wait(timeout=10)
        stderr.close()


def storage_uri(model_version, artifact_store: str | None) -> str:
    """Where the version's files are in the store behind the MLflow server: what KServe's storage
    initializer downloads. The server proxies artifacts as `mlflow-artifacts:/PATH`, kept at
    `<artifact store>/PATH`."""
    import mlflow

    model_id = model_version.model_id or (model_version.source.removeprefix("models:/")
                                          if model_version.source.startswith("models:/m-") else None)
    location = mlflow.get_logged_model(model_id).artifact_location if model_id else model_version.source
    if location.startswith("mlflow-artifacts:"):
        if not artifact_store:
            raise RuntimeError("MLHUB_ARTIFACT_STORE is not set: the platform's notebook servers set it to where "
                               "the MLflow server keeps artifacts")
        path = urlsplit(location).path.lstrip("/")
        store = artifact_store if "://" in artifact_store else f"file://{artifact_store}"
        return f"{store.rstrip('/')}/{path}"
    return location


def fetchable(uri: str) -> bool:
    """True when a cluster can download from the URI (object storage), not only this machine."""
    return uri.startswith(OBJECT_STORES)


def v2_request(frame) -> dict:
    """An Open Inference Protocol (v2) request: one input tensor per column, decoded back into a
    DataFrame by MLServer's pandas codec (content_type `pd`). Tensors hold no nulls: pass rows
    without missing values."""
    inputs = []
    for column in frame.columns:
        values = frame[column]
        kind = V2_TYPES.get(values.dtype.kind, "BYTES")
        data = [None if v != v else v for v in values.tolist()] if kind != "BYTES" else [str(v) for v in values]
        entry = {"name": column, "shape": [len(values), 1], "datatype": kind, "data": data}
        if kind == "BYTES":
            entry["parameters"] = {"content_type": "str"}
        inputs.append(entry)
    return {"parameters": {"content_type": "pd"}, "inputs": inputs}


def check_v2_request(body: dict) -> list[str]:
    """What is wrong with a v2 inference request body (names, datatypes, shape against data)."""
    errors = []
    allowed = {"BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32",
               "FP64", "BYTES"}
    for i, entry in enumerate(body.get("inputs") or [{}]):
        where = f"inputs[{i}]"
        for key in ("name", "shape", "datatype", "data"):
            if key not in entry:
                errors.append(f"{where}.{key} is required")
        if entry.get("datatype") not in allowed:
            errors.append(f"{where}.datatype {entry.get('datatype')!r} is not a v2 datatype")
        size = 1
        for dim in entry.get("shape", []):
            size *= dim
        if "data" in entry and size != len(entry["data"]):
            errors.append(f"{where}: shape {entry.get('shape')} holds {size} values, data has {len(entry['data'])}")
    return errors
