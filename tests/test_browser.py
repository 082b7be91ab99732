"""The built site in headless Chromium (Debian's): home page, search, a SIG's next meeting.

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

import pytest

from mlhub import calendar
from mlhub.content import load
from mlhub.site import md

from .conftest import REPO

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
                         cwd=REPO, env=os.environ | {"NO_MKDOCS_2_WARNING": "1"},
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture(scope="module")
def base_url(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


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
def page(browser):
    ctx = browser.new_context()
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
    assert heading(page) == "Katib hyperparameter tuning"


def test_sig_page_shows_its_next_meeting(page, base_url):
    hub = load(REPO)
    sig = hub.sig("sig-pipelines")
    # the site was built moments ago; compute the next meeting the same way, as of now
    nxt = calendar.next_occurrence(sig.meetings[0], dt.datetime.now(dt.UTC))
    page.goto(base_url + "/community/sigs/sig-pipelines/")
    assert heading(page) == sig.name
    text = page.locator("article").inner_text()
    assert f"Next meeting: {md.when(nxt.start)}" in text


def heading(page) -> str:
    return page.locator("h1").first.inner_text().rstrip("¶").strip()
