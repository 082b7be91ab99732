"""Print the platform profile's start and stop times, cold (a fresh state folder) and warm (the
same folder again), and what each server uses: memory while idle, disk after one logged model.

    .venv/bin/python bench/platform_profile.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlhub.services.profile import Platform, home  # noqa: E402


def rss_mb(pid: int | None) -> float:
    """Resident memory of a process and all its descendants (MLflow's workers, PostgreSQL's backends)."""
    if pid is None:
        return 0.0
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,rss="], capture_output=True, text=True).stdout
    rows = [tuple(int(x) for x in line.split()) for line in out.splitlines() if line.strip()]
    children: dict[int, list[int]] = {}
    rss = {}
    for p, pp, r in rows:
        children.setdefault(pp, []).append(p)
        rss[p] = r
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total / 1024


def postgres_pid(platform: Platform) -> int | None:
    try:
        return int((home(platform.state_dir) / "postgres" / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def du_mb(path: Path) -> float:
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True).stdout.split()
    return int(out[0]) / 1024 if out else 0.0


def one_start(state: Path, label: str) -> Platform:
    t0 = time.monotonic()
    platform = Platform(state).start()
    wall = time.monotonic() - t0
    t = platform.timings
    print(f"| {label} | {wall:.1f} | {t['postgres']:.1f} | {t['objectstore']:.1f} | {t['mlflow']:.1f} |", flush=True)
    return platform


def log_a_model(platform: Platform) -> None:
    env = {**os.environ, **platform.client_env()}
    code = ("import mlflow, numpy as np; from sklearn.linear_model import LinearRegression as L\n"
            "m = L().fit(np.array([[1.0],[2.0]]), np.array([1.0,2.0]))\n"
            "with mlflow.start_run():\n"
            "    mlflow.sklearn.log_model(m, name='model', registered_model_name='bench')\n")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1, help="Cold/warm pairs to run (each on a fresh folder).")
    args = ap.parse_args()
    print("| start | wall s | postgres s | object store s | mlflow s |")
    print("|---|---:|---:|---:|---:|")
    for _ in range(args.runs):
        state = Path(tempfile.mkdtemp(prefix="mlhub-bench-platform-"))
        state.chmod(0o755)  # PostgreSQL's system user must reach it when run as root
        try:
            platform = one_start(state, "cold (fresh state)")
            log_a_model(platform)
            t0 = time.monotonic()
            platform.stop()
            stop_cold = time.monotonic() - t0
            platform = one_start(state, "warm (same state)")
            time.sleep(2)
            mem = {"postgres": rss_mb(postgres_pid(platform)),
                   "object store": rss_mb(platform.objectstore.process.pid if platform.objectstore.process else None),
                   "mlflow (2 workers)": rss_mb(platform.mlflow.process.pid if platform.mlflow.process else None)}
            t0 = time.monotonic()
            platform.stop()
            stop_warm = time.monotonic() - t0
            print(f"\nstop: {stop_cold:.1f} s after the cold start, {stop_warm:.1f} s after the warm one")
            print("idle memory (RSS, MB): " + ", ".join(f"{k} {v:.0f}" for k, v in mem.items()))
            base = home(state)
            print("disk after one logged model (MB): " + ", ".join(
                f"{name} {du_mb(base / name):.1f}" for name in ("postgres", "objectstore")))
        finally:
            shutil.rmtree(state, ignore_errors=True)
    weed = shutil.which("weed", path=str(Path(sys.executable).parent))
    if weed:
        print(f"weed binary: {Path(weed).stat().st_size / 2**20:.0f} MB ({weed})")


if __name__ == "__main__":
    main()
