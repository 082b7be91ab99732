"""The requests page and the feedback form in headless Chromium: filters by keyboard, the axe-core
scan with the form on the page, typed HTML shown as text."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading

import pytest

from .conftest import copy_repo
from .test_browser import _QuietHandler, axe_script, browser  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
EVIL = "<img src=x onerror=\"window.__owned=1\"> Feature <b>store</b>"


def build_and_serve(tmp_path_factory, feedback_url: str | None, edit=None, port: int = 0):
    """A copy of the repository (edited), built with the feedback form pointed at feedback_url, served."""
    repo = copy_repo(tmp_path_factory.mktemp("repo"))
    if edit:
        edit(repo)
    out = tmp_path_factory.mktemp("site")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_QuietHandler,
                                                                                  directory=str(out)))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLHUB_")} | {
        "NO_MKDOCS_2_WARNING": "1", "MLHUB_SITE_URL": base + "/", "MLHUB_STATE_DIR": str(repo.root / ".state")}
    if feedback_url:
        env["MLHUB_FEEDBACK_URL"] = feedback_url
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
                         cwd=repo.root, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    def edit(repo):
        from mlhub.feedback import counts

        repo.edit_yaml("requests/feature-store.yaml", lambda d: d.update(title=EVIL, problem=EVIL))
        (repo.root / ".state").mkdir()
        counts.save(repo.root / ".state", {"tutorials/04-tune-hyperparameters.ipynb": counts.PageCount(1, 4)})

    # port 9 (discard) on loopback: nothing answers, so the form's failure message shows
    server, base = build_and_serve(tmp_path_factory, "http://127.0.0.1:9/feedback", edit)
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser, site):  # noqa: F811
    ctx = browser.new_context(locale="en-US")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def visible_rows(pg) -> list[str]:
    return pg.eval_on_selector_all("table.mlhub-requests tbody tr", "rs => rs.filter(r => !r.hidden).map(r => r.id)")


def test_filters_work_from_the_keyboard_and_say_how_many_rows_show(page, site):
    page.goto(site + "/community/requests/")
    assert len(visible_rows(page)) == 5
    page.focus("#mlhub-filter-service")
    page.keyboard.press("ArrowDown")  # the first service: Katib
    assert page.input_value("#mlhub-filter-service") == "katib"
    assert visible_rows(page) == ["request-gpu-quota-visibility"]
    assert page.inner_text(".mlhub-filter-count") == "1 of 5 requests shown."
    page.select_option("#mlhub-filter-service", "")
    page.select_option("#mlhub-filter-sig", "sig-pipelines")
    assert visible_rows(page) == ["request-feature-store", "request-notebook-gpu-images"]
    page.select_option("#mlhub-filter-status", "open")
    assert visible_rows(page) == ["request-feature-store"]
    # every filter is named by its label for screen readers
    assert page.get_by_label("Service", exact=True).count() == 1 and page.get_by_label("SIG", exact=True).count() == 1


def test_typed_html_is_shown_as_text(page, site):
    page.goto(site + "/community/requests/")
    row = page.locator("#request-feature-store")
    assert "<img src=x" in row.inner_text() and row.locator("img").count() == 0
    assert page.evaluate("window.__owned") is None


def test_the_feedback_form_is_on_service_tutorial_and_golden_path_pages_only(page, site):
    for path in ("/catalog/katib/", "/tutorials/02-track-experiments/", "/golden-path/"):
        page.goto(site + path)
        assert page.locator("form.mlhub-feedback").count() == 1, path
    for path in ("/", "/community/requests/", "/rfcs/"):
        page.goto(site + path)
        assert page.locator("form.mlhub-feedback").count() == 0, path


def test_the_form_asks_for_what_blocked_and_says_when_it_cannot_send(page, site):
    page.goto(site + "/catalog/katib/")
    form = page.locator("form.mlhub-feedback")
    form.get_by_role("radio", name="No").check()
    form.get_by_role("button", name="Send feedback").click()
    status = form.locator(".mlhub-feedback-status")
    assert status.inner_text() == "Say what blocked you, so the owners can fix it."
    assert page.evaluate("document.activeElement.id") == "mlhub-feedback-blocked"
    page.keyboard.type("The quota example fails")
    form.get_by_role("button", name="Send feedback").click()
    status.filter(has_text="cannot be reached").wait_for(timeout=15_000)


def test_the_tutorial_status_page_flags_what_readers_are_blocked_on(page, site):
    page.goto(site + "/tutorials/")
    row = page.locator("tr", has_text="Tune hyperparameters")
    assert "1 helped, 4 blocked (repeatedly blocked)" in row.inner_text()
    assert "Readers are blocked" in page.locator("article").inner_text()


@pytest.mark.parametrize("path", ["/community/requests/", "/catalog/katib/"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation(browser, site, axe_script, path, scheme):  # noqa: F811
    ctx = browser.new_context(color_scheme=scheme, locale="en-US")
    pg = ctx.new_page()
    try:
        pg.goto(site + path)
        pg.evaluate(axe_script)
        result = pg.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
        assert bad == []
    finally:
        ctx.close()
