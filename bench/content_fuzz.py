"""bench/content_fuzz: mutate the content files and count what `mlhub validate` gets wrong.

Each mutation (tests/content_mutations.py: wrong types, deep nesting, huge values, bad dates,
recurrence rules, emptied and deleted files ...) is applied to a copy of the repository's content,
then `mlhub validate` runs in a forked child; on content that passes, the site and the ICS feeds
are rendered too. Prints how many mutations were tried, how many ended in a traceback, ran over
5 s (a child still running at --timeout is killed and counted), produced a problem that names no
file or no field, or let an emptied or deleted required file pass with exit 0.

    .venv/bin/python bench/content_fuzz.py [-n 1500] [--seed 12] [--timeout 30] [-v]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import select
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from mlhub import site  # noqa: E402
from mlhub.cli import main  # noqa: E402
from mlhub.content import validate  # noqa: E402
from tests.conftest import copy_repo  # noqa: E402
from tests.content_mutations import REQUIRED, Mutation, sample, unnamed  # noqa: E402

SLOW = 5.0
MEMORY = 2 * 1024**3  # address space a child may use beyond what it inherits


def probe(root: Path) -> dict:
    """What one run gives: exit code, problems, and any traceback (validate, then render)."""
    result = CliRunner().invoke(main, ["validate", "--json", "--root", str(root)])
    out: dict = {"exit": result.exit_code, "problems": [], "traceback": None}
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        out["traceback"] = "".join(traceback.format_exception(*result.exc_info))
        return out
    out["problems"] = json.loads(result.stdout or "[]")
    if result.exit_code == 0:
        try:
            hub, _ = validate(root)
            site.render(hub, dt.datetime.now(dt.UTC))
        except Exception:
            out["traceback"] = "render: " + traceback.format_exc()
    return out


def _vm_size() -> int:
    """This process's virtual memory size in bytes (the base of the child's address-space limit)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def run_child(root: Path, timeout: float) -> tuple[dict, float]:
    """Run probe() in a forked child; (result, seconds). A child past `timeout` is killed."""
    read, write = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        soft = _vm_size() + MEMORY
        resource.setrlimit(resource.RLIMIT_AS, (soft, soft))
        try:
            data = json.dumps(probe(root)).encode()
        except BaseException:  # noqa: BLE001 - anything at all is a finding, reported to the parent
            data = json.dumps({"exit": None, "problems": [], "traceback": traceback.format_exc()}).encode()
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
        os._exit(0)
    os.close(write)
    chunks, deadline = [], t0 + timeout
    with os.fdopen(read, "rb") as pipe:
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([pipe], [], [], left)
            if ready:
                chunk = os.read(pipe.fileno(), 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        else:
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - t0
    if seconds >= timeout:
        return {"exit": None, "problems": [], "traceback": None, "killed": True}, seconds
    if not chunks:
        return {"exit": None, "problems": [], "traceback": f"child died: status {status}"}, seconds
    return json.loads(b"".join(chunks)), seconds


def apply(root: Path, mutation: Mutation) -> bytes | None:
    """Apply a mutation; return the file's previous bytes (None if it did not exist)."""
    path = root / mutation.rel
    before = path.read_bytes() if path.is_file() else None
    data = mutation.build()
    if data is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(data)
    return before


def restore(root: Path, mutation: Mutation, before: bytes | None) -> None:
    path = root / mutation.rel
    if before is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(before)


def main_(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--count", type=int, default=1500, help="mutations to try (default 1500)")
    ap.add_argument("--seed", type=int, default=12, help="seed of the sample (default 12)")
    ap.add_argument("--timeout", type=float, default=30.0, help="kill a run after this many seconds")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each finding")
    args = ap.parse_args(argv)

    counts: Counter = Counter()
    times: list[tuple[float, str]] = []
    findings: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_repo(Path(tmp) / "repo").root
        # In this process, so that every module the loader imports lazily is loaded before the
        # children fork: they all run the code as it was when the run started.
        baseline = probe(root)
        if baseline.get("traceback") or baseline.get("exit") != 0:
            print(f"the unmutated content does not pass: {baseline}", file=sys.stderr)
            return 2
        mutations = sample(root, args.count, args.seed)
        print(f"content fuzz: {len(mutations)} mutations (seed {args.seed}), timeout {args.timeout:g} s",
              flush=True)
        t_start = time.monotonic()
        for i, mutation in enumerate(mutations, 1):
            before = apply(root, mutation)
            try:
                result, seconds = run_child(root, args.timeout)
            finally:
                restore(root, mutation, before)
            counts["tried"] += 1
            times.append((seconds, mutation.name))
            kinds = []
            if result.get("traceback"):
                kinds.append("traceback")
                first = result["traceback"].strip().splitlines()[-1]
                findings.setdefault(f"traceback: {first[:160]}", []).append(mutation.name)
            if result.get("killed"):
                kinds.append("killed")
            if seconds > SLOW:
                kinds.append("slow")
                findings.setdefault(f"over {SLOW:g} s", []).append(f"{mutation.name} ({seconds:.1f} s)")
            vague = [p for p in result.get("problems", [])
                     if unnamed(p["path"], p["field"], p["check"], root, mutation.rel)]
            if vague:
                kinds.append("vague")
                counts["vague problems"] += len(vague)
                for p in vague:
                    findings.setdefault(f"vague: {p['check']}: {p['message'][:100]}", []).append(mutation.name)
            if result.get("exit") == 0 and mutation.rel in REQUIRED and (
                    before is not None and (mutation.build() or b"").strip() in (b"", b"null", b"~")):
                kinds.append("empty passed")
                findings.setdefault("emptied or deleted file passed", []).append(mutation.name)
            for kind in kinds:
                counts[kind] += 1
            if args.verbose and kinds:
                print(f"  {', '.join(kinds)}: {mutation.name} ({seconds:.1f} s)", flush=True)
            if i % 100 == 0:
                print(f"  ... {i} done, {time.monotonic() - t_start:.0f} s", flush=True)

    print("\nfindings (first mutations of each):")
    for what, names in sorted(findings.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(names):4}  {what}\n        e.g. {'; '.join(names[:3])}")
    times.sort()
    if times:
        print(f"\nrun time: median {times[len(times) // 2][0]:.2f} s, slowest {times[-1][0]:.2f} s "
              f"({times[-1][1]})")
    print(f"\nmutations tried:                       {counts['tried']}")
    print(f"tracebacks:                            {counts['traceback']}")
    print(f"runs over {SLOW:g} s:                         {counts['slow']} (killed at {args.timeout:g} s: "
          f"{counts['killed']})")
    print(f"runs with problems lacking file/field: {counts['vague']} ({counts['vague problems']} problems)")
    print(f"emptied/deleted required file passed:  {counts['empty passed']}")
    bad = counts["traceback"] + counts["slow"] + counts["vague"] + counts["empty passed"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main_())
