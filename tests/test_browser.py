"""The built site in headless Chromium (Debian's): search, pictures, meeting times in the reader's
zone, dark mode, instant navigation, nothing loaded from elsewhere, and the axe-core scan.

In CI (CI=true) a missing browser is a failure, not a skip: `make test` installs it."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mlhub import calendar
from mlhub.content import load
from mlhub.content.models import Meeting, RfcStatus
from mlhub.site import demos

from .conftest import REPO

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> tuple[Path, str]:
    """The site built for the address it is served at (so that the theme's instant navigation,
    which follows the sitemap, works), served on a free loopback port."""
    out = tmp_path_factory.mktemp("site")
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
                         cwd=REPO, env=os.environ | {"NO_MKDOCS_2_WARNING": "1", "MLHUB_SITE_URL": base + "/"},
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield out, base
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def site(served) -> Path:
    return served[0]


@pytest.fixture(scope="module")
def base_url(served) -> str:
    return served[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: ci/system-deps.sh should install it")
        pytest.skip("Chromium is not installed; run `make system-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, base_url):
    ctx = browser.new_context(locale="en-US")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def test_home_page_renders(page, base_url):
    page.goto(base_url + "/")
    assert "mlhub" in page.title()
    assert heading(page) == "The ML platform hub"
    # material's sidebar has the generated sections
    assert page.locator("a[href$='catalog/']").count() >= 1


def test_search_finds_a_service_by_name(page, base_url):
    page.goto(base_url + "/")
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("Katib", delay=50)
    result = page.locator(".md-search-result__item a[href*='catalog/katib/']").first
    result.wait_for(state="visible", timeout=15_000)
    result.click()
    page.wait_for_url("**/catalog/katib/**")
    assert arrived(page, "Katib") == "Katib hyperparameter tuning"


def arrived(page, start: str) -> str:
    """The heading of the page navigated to: instant navigation changes the address first and
    swaps the content after, so wait for the new heading."""
    # the content's heading: search results are <article>s with <h1>s of their own
    page.wait_for_function("s => document.querySelector('article.md-content__inner h1')?.textContent.trim()"
                           ".startsWith(s)", arg=start)
    return heading(page)


def heading(page) -> str:
    return page.locator("article.md-content__inner h1").first.inner_text().rstrip("¶").strip()


# --- pictures ---------------------------------------------------------------------------------

PICTURES = {
    "/golden-path/": ("mlhub-golden-path", lambda hub: [t.title.split(" · ", 1)[-1][:20] for t in hub.tutorials]),
    "/catalog/": ("mlhub-lifecycle", lambda hub: [s.name[:20] for s in hub.services]
                  + ["sandbox", "dev", "staging", "production"]),
    "/rfcs/": ("mlhub-rfc-lifecycle", lambda hub: [s.value for s in RfcStatus]),
    "/community/roadmap/": ("mlhub-roadmap-board", lambda hub: [i.title[:15] for i in hub.roadmap.items]
                            + [s.value for s in {i.status for i in hub.roadmap.items}]),
    "/demos/": ("mlhub-demo-figures", lambda hub: ["demos", "tools", "teams", "presenters",
                                                    *{demos.quarter(d.date) for d in hub.demos}]),
}


@pytest.mark.parametrize("path", list(PICTURES))
def test_each_picture_renders_as_an_svg_with_its_labels(page, base_url, path):
    pid, labels = PICTURES[path]
    page.goto(base_url + path)
    svg = page.locator(f"svg#{pid}")
    svg.wait_for(state="visible")
    box = svg.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    text = svg.inner_text() if svg.evaluate("e => !!e.innerText") else svg.text_content()
    text = " ".join(text.split())
    for label in labels(load(REPO)):
        assert label in text, (label, path)
    # the picture has a name for screen readers, and its links lead to pages that exist
    assert page.locator(f"#{pid}-title").text_content()
    for href in svg.evaluate("e => [...e.querySelectorAll('a')].map(a => a.href.baseVal)"):
        assert page.request.get(page.evaluate("h => new URL(h, location.href).href", href)).status == 200, href


def test_a_picture_link_leads_to_its_page(page, base_url):
    page.goto(base_url + "/golden-path/")
    page.locator("svg#mlhub-golden-path a").first.click()
    page.wait_for_url("**/tutorials/01-*/")
    assert "explore" in arrived(page, "01").lower()


# --- the calendar in the reader's zone ----------------------------------------------------------

READER = "Asia/Tokyo"
CLOCK = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def _reader_page(browser, base_url, path: str, tz: str = READER):
    ctx = browser.new_context(timezone_id=tz, locale="en-US")
    pg = ctx.new_page()
    pg.clock.set_fixed_time(CLOCK)
    pg.goto(base_url + path)
    return ctx, pg


def test_sig_page_shows_the_next_meetings_in_the_readers_zone(browser, base_url):
    hub = load(REPO)
    sig = hub.sig("sig-pipelines")
    meeting = sig.meetings[0]
    ctx, pg = _reader_page(browser, base_url, f"/community/sigs/{sig.id}/")
    try:
        lst = pg.locator("ul.mlhub-when[data-rendered=reader]").first
        lst.wait_for()
        expected = calendar.occurrences(meeting, CLOCK, CLOCK + dt.timedelta(days=200))[:4]
        shown = lst.locator("time").evaluate_all("ts => ts.map(t => t.getAttribute('datetime'))")
        assert shown == [f"{o.start.astimezone(dt.UTC):%Y-%m-%dT%H:%M}Z" for o in expected]
        items = lst.locator("li").all_inner_texts()
        for occ, item in zip(expected, items, strict=True):
            local = occ.start.astimezone(ZoneInfo(READER))
            assert f"{local:%I:%M %p}" in item and "GMT+9" in item, item  # the reader's time
            assert f"{occ.start:%I:%M %p}" in item and meeting.tz in item, item  # the organiser's beside it
        text = pg.locator("article").inner_text()
        assert "Every other Wednesday at 10:00 America/New_York time, 30 minutes." in text
        assert pg.locator(f"a[href='{meeting.url}']").count() >= 1  # the join link from the data
    finally:
        ctx.close()


def test_calendar_page_recomputes_the_next_weeks_from_the_rules(browser, base_url):
    hub = load(REPO)
    ctx, pg = _reader_page(browser, base_url, "/community/ceremonies/", tz="America/Los_Angeles")
    try:
        agenda = pg.locator(".mlhub-agenda[data-rendered=reader]")
        agenda.wait_for()
        shown = agenda.locator("tbody time").evaluate_all("ts => ts.map(t => t.getAttribute('datetime'))")
        expected = [f"{o.start.astimezone(dt.UTC):%Y-%m-%dT%H:%M}Z" for o in calendar.upcoming(hub, CLOCK, 42)]
        assert shown == expected
        # a webcal:// subscription to the site's own feed, and one line on how to use it
        href = pg.locator("a.mlhub-webcal").first.get_attribute("href")
        assert href == f"webcal://{base_url.removeprefix('http://')}/calendars/all.ics"
        assert "To subscribe, open the first link" in pg.locator("article").inner_text()
    finally:
        ctx.close()


@pytest.mark.parametrize("rule, dtstart, tz, exdates", [
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "2026-01-06T10:30", "Europe/Paris", ["2026-12-22"]),
    ("FREQ=MONTHLY;BYDAY=-1TH", "2026-01-29T16:00", "Europe/Paris", []),
    ("FREQ=MONTHLY;BYDAY=2TH", "2025-02-13T15:00", "Asia/Singapore", []),
    ("FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=40", "2026-10-01T09:00", "America/New_York", ["2026-12-02"]),
    ("FREQ=DAILY;INTERVAL=3", "2026-03-01T02:30", "Europe/London", []),
    ("FREQ=MONTHLY;BYMONTHDAY=31", "2026-01-31T08:00", "Australia/Sydney", []),
    ("FREQ=YEARLY;BYMONTH=3,10", "2025-03-29T12:00", "Europe/Berlin", []),
    ("FREQ=WEEKLY;WKST=SU;INTERVAL=2;BYDAY=SU,TU", "2026-11-01T18:00", "America/Los_Angeles", []),
    ("FREQ=WEEKLY;UNTIL=20270115T000000Z", "2026-11-03T07:00", "UTC", []),
])
def test_the_pages_rule_expansion_agrees_with_the_sites(page, base_url, rule, dtstart, tz, exdates):
    """The page's script and dateutil (the site build and the ICS feeds) give the same dates."""
    meeting = Meeting(id="m", title="M", tz=tz, dtstart=dtstart, duration="PT30M", rrule=rule, exdates=exdates)
    expected = [o.start.astimezone(dt.UTC) for o in
                calendar.occurrences(meeting, CLOCK, CLOCK + dt.timedelta(days=400))][:25]
    page.goto(base_url + "/")
    got = page.evaluate("""([m, now]) => window.mlhubCalendar.next(m, now, 25, 400)""",
                        [{"rrule": rule, "dtstart": dtstart, "tz": tz, "exdates": exdates},
                         int(CLOCK.timestamp() * 1000)])
    assert [dt.datetime.fromtimestamp(ms / 1000, dt.UTC) for ms in got] == expected


