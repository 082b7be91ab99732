"""The generated site: pure rendering, the mkdocs hook, strict builds, and nothing committed."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from mlhub.content import load
from mlhub.site import md, nav, render
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
    # the next meetings as of the fixed clock (Fri 2026-11-27), for readers without script: the
    # biweekly Tuesday after, in the meeting's zone and UTC
    assert '<li><time datetime="2026-12-01T15:00Z">Tue 2026-12-01 16:00 CET (15:00 UTC)</time></li>' in page
    # the 2026-12-29 occurrence is an exdate
    assert '<time datetime="2026-12-29' not in page and "Tue 2026-12-15 16:00 CET" in page
    assert "Every other Tuesday at 16:00 Europe/Paris time, 45 minutes. [Join the meeting](" in page


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


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built") / "site"
    res = build(REPO, out)
    assert res.returncode == 0, res.stderr
    return out


def test_strict_build_of_the_repository(site):
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


# --- the built site as its readers get it -------------------------------------------------------

class _Links(HTMLParser):
    """Every link and resource of a page (href, src, SVG xlink:href) and every id it defines."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (tag, url)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "xlink:href") and value is not None:
                self.links.append((tag, value))
            if name == "id" and value:
                self.ids.add(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_crawl_finds_no_broken_internal_link_and_no_link_to_loopback(site):
    pages = {p: _parse(p) for p in site.rglob("*.html")}
    broken, loopback, checked = [], [], 0
    for page, parsed in pages.items():
        for _, url in parsed.links:
            parts = urlsplit(url)
            if parts.hostname in ("127.0.0.1", "localhost"):
                loopback.append((page.relative_to(site), url))
            if parts.scheme or url.startswith("//") or (not parts.path and not parts.fragment):
                continue
            base = site if parts.path.startswith("/") else page.parent  # 404.html links from the root
            target = (base / parts.path.lstrip("/")).resolve() if parts.path else page
            if target.is_dir() or parts.path.endswith("/"):
                target = target / "index.html"
            checked += 1
            if not target.is_file():
                broken.append((page.relative_to(site), url))
            elif parts.fragment and not parts.fragment.startswith("__") and target in pages \
                    and unquote(parts.fragment) not in pages[target].ids:
                broken.append((page.relative_to(site), url))
    assert checked > 1000
    assert not broken, broken[:20]
    assert not loopback, loopback[:20]
    sitemap = (site / "sitemap.xml").read_text()
    assert "127.0.0.1" not in sitemap and "<loc>https://mlhub.corp.example/catalog/katib/</loc>" in sitemap


def test_no_page_loads_anything_from_elsewhere(site):
    """Scripts, stylesheets, images and fonts all come from the site itself."""
    outside = []
    for page in site.rglob("*.html"):
        for tag, url in _parse(page).links:
            if tag in ("script", "img", "link", "source", "iframe") and urlsplit(url).scheme in ("http", "https", ""):
                if urlsplit(url).netloc or url.startswith("//"):
                    if not (tag == "link" and "canonical" in _link_rel(page, url)):
                        outside.append((page.relative_to(site), tag, url))
    assert not outside, outside[:10]
    for css in site.rglob("*.css"):
        assert not re.search(r"@import|url\((['\"]?)(https?:)?//", css.read_text(encoding="utf-8")), css


def _link_rel(page: Path, url: str) -> str:
    m = re.search(rf'<link[^>]*href="{re.escape(url)}"[^>]*>', page.read_text(encoding="utf-8"))
    return m.group(0) if m else ""


def test_tutorial_pages_are_light_and_share_one_notebook_stylesheet(site, pages):
    tutorials = sorted(site.glob("tutorials/*/index.html"))
    assert len(tutorials) == len(load(REPO).tutorials)
    for page in tutorials:
        html = page.read_text(encoding="utf-8")
        assert len(html.encode()) < 150 * 1024, (page, len(html.encode()))
        assert "<style" not in html.split('<article')[1], page  # nothing inlined in the content
        assert 'href="../../assets/stylesheets/notebook.css"' in html
        assert "cdnjs" not in html and 'class="anchor-link"' not in html
        assert 'class="highlight-ipynb hl-python" tabindex="0"' in html  # code scrolls by keyboard too
    css = (site / "assets/stylesheets/notebook.css").read_text()
    assert '[data-md-color-scheme="slate"] .jupyter-wrapper{' in css  # dark notebooks in dark mode
    assert "notebook.css" not in (site / "catalog/index.html").read_text()


def test_search_has_no_stray_pilcrows_and_no_empty_pages(site):
    index = json.loads((site / "search/search_index.json").read_text())
    docs = index["docs"]
    assert not [d["title"] for d in docs if "¶" in d["title"]]
    words = {w for d in docs for w in re.split(index["config"]["separator"], d["title"] + " " + d["text"])}
    assert not {w for w in words if w.endswith((",", "¶"))}
    assert "katib" in {w.lower() for w in words}
    # the ML Sync minutes page has no minutes yet: it is kept out of search
    assert not [d for d in docs if d["location"].startswith("community/ml-sync/")]
    assert [d for d in docs if d["location"].startswith("community/ceremonies/")]


def test_section_pages_have_real_titles_and_generated_pages_edit_their_data(site):
    titles = {p.relative_to(site).parent.as_posix(): re.search(r"<title>(.*?)</title>", p.read_text()).group(1)
              for p in site.rglob("index.html")}
    assert not [k for k, t in titles.items() if t.startswith("Index")], titles
    assert titles["catalog"].startswith("Service catalog") and titles["community/sigs"].startswith("Special")
    katib = (site / "catalog/katib/index.html").read_text()
    assert 'href="https://git.corp.example/ml-platform/mlhub/edit/main/catalog/katib.yaml"' in katib
    assert 'href="https://git.corp.example/ml-platform/mlhub/tree/main/catalog/"' in \
        (site / "catalog/index.html").read_text()
    home = (site / "index.html").read_text()
    assert 'href="https://git.corp.example/ml-platform/mlhub/edit/main/docs/index.md"' in home
    # previous/next footer, tabs, instant navigation, and the key/value tables have header rows
    assert 'class="md-footer__link md-footer__link--next"' in home and 'class="md-tabs"' in home
    assert '"navigation.instant"' in home
    assert "<th>Fact</th>" in katib and "<th></th>" not in katib


def test_last_updated_dates_come_from_git(site):
    listed = subprocess.run(["git", "log", "-1", "--format=%cs", "--", "catalog/katib.yaml"], cwd=REPO,
                            capture_output=True, text=True)
    if listed.returncode != 0 or not listed.stdout.strip():
        pytest.skip("not a git checkout")
    katib = (site / "catalog/katib/index.html").read_text()
    assert re.search(rf'md-source-file__fact.*?{listed.stdout.strip()}', katib, re.S)


def test_site_url_comes_from_configuration(repo: Copy, tmp_path):
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1", "MLHUB_SITE_URL": "https://hub.example.com/ml"}
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "s")],
                         cwd=repo.root, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert '<link rel="canonical" href="https://hub.example.com/ml/catalog/katib/">' in \
        (tmp_path / "s/catalog/katib/index.html").read_text()
    bad = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp_path / "t")], cwd=repo.root,
                         env=env | {"MLHUB_SITE_URL": "hub.example.com"}, capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "MLHUB_SITE_URL must be an http(s) URL" in bad.stdout + bad.stderr


