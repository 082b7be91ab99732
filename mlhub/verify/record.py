"""The verification record of one tutorial: what ran, against what, how long, and what failed."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class FailingCell:
    index: int
    error: str
    message: str
    source: str


@dataclass
class Record:
    tutorial: str
    status: str  # passed | failed | infra-error | blocked (an earlier step it needs did not pass)
    started: str  # ISO 8601, UTC
    duration_s: float
    cells_s: list[float] = field(default_factory=list)  # per code cell, in order
    failing_cell: FailingCell | None = None
    error: str | None = None  # infrastructure error, or the budget that ran out
    mlflow_version: str = ""
    mlflow_target: str = ""  # "embedded" or the external server's URL
    kfp_version: str = ""
    kfp_target: str = ""  # "local" or KFP_HOST
    python: str = ""
    deps_hash: str = ""
    git_commit: str = ""
    code_hash: str = ""
    cache_key: str = ""
    namespace: str = ""
    broken_since: str | None = None  # first failed run of the current failure streak
    needs: list[str] = field(default_factory=list)  # earlier tutorials whose outputs it reads
    parts: list[dict] = field(default_factory=list)  # PartStamp.as_dict() per declared part
    kube_target: str = ""  # "double", a Kubernetes API URL, or "none"

    @property
    def started_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.started)

    @property
    def in_cells_s(self) -> float:
        return round(sum(self.cells_s), 3)

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.tutorial}.json"
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, folder: Path, tutorial: str) -> Record | None:
        path = folder / f"{tutorial}.json"
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("failing_cell"):
            data["failing_cell"] = FailingCell(**data["failing_cell"])
        return cls(**data)


def load_all(folder: Path) -> dict[str, Record]:
    """Every record in the folder (other JSON files there, such as the chain's state, are not records)."""
    out = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if "tutorial" in json.loads(path.read_text(encoding="utf-8")) and (rec := Record.load(folder, path.stem)):
            out[rec.tutorial] = rec
    return out
