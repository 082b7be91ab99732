"""bench/publish_faults: the fault matrix of publishing (tests/publish_faults.py) over every kind,
every step and every answer in --modes, with counts per kind and in all. Run it on this checkout,
or with --code DIR on another one's bot/ and mlhub/ (e.g. an export of an older commit, to measure
"before"): the harness and the doubles stay this checkout's.

    .venv/bin/python bench/publish_faults.py [--modes 400,401,...] [--kinds rfc,minutes,...] [--code DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="400,401,403,404,409,422,500,502,503")
    parser.add_argument("--kinds", default="rfc,minutes,demo,sigs-edit")
    parser.add_argument("--code", type=Path, default=None, help="a checkout whose bot/ and mlhub/ to measure")
    args = parser.parse_args()
    if args.code:
        sys.path.insert(0, str(args.code.resolve()))
        sys.path.insert(1, str(ROOT))
        import bot
        import mlhub

        for module in (bot, mlhub):
            sys.modules.pop(module.__name__, None)
    else:
        sys.path.insert(0, str(ROOT))
    import bot as code
    from tests import publish_faults as pf

    print(f"code: {Path(code.__file__).parent.parent}")
    results, start = [], time.monotonic()
    for kind in args.kinds.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            got = pf.run_kind(Path(tmp), kind, args.modes.split(","))
        print(f"{kind}: {len(got)} cases ({len(got) // len(args.modes.split(','))} steps x "
              f"{len(args.modes.split(','))} answers)", flush=True)
        for key, value in pf.summary(got).items():
            print(f"  {key}: {value}")
        results += got
    print(f"all kinds ({time.monotonic() - start:.0f} s):")
    for key, value in pf.summary(results).items():
        print(f"  {key}: {value}")


if __name__ == "__main__":
    main()
