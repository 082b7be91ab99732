"""The pictures drawn from data agree with the data: each is parsed back from its SVG and
compared with the content, the verification records and the RFC state machine."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from mlhub.content import load
from mlhub.content.models import ALLOWED_STAGES, RfcStatus, Stage
from mlhub.rfc import lifecycle
from mlhub.site import demos, goldenpath, pictures, render, rfcstates, roadmap
from mlhub.site.svg import wrap as svg_wrap
from mlhub.site.tutorials import Verification
from mlhub.verify.record import Record

from .conftest import REPO, Copy, copy_repo

XLINK = "{http://www.w3.org/1999/xlink}href"


def svg_of(text: str, pid: str) -> ET.Element:
    m = re.search(rf'<svg id="{pid}".*?</svg>', text, re.S)
    assert m, f"no picture {pid}"
    return ET.fromstring(m.group(0))


def groups(svg: ET.Element, key: str) -> list[dict[str, str]]:
    return [{k.removeprefix("data-"): v for k, v in g.attrib.items()} | {"_el": g}
            for g in svg.iter("{http://www.w3.org/2000/svg}g") if f"data-{key}" in g.attrib]


def texts(el: ET.Element) -> str:
    return " ".join(t.strip() for t in el.itertext() if t.strip())


@pytest.fixture(scope="module")
def pages():
    from .conftest import NOW

    return render(load(REPO, NOW), NOW)


def test_lifecycle_picture_shows_each_service_where_the_catalog_enables_it(pages):
    hub = load(REPO)
    cells = groups(svg_of(pages["catalog/index.md"], "mlhub-lifecycle"), "placement")
    assert len(cells) == len(hub.services) * len(Stage)
    for cell in cells:
        svc = hub.service(cell["service"])
        stage = Stage(cell["stage"])
        expected = ("enabled" if stage in svc.stages
                    else "allowed" if stage in ALLOWED_STAGES[svc.maturity] else "not allowed")
        assert cell["placement"] == expected, cell
        running = [c.name for c in hub.clusters if c.stage is stage and svc.id in c.services]
        assert cell["clusters"].split() == running, cell
        word = {"enabled": "enabled", "allowed": "allowed", "not allowed": "—"}[expected]
        assert texts(cell["_el"]) == (svg_wrap(", ".join(running), 16, 1)[0] if running else word), cell


def test_lifecycle_picture_names_the_real_clusters_of_each_stage(pages):
    hub = load(REPO)
    svg = svg_of(pages["catalog/index.md"], "mlhub-lifecycle")
    assert hub.clusters, "the content has clusters"
    for cluster in hub.clusters:
        assert cluster.name in texts(svg)


def test_lifecycle_picture_changes_with_the_catalog(repo: Copy, now):
    repo.edit_yaml("catalog/katib.yaml", lambda d: d.update(stages=["sandbox"]))
    for name in ("dev-eu", "staging-eu"):  # clusters/ must agree with the catalog
        repo.edit_yaml(f"clusters/{name}.yaml", lambda d: d["services"].pop("katib", None))
    page = render(load(repo.root, now), now)["catalog/index.md"]
    katib = {c["stage"]: c["placement"] for c in groups(svg_of(page, "mlhub-lifecycle"), "placement")
             if c["service"] == "katib"}
    # beta: allowed on dev and staging, no longer enabled there; never on production
    assert katib == {"sandbox": "enabled", "dev": "allowed", "staging": "allowed", "production": "not allowed"}


def test_lifecycle_columns_can_name_clusters():
    from mlhub.site import catalog

    hub = load(REPO)
    columns, rows = catalog.lifecycle(hub, {Stage.production: ["prod-eu-1", "prod-us-1"]})
    assert columns[-1] == (Stage.production, ["prod-eu-1", "prod-us-1"]) and columns[0] == (Stage.sandbox, [])
    svg = svg_of(catalog.lifecycle_picture(hub, "catalog/index.md", {Stage.production: ["prod-eu-1"]}),
                 "mlhub-lifecycle")
    assert "prod-eu-1" in texts(svg)


def test_rfc_state_diagram_is_the_state_machine(pages):
    svg = svg_of(pages["rfcs/index.md"], "mlhub-rfc-lifecycle")
    drawn = {tuple(g["edge"].split()) for g in groups(svg, "edge")}
    assert drawn == {(a.value, b.value) for a, targets in lifecycle.EDGES.items() for b in targets}
    hub = load(REPO)
    counts = Counter(r.status.value for r in hub.rfcs)
    states = {g["state"]: int(g["rfcs"]) for g in groups(svg, "state")}
    assert states == {s.value: counts.get(s.value, 0) for s in RfcStatus}


def test_rfc_state_diagram_follows_a_change_to_the_code(monkeypatch):
    hub = load(REPO)
    edges = dict(lifecycle.EDGES) | {RfcStatus.rejected: frozenset({RfcStatus.draft})}
    monkeypatch.setattr(lifecycle, "EDGES", edges)
    drawn = {g["edge"] for g in groups(svg_of(rfcstates.picture(hub), "mlhub-rfc-lifecycle"), "edge")}
    assert "rejected draft" in drawn


def test_rfc_ranks_put_forward_moves_left_to_right():
    rank = rfcstates.ranks()
    assert rank[RfcStatus.draft] == 0 and rank[RfcStatus.review] == 1 and rank[RfcStatus.fcp] == 2
    for a, b in rfcstates.edges():
        if list(RfcStatus).index(b) > list(RfcStatus).index(a):
            assert rank[b] > rank[a], (a, b)


def _record(tid: str, status: str) -> Record:
    return Record(tutorial=tid, status=status, started="2026-11-27T10:00:00+00:00", duration_s=3.0,
                  mlflow_version="3", kfp_version="2", kfp_target="local", python="3.11", git_commit="abc")


def test_golden_path_flow_links_each_tutorial_and_shows_its_status():
    hub = load(REPO)
    first, second = hub.tutorials[0].id, hub.tutorials[1].id
    ver = Verification(records={first: _record(first, "passed"), second: _record(second, "failed")})
    svg = svg_of(goldenpath.picture(hub, ver, "golden-path.md"), "mlhub-golden-path")
    steps = groups(svg, "step")
    assert [s["step"] for s in steps] == [t.id for t in hub.tutorials]
    by_id = {s["step"]: s for s in steps}
    assert by_id[first]["status"] == "passed" and "✓ verified" in texts(by_id[first]["_el"])
    assert by_id[second]["status"] == "failed" and "✗ broken" in texts(by_id[second]["_el"])
    assert all(s["status"] == "unverified" for s in steps[2:])
    for s in steps:
        link = s["_el"].find("{http://www.w3.org/2000/svg}a")
        assert link.get(XLINK) == f"../tutorials/{s['step']}/"  # from golden-path/
        assert s["maturity"].split() == [v.maturity.value for v in hub.services_using(s["step"])]


def test_hand_written_pages_get_their_pictures_and_unknown_names_fail():
    hub = load(REPO)
    text = pictures("intro\n\n<!-- mlhub:golden-path -->\n", hub, None, "golden-path.md")
    assert 'id="mlhub-golden-path"' in text and "<!--" not in text
    with pytest.raises(ValueError, match="unknown picture 'nope'"):
        pictures("<!-- mlhub:nope -->", hub, None, "x.md")
    documented = "| `<!-- mlhub:golden-path -->` | the flow |"
    assert pictures(documented, hub, None, "contributing.md") == documented
    assert "<!-- mlhub:golden-path -->" in (REPO / "docs/golden-path.md").read_text()


def test_roadmap_board_columns_and_moves_since_the_last_sync():
    hub = load(REPO)
    before = roadmap.Before(dt.date(2026, 11, 24), {"mlflow-tracking-beta": "in-progress",
                                                    "katib-gpu-quotas": "at-risk"})
    svg = svg_of(roadmap.board(hub, "community/roadmap.md", before), "mlhub-roadmap-board")
    cards = {g["item"]: g for g in groups(svg, "item")}
    assert {i.id: i.status.value for i in hub.roadmap.items} == {k: v["status"] for k, v in cards.items()}
    assert cards["mlflow-tracking-beta"]["moved"] == "in-progress → done"
    assert "moved: in-progress → done" in texts(cards["mlflow-tracking-beta"]["_el"])
    assert cards["katib-gpu-quotas"]["moved"] == ""
    assert cards["serving-sig-charter"]["moved"] == "new"
    assert "since the ML Sync of 2026-11-24: 5 items" in texts(svg)


def test_roadmap_before_comes_from_the_history_at_the_last_sync(repo: Copy, now, tmp_path):
    import subprocess

    def git(*args, date=None):
        env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {}
        subprocess.run(["git", *args], cwd=repo.root, check=True, capture_output=True,
                       env={"PATH": "/usr/bin:/bin", "HOME": str(repo.root), "GIT_AUTHOR_NAME": "t",
                            "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"} | env)

    git("init", "-q")
    repo.edit_yaml("community/roadmap.yaml", lambda d: d["items"][0].update(status="in-progress"))
    git("add", "-A")
    git("commit", "-qm", "before the Sync", date="2026-11-20T10:00:00+00:00")
    repo.edit_yaml("community/roadmap.yaml", lambda d: d["items"][0].update(status="done"))
    git("commit", "-qam", "after the Sync", date="2026-11-26T10:00:00+00:00")
    hub = load(repo.root, now)
    assert roadmap.last_sync(hub, now).date() == dt.date(2026, 11, 24)
    before = roadmap.before_from_git(repo.root, hub, now)
    assert before.sync == dt.date(2026, 11, 24) and before.statuses["mlflow-tracking-beta"] == "in-progress"
    assert roadmap.moves(hub, before) == {"mlflow-tracking-beta": "in-progress → done"}
    # outside a git checkout there is nothing to compare with, and the page says so
    other = copy_repo(tmp_path / "other")
    assert roadmap.before_from_git(other.root, load(other.root, now), now) is None
    assert "No earlier roadmap" in roadmap.board(hub, "community/roadmap.md", None)


def test_demo_chart_counts_demos_per_quarter(pages):
    hub = load(REPO)
    svg = svg_of(pages["demos/index.md"], "mlhub-demo-figures")
    bars = {g["quarter"]: int(g["demos"]) for g in groups(svg, "quarter")}
    assert bars == dict(Counter(demos.quarter(d.date) for d in hub.demos)) | {
        q: 0 for q in bars if q not in {demos.quarter(d.date) for d in hub.demos}}
    assert sum(bars.values()) == len(hub.demos)
    fig = demos.figures(hub.demos)
    tiles = {g["figure"]: int(g["count"]) for g in groups(svg, "figure")}
    assert tiles == {"demos": fig.demos, "tools": fig.tools, "teams": fig.teams, "presenters": fig.presenters}


def test_per_quarter_keeps_empty_quarters():
    from mlhub.content.models import Demo

    ds = [Demo(title="a", date="2025-11-02", presenters=["x"], team="t", tools=["k"]),
          Demo(title="b", date="2026-05-30", presenters=["x"], team="t", tools=["k"])]
    assert demos.per_quarter(ds) == [("2025-Q4", 1), ("2026-Q1", 0), ("2026-Q2", 1)]
