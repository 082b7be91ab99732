"""What each part of a tutorial earned in one verification: executed (against which services),
validated at the Kubernetes API against which schema, or not checked; never more than ran."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class PartStatus(StrEnum):
    EXECUTED = "executed"
    VALIDATED = "validated"
    NOT_CHECKED = "not-checked"
    FAILED = "failed"


@dataclass
class PartStamp:
    id: str
    title: str
    status: str  # a PartStatus
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Evidence:
    """What a verification run saw, besides the executed notebook."""

    mlflow: str  # "MLflow 3.17.2"
    kfp: str  # "Kubeflow Pipelines 2.17.3 (kfp.local)"
    kfp_cluster: str | None  # KFP_HOST when one was used
    kube: str  # "double", a Kubernetes API URL, or "none"
    accepted: dict[str, str]  # kind -> schema the double checked it against, for kinds it answered 201


def _cells(nb, part: str) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("mlhub", {}).get("part") == part]


def _ran(cells) -> bool | None:
    """True: every cell ran without error; False: one failed; None: some did not run."""
    for cell in cells:
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return False
        if cell.get("execution_count") is None:
            return None
    return True


def stamps(nb, evidence: Evidence, interrupted: str | None = None) -> list[PartStamp]:
    """The stamp of every part the notebook declares (metadata mlhub.parts), from what ran;
    `interrupted` (a service went down) makes a failed part not checked rather than failed."""
    out = []
    for part in nb.metadata.get("mlhub", {}).get("parts", []):
        pid, title, check = part["id"], part["title"], part.get("check", "run")
        ran = _ran(_cells(nb, pid)) if _cells(nb, pid) else None
        if ran is False and interrupted:
            out.append(PartStamp(pid, title, PartStatus.NOT_CHECKED, f"infrastructure error, {interrupted}"))
        elif ran is False:
            out.append(PartStamp(pid, title, PartStatus.FAILED, "a cell of this part failed"))
        elif ran is None:
            out.append(PartStamp(pid, title, PartStatus.NOT_CHECKED, "its cells did not run"))
        elif check == "run":
            out.append(PartStamp(pid, title, PartStatus.EXECUTED, f"executed against {evidence.mlflow} and "
                                                                   f"{evidence.kfp}"))
        elif check == "kfp-cluster":
            if evidence.kfp_cluster:
                out.append(PartStamp(pid, title, PartStatus.EXECUTED, f"submitted to {evidence.kfp_cluster}"))
            else:
                out.append(PartStamp(pid, title, PartStatus.NOT_CHECKED, "no Kubeflow Pipelines cluster was "
                                                                         "configured (KFP_HOST)"))
        elif check.startswith("kube:"):
            kind = check.removeprefix("kube:")
            if evidence.kube == "double" and kind in evidence.accepted:
                out.append(PartStamp(pid, title, PartStatus.VALIDATED, f"{kind} accepted by the Kubernetes API "
                                                                        f"double, checked against "
                                                                        f"{evidence.accepted[kind]}; not run on a "
                                                                        "cluster"))
            elif evidence.kube not in ("double", "none"):
                out.append(PartStamp(pid, title, PartStatus.EXECUTED, f"{kind} created on the Kubernetes API "
                                                                       f"{evidence.kube}"))
            else:
                out.append(PartStamp(pid, title, PartStatus.NOT_CHECKED, f"no {kind} reached a Kubernetes API"))
        else:
            raise ValueError(f"unknown check {check!r} in part {pid!r}")
    return out