# --- theme: dark mode, instant navigation, nothing from elsewhere -------------------------------

def test_dark_mode_follows_the_system_and_has_a_toggle(browser, base_url):
    ctx = browser.new_context(color_scheme="dark")
    pg = ctx.new_page()
    try:
        pg.goto(base_url + "/catalog/")
        assert pg.locator("body").get_attribute("data-md-color-scheme") == "slate"
        bg = pg.evaluate("getComputedStyle(document.body).backgroundColor")
        assert bg != "rgb(255, 255, 255)"
        toggle = pg.locator("label.md-header__button[for^='__palette']:visible").first
        toggle.click()  # from "follow the system" to light
        pg.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'default'")
        pg.reload()  # the choice is remembered
        assert pg.locator("body").get_attribute("data-md-color-scheme") == "default"
    finally:
        ctx.close()


def test_instant_navigation_keeps_the_page(page, base_url):
    page.goto(base_url + "/")
    page.evaluate("window.__kept = 'yes'")
    page.locator(".md-tabs a[href$='catalog/']").first.click()
    page.wait_for_url("**/catalog/")
    assert arrived(page, "Service catalog") == "Service catalog"
    assert page.evaluate("window.__kept") == "yes"  # no full page load


def test_no_request_leaves_the_site(browser, base_url):
    ctx = browser.new_context()
    outside: list[str] = []
    ctx.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
              if not route.request.url.startswith(base_url) else route.continue_())
    pg = ctx.new_page()
    try:
        for path in AXE_PAGES.values():
            pg.goto(base_url + path, wait_until="networkidle")
        assert outside == []
    finally:
        ctx.close()


