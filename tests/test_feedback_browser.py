"""Reader feedback end to end: a site built with its form pointed at the bot's production server
(gunicorn, the /feedback route), headless Chromium submits it, and the owning SIG's channel on the
Slack double receives it; bad input is refused on the page, with nothing posted."""

from __future__ import annotations

import pytest

from .bot_fixtures import doubles, wait_until
from .bot_server import ServerProcess
from .test_browser import browser  # noqa: F401  (fixture)
from .test_requests_browser import build_and_serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Slack and GitHub doubles, the bot's production server, and the site served on loopback."""
    slack, github = doubles()
    state = tmp_path_factory.mktemp("bot-state")
    # the site's address must be known before the bot starts (it is the one origin the bot answers)
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = ServerProcess(slack, github, state, "--workers", "1", "--site", f"http://127.0.0.1:{port}/").wait()
    site = None
    try:
        site, base = build_and_serve(tmp_path_factory, server.url + "/feedback", port=port)
        yield base, slack, server
    finally:
        if site is not None:
            site.shutdown()
            site.server_close()
        log = server.stop()
        slack.stop()
        github.stop()
        assert "Traceback" not in log, log


@pytest.fixture
def page(browser, stack):  # noqa: F811
    ctx = browser.new_context(locale="en-US")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def send(page, helped: str, blocked: str = "") -> str:
    form = page.locator("form.mlhub-feedback")
    form.get_by_role("radio", name=helped).check()
    if blocked:
        form.get_by_label("What blocked you?").fill(blocked)
    before = form.locator(".mlhub-feedback-status").inner_text()
    form.get_by_role("button", name="Send feedback").click()
    page.wait_for_function("b => { const t = document.querySelector('.mlhub-feedback-status').textContent;"
                           " return t && t !== b && t !== 'Sending…'; }", arg=before)
    return form.locator(".mlhub-feedback-status").inner_text()


def test_feedback_from_a_built_page_reaches_the_owning_sigs_channel(page, stack):
    base, slack, _ = stack
    page.goto(base + "/catalog/katib/")
    said = send(page, "No", "The GPU quota example fails with <b>403</b>")
    assert said == "Thank you: Training & Tuning (#sig-training-tuning) has your feedback."
    wait_until(lambda: slack.messages("sig-training-tuning"), 10)
    (message,) = slack.messages("sig-training-tuning")
    assert message["text"].endswith("\n>The GPU quota example fails with 403")
    assert f"<{base}/catalog/katib/|Katib hyperparameter tuning>" in message["text"]
    page.goto(base + "/tutorials/02-track-experiments/")
    assert send(page, "Yes").startswith("Thank you: Experiment Tracking & Model Registry")
    wait_until(lambda: slack.messages("sig-tracking-registry"), 10)


def test_bad_input_is_refused_on_the_page_and_nothing_is_posted(page, stack):
    base, slack, _ = stack
    before = len(slack.messages("sig-serving"))
    page.goto(base + "/catalog/model-serving/")
    said = send(page, "No", "<script>alert(1)</script>")
    assert said == "blocked: scripts and markup are not accepted; describe what blocked you in words"
    # the server refuses too when the page's own check is bypassed
    answer = page.evaluate("""url => fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({page: 'catalog/model-serving.md', helped: false, blocked: ''})})
        .then(r => r.json().then(b => [r.status, b.error]))""", page.locator("form.mlhub-feedback")
                           .get_attribute("data-url"))
    assert answer == [400, "blocked: say what blocked you, so the owners can fix it"]
    huge = page.evaluate("""url => fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({page: 'catalog/model-serving.md', helped: false, blocked: 'x'.repeat(20000)})})
        .then(r => r.status)""", page.locator("form.mlhub-feedback").get_attribute("data-url"))
    assert huge == 413
    assert len(slack.messages("sig-serving")) == before


def test_a_flood_from_one_reader_is_refused_with_a_clear_message(page, stack):
    base, slack, _ = stack
    page.goto(base + "/golden-path/")
    url = page.locator("form.mlhub-feedback").get_attribute("data-url")
    statuses = page.evaluate("""async url => { const out = [];
        for (let i = 0; i < 8; i++) {
          const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({page: 'golden-path.md', helped: true})});
          out.push([r.status, (await r.json()).error || '']);
        } return out; }""", url)
    codes = [s for s, _ in statuses]
    assert 429 in codes and codes.index(429) <= 5, codes  # the earlier tests used part of the burst
    assert all(c == 429 for c in codes[codes.index(429):])
    assert "Too much feedback from your address" in statuses[-1][1]
