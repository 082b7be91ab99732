"""The generated site: pure rendering, the mkdocs hook, strict builds, and nothing committed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlhub.content import load
from mlhub.site import nav, render
from mlhub.site.demos import figures

from .conftest import REPO, Copy


def build(root: Path, out: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def pages():
    from .conftest import NOW

    return render(load(REPO, NOW), NOW)


def test_render_covers_every_entity(pages):
    hub = load(REPO)
    for svc in hub.services:
        assert f"catalog/{svc.id}.md" in pages
    for sig in hub.sigs:
        assert f"community/sigs/{sig.id}.md" in pages and f"calendars/{sig.id}.ics" in pages
    for demo in hub.demos:
        assert f"demos/{demo.slug}.md" in pages
    for rfc in hub.rfcs:
        assert f"rfcs/{rfc.slug}.md" in pages
    assert {"calendars/all.ics", "calendars/ml-sync.ics", "calendars/community-sessions.ics",
            "api/hub.json", "rfcs/index.md", "community/ceremonies.md"} <= set(pages)


def test_render_is_deterministic(now):
    assert render(load(REPO, now), now) == render(load(REPO, now), now)


def test_catalog_shows_maturity_badges_and_lifecycle_rules(pages):
    index = pages["catalog/index.md"]
    assert 'mlhub-maturity-experimental">experimental' in index
    assert "| [Katib hyperparameter tuning](katib.md) |" in index
    assert "Maturity levels and lifecycle rules" in index
    katib = pages["catalog/katib.md"]
    assert "sandbox, dev, staging" in katib and "../community/sigs/sig-training-tuning.md" in katib


def test_sig_page_lists_owned_services_from_the_catalog(pages):
    page = pages["community/sigs/sig-tracking-registry.md"]
    assert "MLflow Model Registry" in page and "MLflow Experiment Tracking" in page
    assert "Katib" not in page
    # the next meeting as of the fixed clock (Fri 2026-11-27): the biweekly Tuesday after
    assert "**Next meeting:** Tue 2026-12-01 16:00 CET (15:00 UTC)" in page
    # the 2026-12-29 occurrence is an exdate
    assert "2026-12-29" not in page and "Tue 2026-12-15 16:00 CET" in page


def test_demo_archive_figures(pages):
    hub = load(REPO)
    fig = figures(hub.demos)
    assert f"**{fig.sentence()}**" in pages["demos/index.md"]
    assert fig.demos == len(hub.demos) == 6
    assert fig.teams == 6
    # MLflow counted once although several demos show it
    assert fig.tools == len({t.lower() for d in hub.demos for t in d.tools})


def test_figures_sentence_counts_distinct_tools_and_teams():
    from mlhub.content.models import Demo

    demos = [Demo(title="a", date="2026-01-01", presenters=["x"], team="Risk", tools=["MLflow"]),
             Demo(title="b", date="2026-01-02", presenters=["y"], team="risk ", tools=["mlflow", "KFP"])]
    assert figures(demos).sentence() == "2 demos about 2 tools from 1 team"


def test_rfc_index_groups_by_status(pages):
    assert "Accepted" in pages["rfcs/index.md"]
    assert "[Adopt MLflow" in pages["rfcs/index.md"]


def test_hub_json_is_the_whole_content(pages):
    data = json.loads(pages["api/hub.json"])
    hub = load(REPO)
    assert [p["id"] for p in data["people"]] == [p.id for p in hub.people]
    sig = next(s for s in data["sigs"] if s["id"] == "sig-training-tuning")
    assert sorted(sig["services"]) == ["katib", "training-jobs"]
    assert data["ceremonies"]["ml_sync"]["meeting"]["rrule"].startswith("FREQ=WEEKLY;INTERVAL=2")
    assert {r["number"] for r in data["rfcs"]} == {r.number for r in hub.rfcs}


def test_changing_one_data_file_changes_the_generated_pages(repo: Copy, now, tmp_path):
    before = render(load(repo.root, now), now)
    repo.edit_yaml("catalog/katib.yaml", lambda d: d.update(
        maturity="stable", stages=["sandbox", "dev", "staging", "production"]))
    after = render(load(repo.root, now), now)
    changed = {p for p in before if before[p] != after[p]}
    assert {"catalog/index.md", "catalog/katib.md", "community/sigs/sig-training-tuning.md",
            "api/hub.json"} <= changed
    assert "sandbox, dev, staging, production" in after["catalog/katib.md"]
    # and through mkdocs and the hook, with no other edit
    res = build(repo.root, tmp_path / "site")
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "site/catalog/katib/index.html").read_text()
    assert "mlhub-maturity-stable" in html


def test_strict_build_of_the_repository(tmp_path):
    res = build(REPO, tmp_path / "site")
    assert res.returncode == 0, res.stderr
    site = tmp_path / "site"
    for rel in ["index.html", "catalog/index.html", "catalog/katib/index.html",
                "community/sigs/sig-pipelines/index.html", "calendars/all.ics", "api/hub.json",
                "api/schemas/sigs.schema.json", "demos/index.html", "rfcs/index.html"]:
        assert (site / rel).is_file(), rel
    # the sidebar lists generated pages under their index
    assert "catalog/katib/" in (site / "index.html").read_text()


def test_invalid_content_fails_the_build_naming_file_and_field(repo: Copy, tmp_path):
    repo.edit_yaml("catalog/katib.yaml", lambda d: d.update(owner_sig="sig-nope"))
    res = build(repo.root, tmp_path / "site")
    assert res.returncode != 0
    assert "catalog/katib.yaml:owner_sig: unknown SIG 'sig-nope'" in res.stdout + res.stderr


def test_a_committed_copy_of_a_generated_page_fails_the_build(repo: Copy, tmp_path):
    (repo.root / "docs/catalog").mkdir()
    (repo.root / "docs/catalog/index.md").write_text("# stale copy\n")
    res = build(repo.root, tmp_path / "site")
    assert res.returncode != 0 and "docs/catalog/index.md is generated" in res.stdout + res.stderr


def test_no_generated_page_is_committed(pages):
    listed = subprocess.run(["git", "ls-files", "docs"], cwd=REPO, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    committed = {line.removeprefix("docs/") for line in listed.stdout.splitlines()}
    on_disk = {p.relative_to(REPO / "docs").as_posix() for p in (REPO / "docs").rglob("*") if p.is_file()}
    assert not (committed | on_disk) & set(pages)


def test_nav_expands_generated_sections():
    children = {"catalog/index.md": [("Katib", "catalog/katib.md")]}
    nav_in = [{"Home": "index.md"}, {"Catalog": "catalog/index.md"},
              {"Community": [{"SIGs": "community/sigs/index.md"}]}]
    assert nav.expand(nav_in, children) == [
        {"Home": "index.md"},
        {"Catalog": ["catalog/index.md", {"Katib": "catalog/katib.md"}]},
        {"Community": [{"SIGs": "community/sigs/index.md"}]},
    ]


def test_decision_log_and_rfc_pages(pages):
    index = pages["rfcs/index.md"]
    assert "## By status" in index and "## By SIG" in index
    for slug in ("0001-adopt-mlflow-for-tracking-and-registry", "0002-integrate-services-by-maturity"):
        page = pages[f"rfcs/{slug}.md"]
        assert "## Decision record" in page and 'mlhub-rfc-accepted">accepted' in page
    rfc1 = pages["rfcs/0001-adopt-mlflow-for-tracking-and-registry.md"]
    assert "`mlflow`" in rfc1 and "Review by | 2027-03-31" in rfc1
    assert "Concern `artifact-retention`" in rfc1


def test_mlflow_service_pages_link_rfc_0001(pages):
    for sid in ("mlflow-tracking", "mlflow-registry"):
        page = pages[f"catalog/{sid}.md"]
        assert "[RFC 0001: Adopt MLflow for experiment tracking and the model registry]" \
               "(../rfcs/0001-adopt-mlflow-for-tracking-and-registry.md)" in page
        assert "**in force**" in page
    assert "RFC 0002" in pages["catalog/katib.md"]
