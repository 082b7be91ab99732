"""What the golden-path tutorials import: where the services are (from the environment), the
chain's names and lookups, and the plumbing that should not stand in a reader's way."""

from __future__ import annotations

import os

from mlhub.golden.chain import (
    DATA_EXPERIMENT,
    DATASET,
    EXPERIMENT,
    MODEL,
    TARGET,
    NotReady,
    champion,
    dataset,
    latest_run,
    name,
    tuned_params,
)
from mlhub.golden.endpoints import Endpoints, from_env, kubernetes


class NotConfigured(NotReady):
    """A service the tutorial needs is not configured; one line, no traceback."""

    def __init__(self, message: str):
        Exception.__init__(self, message)


def connect() -> Endpoints:
    """Read the endpoints from the environment and say, in one line, where this notebook works."""
    import warnings

    # tqdm (imported by MLflow) warns that notebook widgets are missing: nothing a reader can act on
    warnings.filterwarnings("ignore", message="IProgress not found")
    # MLflow's hint about integer columns that might hold missing values, for every dataset it sees:
    # the golden path's integer columns are ids, which never miss
    warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer column")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # bars fill a notebook's output
    try:
        endpoints = from_env()
    except RuntimeError as exc:
        raise NotConfigured(str(exc)) from None
    print("Working against:", endpoints.describe())
    return endpoints


__all__ = ["DATASET", "DATA_EXPERIMENT", "EXPERIMENT", "MODEL", "TARGET", "Endpoints", "NotConfigured", "NotReady",
           "champion", "connect", "dataset", "kubernetes", "latest_run", "name", "tuned_params"]