# --- small pure parts ---------------------------------------------------------------------------

def test_generated_pages_carry_their_title_and_empty_ones_stay_out_of_search(pages):
    assert pages["catalog/index.md"].startswith("---\ntitle: Service catalog\n---\n")
    assert "search:\n  exclude: true" in pages["community/ml-sync.md"]
    assert "search:" not in pages["catalog/index.md"]


def test_links_in_raw_html_use_the_pages_urls():
    assert md.url("index.md") == "" and md.url("catalog/index.md") == "catalog/"
    assert md.url("catalog/katib.md") == "catalog/katib/" and md.url("tutorials/01-a.ipynb") == "tutorials/01-a/"
    assert md.href("catalog/index.md", "catalog/katib.md") == "katib/"
    assert md.href("community/roadmap.md", "catalog/katib.md") == "../../catalog/katib/"
    assert md.href("golden-path.md", "tutorials/01-a.ipynb") == "../tutorials/01-a/"
    assert md.href("catalog/index.md", "catalog/index.md") == "./"


@pytest.mark.parametrize("rule, words", [
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "every other Tuesday"),
    ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "every Monday, Wednesday and Friday"),
    ("FREQ=WEEKLY;INTERVAL=3", "every 3 weeks on Tuesday"),
    ("FREQ=MONTHLY;BYDAY=-1TH", "the last Thursday of every month"),
    ("FREQ=MONTHLY;INTERVAL=2;BYDAY=2TH", "the second Thursday of every other month"),
    ("FREQ=MONTHLY;BYMONTHDAY=1,22", "the 1st and 22nd of every month"),
    ("FREQ=DAILY;COUNT=5", "every day, 5 times"),
    ("FREQ=YEARLY;BYMONTH=3", "every year on March 6"),
    ("FREQ=WEEKLY;UNTIL=20270630T000000Z", "every Tuesday, until 2027-06-30"),
    ("FREQ=WEEKLY;BYSETPOS=1;BYDAY=TU", "recurring (FREQ=WEEKLY;BYSETPOS=1;BYDAY=TU)"),
])
def test_recurrence_in_words(rule, words):
    from mlhub.content.models import Meeting
    from mlhub.site import recurrence

    m = Meeting(id="m", title="M", tz="Europe/Paris", dtstart="2026-01-06T10:30:00", duration="PT45M", rrule=rule)
    assert recurrence.words(m) == words


