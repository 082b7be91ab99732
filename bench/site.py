"""bench/site: what a reader downloads per page type, and what the site's build costs.

Prints the HTML weight of each page type (and the shared stylesheets a first visit adds), then
the full build time of the site against a plain mkdocs-material build of the same hand-written
pages (no hook, no generated pages, no notebooks), as the median of a few runs.

    .venv/bin/python bench/site.py [--root PATH] [--runs 3]

Set MLHUB_STATE_DIR to a folder with verification records and executed notebooks to weigh the
tutorial pages as `make up` shows them (with their outputs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

PAGE_TYPES = {
    "home": "index.html",
    "golden path": "golden-path/index.html",
    "tutorial (largest)": "tutorials/*/index.html",
    "catalog": "catalog/index.html",
    "service": "catalog/katib/index.html",
    "SIG": "community/sigs/sig-pipelines/index.html",
    "calendar": "community/ceremonies/index.html",
    "roadmap": "community/roadmap/index.html",
    "decision log": "rfcs/index.html",
    "RFC": "rfcs/0001-adopt-mlflow-for-tracking-and-registry/index.html",
    "demo archive": "demos/index.html",
    "demo": "demos/2026-02-26-katib-bayesian-search/index.html",
}
SHARED = ["assets/stylesheets/notebook.css", "stylesheets/mlhub.css", "javascripts/mlhub.js"]


def build(root: Path, config: Path, out: Path) -> float:
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1"}
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(out)],
                         cwd=root, env=env, capture_output=True, text=True, timeout=900)
    if res.returncode != 0:
        sys.exit(f"bench/site: the build of {config} failed:\n{res.stderr}")
    return time.monotonic() - t0


def plain_config(root: Path, work: Path) -> Path:
    """The same hand-written pages with mkdocs-material alone: no hook, no notebooks, no nav."""
    docs = work / "docs"
    shutil.copytree(root / "docs", docs)
    cfg = yaml.safe_load((root / "mkdocs.yml").read_text().replace("!ENV", ""))
    plain = {"site_name": cfg["site_name"], "docs_dir": str(docs), "theme": {"name": "material"},
             "markdown_extensions": cfg.get("markdown_extensions", []), "plugins": ["search"]}
    path = work / "mkdocs.yml"
    path.write_text(yaml.safe_dump(plain, sort_keys=False))
    return path


def weight(site: Path, pattern: str) -> tuple[int, str]:
    files = sorted(site.glob(pattern))
    if not files:
        return 0, "-"
    biggest = max(files, key=lambda p: p.stat().st_size)
    return biggest.stat().st_size, biggest.relative_to(site).as_posix()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=ROOT)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    root = args.root.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        full, plain = [], []
        plain_cfg = plain_config(root, work / "plain")
        for i in range(args.runs):
            print(f"bench/site: build {i + 1} of {args.runs} ...", file=sys.stderr)
            full.append(build(root, root / "mkdocs.yml", work / "site"))
            plain.append(build(work / "plain", plain_cfg, work / "plain-site"))
        site = work / "site"
        print("| page type | HTML KiB | page |")
        print("|---|---:|---|")
        for kind, pattern in PAGE_TYPES.items():
            size, name = weight(site, pattern)
            print(f"| {kind} | {size / 1024:.1f} | `{name}` |")
        print()
        print("| shared file (downloaded once, then cached) | KiB |")
        print("|---|---:|")
        for rel in SHARED:
            if (site / rel).is_file():
                print(f"| `{rel}` | {(site / rel).stat().st_size / 1024:.1f} |")
        pages = list(site.rglob("*.html"))
        print()
        print(f"pages: {len(pages)}; total HTML {sum(p.stat().st_size for p in pages) / 1024:.0f} KiB")
        f, p = statistics.median(full), statistics.median(plain)
        print()
        print(f"| build, {args.runs} runs interleaved | median s | fastest s |")
        print("|---|---:|---:|")
        print(f"| mlhub site (hook, generated pages, notebooks, pictures) | {f:.1f} | {min(full):.1f} |")
        print(f"| plain mkdocs-material, same hand-written pages | {p:.1f} | {min(plain):.1f} |")
        print(f"| ratio | {f / p:.1f}x | {min(full) / min(plain):.1f}x |")


if __name__ == "__main__":
    main()
