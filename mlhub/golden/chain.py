"""The golden path as one chain: the names each step gives what it makes, how a later step finds
them by name on the MLflow server, and the one-line message when an earlier step has not run."""

from __future__ import annotations

import os
from dataclasses import dataclass

DATASET = "listings"
TARGET = "price_eur"
DATA_EXPERIMENT = "golden-path-data"
EXPERIMENT = "listing-price"
MODEL = "listing-price"
# which tutorial makes what a later one reads
MAKER = {"dataset": "01-explore-data", "baselines": "02-track-experiments", "champion": "03-register-models",
         "tuning": "04-tune-hyperparameters", "gate": "05-build-a-pipeline"}


class NotReady(Exception):
    """An earlier step has not run against this MLflow server; shown as one line, no traceback."""

    def __init__(self, what: str, step: str):
        super().__init__(f"{what} is not on this MLflow server yet: run tutorial {step} first "
                         f"({step}.ipynb), then this one.")

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"\033[1;31mNotReady:\033[0m {self}"]


def name(base: str) -> str:
    """A name as this run of the golden path uses it (MLHUB_NAMESPACE keeps runs apart)."""
    return os.environ.get("MLHUB_NAMESPACE", "") + base


@dataclass(frozen=True)
class DatasetVersion:
    name: str
    version: str
    run_id: str
    rows: int
    frame: object  # pandas.DataFrame

    def __str__(self) -> str:
        return f"dataset {self.name!r} version {self.version} ({self.rows:,} rows, logged by run {self.run_id[:8]})"


def dataset(base: str = DATASET, version: str | None = None) -> DatasetVersion:
    """The newest version of a dataset that 01 logged (or the version given), with its rows."""
    import mlflow
    import pandas as pd

    filters = [f"tags.`dataset.name` = '{base}'"] + ([f"tags.`dataset.version` = '{version}'"] if version else [])
    exp = mlflow.get_experiment_by_name(name(DATA_EXPERIMENT))
    runs = [] if exp is None else mlflow.search_runs([exp.experiment_id], filter_string=" and ".join(filters),
                                                    order_by=["attributes.start_time DESC"], max_results=1,
                                                    output_format="list")
    if not runs:
        raise NotReady(f"The dataset {base!r}" + (f" version {version}" if version else ""), MAKER["dataset"])
    run = runs[0]
    path = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path=f"data/{base}.parquet")
    frame = pd.read_parquet(path)
    return DatasetVersion(base, run.data.tags["dataset.version"], run.info.run_id, len(frame), frame)


def latest_run(step: str, maker: str):
    """The newest finished run a step tagged `golden.step`, or NotReady naming the tutorial to run."""
    import mlflow

    exp = mlflow.get_experiment_by_name(name(EXPERIMENT))
    runs = [] if exp is None else mlflow.search_runs(
        [exp.experiment_id], filter_string=f"tags.`golden.step` = '{step}' and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time DESC"], max_results=1, output_format="list")
    if not runs:
        raise NotReady(f"The {step} run", maker)
    return runs[0]


def tuned_params() -> dict[str, str]:
    """The best parameters of the newest tuning search (04), as the search logged them."""
    run = latest_run("tuning", MAKER["tuning"])
    return {k.removeprefix("best_"): v for k, v in run.data.params.items() if k.startswith("best_")}


def champion():
    """The model version the `champion` alias points at (03 sets it; the gate in 05 moves it)."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return MlflowClient().get_model_version_by_alias(name(MODEL), "champion")
    except MlflowException:
        raise NotReady(f"A champion of the model {name(MODEL)!r}", MAKER["champion"]) from None
