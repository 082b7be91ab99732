"""bench/verify: how long tutorial verification takes, cold and warm, with 1 and 2 workers.

Prints: the cold time (every tutorial executed), the warm time with nothing changed, the time after
changing one tutorial's code, and the harness overhead (wall time minus the time spent inside
cells). Runs against a fresh embedded MLflow server on a copy of tutorials/.

    .venv/bin/python bench/verify.py [--workers 1 2]
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


def timed(root: Path, out: Path, live, workers: int, force: bool = False):
    t0 = time.monotonic()
    outcome = verify(root, out, live, tutorials(root), Settings(budget_s=300), force=force, workers=workers,
                     progress=lambda _: None)
    wall = time.monotonic() - t0
    in_cells = sum(outcome.records[n].in_cells_s for n in outcome.executed)
    # per tutorial: its own wall time minus the time inside its cells (kernel start, cleanup, ...)
    overhead = sum(outcome.records[n].duration_s - outcome.records[n].in_cells_s for n in outcome.executed)
    failed = [r.tutorial for r in outcome.failed + outcome.infra_errors]
    return wall, len(outcome.executed), in_cells, overhead, failed


def edit_code(root: Path, name: str) -> None:
    path = root / "tutorials" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.source += f"\n# bench edit {time.time_ns()}"
    nbformat.write(nb, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with live_services(tmp / "state") as live:
            print(f"services: {live.describe()}")
            for workers in args.workers:
                root = tmp / f"root-{workers}"
                shutil.copytree(ROOT / "tutorials", root / "tutorials")
                out = tmp / f"verify-{workers}"
                steps = (("cold", None), ("warm, nothing changed", None),
                         ("one tutorial's code changed", lambda r=root: edit_code(r, "02-track-experiments")))
                for label, prepare in steps:
                    if prepare:
                        prepare()
                    wall, ran, in_cells, overhead, failed = timed(root, out, live, workers)
                    rows.append((workers, label, wall, ran, in_cells, overhead, failed))
                    print(f"  workers={workers} {label}: {wall:.1f} s", flush=True)
    print()
    print(f"{'workers':>7}  {'run':28} {'wall s':>8} {'executed':>8} {'in cells s':>10} {'overhead s':>10}")
    for workers, label, wall, ran, in_cells, overhead, failed in rows:
        note = f"  FAILED: {', '.join(failed)}" if failed else ""
        print(f"{workers:>7}  {label:28} {wall:8.1f} {ran:8d} {in_cells:10.1f} {overhead:10.1f}{note}")
    print("\nin cells: the sum of per-cell times of the executed tutorials (they overlap with 2 workers);"
          "\noverhead: the sum over executed tutorials of their wall time minus their in-cell time"
          "\n(kernel start, cleanup of what they created, writing records); the harness's own cost.")


if __name__ == "__main__":
    main()
