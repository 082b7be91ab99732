"""bench/verify: how long verifying the golden path takes as a chain: cold, warm, and after one
step's code changed (that step and the steps that read from it run again, nothing before it).

Prints a line per verification and a table: wall time, steps executed, time inside cells, and the
harness overhead. Runs against a fresh embedded MLflow server, kfp.local and the Kubernetes API
double, on a copy of tutorials/.

    .venv/bin/python bench/verify.py [--change 06 04] [--workers 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from mlhub.services.live import live_services
from mlhub.verify.runner import Settings
from mlhub.verify.suite import tutorials, verify

ROOT = Path(__file__).resolve().parent.parent


def timed(root: Path, out: Path, live, workers: int):
    t0 = time.monotonic()
    outcome = verify(root, out, live, tutorials(root), Settings(budget_s=300), workers=workers,
                     progress=lambda line: print(f"    {line.strip()}", flush=True))
    wall = time.monotonic() - t0
    ran = [outcome.records[n] for n in outcome.executed]
    in_cells = sum(r.in_cells_s for r in ran)
    overhead = sum(r.duration_s - r.in_cells_s for r in ran)
    failed = [r.tutorial for r in outcome.failed + outcome.infra_errors]
    return wall, sorted(outcome.executed), in_cells, overhead, failed, {r.tutorial: r.duration_s for r in ran}


def edit_code(root: Path, step: str) -> str:
    path = next((root / "tutorials").glob(f"{step}*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.source += f"\n# bench edit {time.time_ns()}"
    nbformat.write(nb, path)
    return path.stem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--change", nargs="+", default=["06", "04"], help="steps whose code to change, in turn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the state (records, executed notebooks) in this folder")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep.resolve() if args.keep else Path(scratch)
        root, out = tmp / "root", tmp / "verify"
        shutil.copytree(ROOT / "tutorials", root / "tutorials")
        with live_services(tmp / "state", root=ROOT) as live:
            print(f"services: {live.describe()}", flush=True)
            steps = [("cold", None), ("warm, nothing changed", None)]
            steps += [(f"step {s} changed", s) for s in args.change]
            for label, step in steps:
                if step:
                    label = f"{edit_code(root, step)} changed"
                print(f"  {label}:", flush=True)
                wall, ran, in_cells, overhead, failed, per_step = timed(root, out, live, args.workers)
                rows.append((label, wall, ran, in_cells, overhead, failed, per_step))
                print(f"  {label}: {wall:.1f} s", flush=True)
    print()
    print(f"{'run':32} {'wall s':>8} {'steps run':>9} {'in cells s':>10} {'overhead s':>10}  steps executed")
    for label, wall, ran, in_cells, overhead, failed, _ in rows:
        note = f"  FAILED: {', '.join(failed)}" if failed else ""
        names = ", ".join(n[:2] for n in ran) or "none"
        print(f"{label:32} {wall:8.1f} {len(ran):9d} {in_cells:10.1f} {overhead:10.1f}  {names}{note}")
    cold = rows[0][6]
    print("\nper step, cold (s): " + ", ".join(f"{n[:2]} {s:.0f}" for n, s in sorted(cold.items())))
    print("\nin cells: the sum of per-cell times of the steps executed; overhead: their wall time minus the"
          "\ntime in cells (kernel start, records, executed copies). The chain runs its steps in order;"
          "\na changed step re-runs with every step that reads from it, and nothing before it.")


if __name__ == "__main__":
    main()
