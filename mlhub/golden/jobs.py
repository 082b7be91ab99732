"""Training-job plumbing for the local run: the environment the Kubeflow SDK's LocalProcessBackend
gives the job (it replaces the whole environment), with the PyTorch launcher told to start N
processes on this machine, as the Trainer does on each node of a cluster."""

from __future__ import annotations

import os

PASS_THROUGH = ("PATH", "HOME", "LANG", "TMPDIR", "PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL",
                "PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_DEFAULT_TIMEOUT",
                # where MLflow keeps artifacts in object storage, and the keys: a pod gets them from its secret
                "MLFLOW_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_SHARED_CREDENTIALS_FILE", "AWS_DEFAULT_REGION")


def local_processes(count: int, env: dict[str, str]) -> dict[str, str]:
    """`env` for CustomTrainer on the local backend: torchrun (the runtime's entrypoint) reads its
    options from PET_* variables, the same ones the Trainer sets on a cluster; standalone mode picks
    a free rendezvous port, so jobs on one machine never collide."""
    kept = {k: os.environ[k] for k in PASS_THROUGH if os.environ.get(k)}
    # PIP_NO_COMPILE: the job's environment lives for one run; byte-compiling PyTorch's files is wasted time
    return {**kept, "PET_NPROC_PER_NODE": str(count), "PET_STANDALONE": "1", "OMP_NUM_THREADS": "1",
            "PIP_NO_COMPILE": "1", **env}