def test_sources_dates_and_edit_links():
    from mlhub.site import sources

    log = "\0" + "2026-11-27\n\ncatalog/katib.yaml\ndocs/index.md\n" + "\0" + "2026-10-01\n\ncatalog/notebooks.yaml\n"
    dates = sources.parse_log(log)
    assert dates["catalog/katib.yaml"] == dt.date(2026, 11, 27) and dates["catalog/"] == dt.date(2026, 11, 27)
    assert dates["catalog/notebooks.yaml"] == dt.date(2026, 10, 1) and dates["docs/index.md"] == dt.date(2026, 11, 27)
    repo_url = "https://git.example/org/hub"
    assert sources.edit_url(repo_url, "edit/main/docs/", "/x/docs", "catalog/katib.yaml") == \
        "https://git.example/org/hub/edit/main/catalog/katib.yaml"
    assert sources.edit_url(repo_url, "edit/main/docs/", "/x/docs", "demos/") == \
        "https://git.example/org/hub/tree/main/demos/"
    hub = load(REPO)
    mapped = sources.sources(hub)
    assert mapped["catalog/katib.md"] == "catalog/katib.yaml"
    assert mapped["community/roadmap.md"] == "community/roadmap.yaml"
    assert all((REPO / src).exists() or src == "docs/ml-sync/" for src in mapped.values())


def test_notebook_html_is_made_light():
    from mlhub.site import notebooks

    html = ('<style type="text/css">.a{color:red}</style><p>x</p><!-- Load mathjax --><script src=""></script>'
            '<!-- End of mathjax configuration --><script type="module">import("https://cdnjs.x/m.mjs")</script>'
            '<h2 id="a">A<a class="anchor-link" href="#a">¶</a></h2><div class="highlight-ipynb hl-python"><pre>'
            "x = 1</pre></div><style>\n        ['pre {}']\n        </style>"
            '<a href="02-next.ipynb">next</a> <a href="../golden-path.md#steps">path</a> <a href="https://x.org/a.md">'
            '<a href="01-first.ipynb" download>')
    out, styles = notebooks.lighten(html, "tutorials/01-first.ipynb")
    assert '<a href="https://x.org/a.md">' in out and '<a href="01-first.ipynb" download>' in out
    assert styles == [".a{color:red}"]
    assert "<style" not in out and "cdnjs" not in out and "mathjax" not in out
    assert '<a class="headerlink" href="#a" title="Permanent link">¶</a>' in out
    assert '<div class="highlight-ipynb hl-python" tabindex="0">' in out
    css = notebooks.stylesheet([".a{color:red}", ".a{color:red}"], None)
    assert css.count(".a{color:red}") == 1 and "scrollbar-width" in css