# --- accessibility ------------------------------------------------------------------------------

AXE_PAGES = {
    "home": "/", "tutorial": "/tutorials/02-track-experiments/", "catalog": "/catalog/",
    "service": "/catalog/katib/", "sig": "/community/sigs/sig-pipelines/", "calendar": "/community/ceremonies/",
    "roadmap": "/community/roadmap/", "decision log": "/rfcs/",
    "rfc": "/rfcs/0001-adopt-mlflow-for-tracking-and-registry/",
    "demo": "/demos/2026-02-26-katib-bayesian-search/", "golden path": "/golden-path/",
}


@pytest.fixture(scope="module")
def axe_script() -> str:
    try:
        from axe_playwright_python.base import AXE_SCRIPT
    except ImportError:
        pytest.fail("axe-core is missing: `make install` installs axe-playwright-python, which bundles it")
    return AXE_SCRIPT


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", list(AXE_PAGES))
def test_axe_finds_no_serious_or_critical_violation(browser, base_url, axe_script, kind, scheme):
    ctx = browser.new_context(color_scheme=scheme, locale="en-US")
    pg = ctx.new_page()
    try:
        pg.goto(base_url + AXE_PAGES[kind])
        pg.evaluate(axe_script)
        result = pg.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
        assert bad == []
        assert result["testEngine"]["version"].startswith("4.")
    finally:
        ctx.close()
