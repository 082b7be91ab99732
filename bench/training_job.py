"""bench/training_job: what the training job's PyTorch dependency costs: the wheel's size, the time
to build the job's environment the way the Kubeflow SDK's local backend does (a fresh venv, pip
install of the job's packages), its size on disk, and two DDP processes starting over gloo.

    .venv/bin/python bench/training_job.py
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROBE = """
import torch
import torch.distributed as dist
dist.init_process_group("gloo")
t = torch.ones(1) * (dist.get_rank() + 1)
dist.all_reduce(t)
print(f"rank {dist.get_rank()} of {dist.get_world_size()}: all_reduce sum {t.item():.0f}")
dist.destroy_process_group()
"""


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def main() -> None:
    versions = {d: importlib.metadata.version(d) for d in ("mlflow", "scikit-learn", "pandas", "numpy")}
    packages = ["torch==2.13.0", f"mlflow-skinny=={versions['mlflow']}", f"scikit-learn=={versions['scikit-learn']}",
                f"pandas=={versions['pandas']}", f"numpy=={versions['numpy']}", "pyarrow"]
    wheels = [Path(d) / f for d in os.environ.get("PIP_FIND_LINKS", "").split() if Path(d).is_dir()
              for f in os.listdir(d) if f.startswith("torch-2.13.0")]
    if wheels:
        print(f"torch wheel: {wheels[0].name}, {wheels[0].stat().st_size / 2**20:.0f} MB (from {wheels[0].parent})")
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "job"
        t0 = time.monotonic()
        subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv", str(venv)], check=True)
        t1 = time.monotonic()
        # as the job's environment gets it from mlhub.golden.jobs.local_processes
        subprocess.run([str(venv / "bin/pip"), "install", "--quiet", "--disable-pip-version-check", *packages],
                       check=True, env={**os.environ, "PIP_NO_COMPILE": "1"})
        t2 = time.monotonic()
        torch_mb = size_mb(next(venv.glob("lib/python*/site-packages/torch")))
        print(f"job environment: venv {t1 - t0:.1f} s, pip install of {len(packages)} packages {t2 - t1:.1f} s, "
              f"{size_mb(venv):.0f} MB on disk (torch alone {torch_mb:.0f} MB)")
        (Path(tmp) / "probe.py").write_text(PROBE)
        env = {**os.environ, "PET_NPROC_PER_NODE": "2", "PET_STANDALONE": "1", "OMP_NUM_THREADS": "1"}
        t3 = time.monotonic()
        res = subprocess.run([str(venv / "bin/torchrun"), str(Path(tmp) / "probe.py")], env=env, capture_output=True,
                             text=True, check=True)
        print(f"torchrun with 2 processes (start, gloo rendezvous, one all_reduce, exit): "
              f"{time.monotonic() - t3:.1f} s")
        print("\n".join(line for line in res.stdout.splitlines() if line.startswith("rank")))


if __name__ == "__main__":
    main()
