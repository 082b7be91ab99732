"""bench/verify: how long verifying the golden path takes as a chain, on both profiles in one run:
cold and warm on the embedded default and on the platform profile (PostgreSQL, the SeaweedFS
object store, MLflow on both), the ratio between them, and on the embedded default the time after
one step's code changed (that step and the steps that read from it run again, nothing before it).

Prints a line per verification and a table: wall time, steps executed, time inside cells, and the
harness overhead. Runs against fresh services (a temporary folder, free ports), kfp.local and the
Kubernetes API double, on a copy of tutorials/.

    .venv/bin/python bench/verify.py [--profiles embedded platform] [--change 06 04] [--workers 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat

from mlhub.services.live import live_services
from mlhub.services.profile import Platform
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


@contextmanager
def services(profile: str, tmp: Path):
    """The live services of one profile, in `tmp`, stopped afterwards."""
    if profile == "embedded":
        with live_services(tmp / "state", root=ROOT) as live:
            yield live
        return
    state = tmp / "platform-state"
    state.mkdir(parents=True)
    for folder in (tmp.parent, tmp, state):  # PostgreSQL runs as its own user when this runs as root
        folder.chmod(folder.stat().st_mode | 0o005)
    platform = Platform(state).start()
    try:
        print(f"platform profile started in {platform.timings['total']:.1f} s", flush=True)
        with platform.live(root=ROOT) as live:
            yield live
    finally:
        platform.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=["embedded", "platform"], choices=["embedded", "platform"])
    parser.add_argument("--change", nargs="*", default=["06", "04"],
                        help="steps whose code to change, in turn (on the first profile)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the state (records, executed notebooks) in this folder")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        base = args.keep.resolve() if args.keep else Path(scratch)
        for n, profile in enumerate(args.profiles):
            tmp = base / profile
            root, out = tmp / "root", tmp / "verify"
            shutil.copytree(ROOT / "tutorials", root / "tutorials")
            with services(profile, tmp) as live:
                print(f"{profile}: {live.describe()}", flush=True)
                steps = [("cold", None), ("warm, nothing changed", None)]
                steps += [(f"step {s} changed", s) for s in (args.change if n == 0 else [])]
                for label, step in steps:
                    if step:
                        label = f"{edit_code(root, step)} changed"
                    print(f"  {profile}, {label}:", flush=True)
                    wall, ran, in_cells, overhead, failed, per_step = timed(root, out, live, args.workers)
                    rows.append((profile, label, wall, ran, in_cells, overhead, failed, per_step))
                    print(f"  {profile}, {label}: {wall:.1f} s", flush=True)
    print()
    print(f"{'profile':9} {'run':32} {'wall s':>8} {'steps run':>9} {'in cells s':>10} {'overhead s':>10}  "
          "steps executed")
    for profile, label, wall, ran, in_cells, overhead, failed, _ in rows:
        note = f"  FAILED: {', '.join(failed)}" if failed else ""
        names = ", ".join(n[:2] for n in ran) or "none"
        print(f"{profile:9} {label:32} {wall:8.1f} {len(ran):9d} {in_cells:10.1f} {overhead:10.1f}  {names}{note}")
    by = {(r[0], r[1]): r for r in rows}
    for profile in args.profiles:
        cold = by[(profile, "cold")][7]
        print(f"\nper step, cold, {profile} (s): " + ", ".join(f"{n[:2]} {s:.0f}" for n, s in sorted(cold.items())))
    if {"embedded", "platform"} <= set(args.profiles):
        print()
        for label in ("cold", "warm, nothing changed"):
            emb, plat = by[("embedded", label)][2], by[("platform", label)][2]
            print(f"platform / embedded, {label}: {plat:.1f} s / {emb:.1f} s = {plat / emb:.2f}")
    print("\nin cells: the sum of per-cell times of the steps executed; overhead: their wall time minus the"
          "\ntime in cells (kernel start, records, executed copies). The chain runs its steps in order;"
          "\na changed step re-runs with every step that reads from it, and nothing before it.")


if __name__ == "__main__":
    main()
