"""Reader feedback, the pure part: what is accepted or refused, the flood limiter, routing to the
owning SIG, counts, the ML Sync summary and the tutorial status page's marking."""

from __future__ import annotations

import pytest

from mlhub.content import load
from mlhub.feedback import counts
from mlhub.feedback.limiter import Limiter
from mlhub.feedback.model import MAX_TEXT, Feedback, Refused, parse
from mlhub.feedback.routing import GOLDEN_PATH, pages
from mlhub.site import tutorials

from .conftest import REPO

PAGES = {"catalog/katib.md", "tutorials/04-tune-hyperparameters.ipynb", GOLDEN_PATH}


def test_good_feedback_is_parsed():
    assert parse({"page": "catalog/katib.md", "helped": True}, PAGES) == Feedback("catalog/katib.md", True, "")
    f = parse({"page": "catalog/katib.md", "helped": False, "blocked": "  The quota  example\tfails \n"}, PAGES)
    assert f == Feedback("catalog/katib.md", False, "The quota example fails")


@pytest.mark.parametrize("data, field", [
    ([], ""), ("text", ""), ({"page": "catalog/nope.md", "helped": True}, "page"),
    ({"page": "../../etc/passwd", "helped": True}, "page"), ({"page": 3, "helped": True}, "page"),
    ({"page": "catalog/katib.md"}, "helped"), ({"page": "catalog/katib.md", "helped": "yes"}, "helped"),
    ({"page": "catalog/katib.md", "helped": 1}, "helped"),
    ({"page": "catalog/katib.md", "helped": False}, "blocked"),
    ({"page": "catalog/katib.md", "helped": False, "blocked": "   "}, "blocked"),
    ({"page": "catalog/katib.md", "helped": False, "blocked": "<b></b>"}, "blocked"),
    ({"page": "catalog/katib.md", "helped": False, "blocked": "x" * (MAX_TEXT + 1)}, "blocked"),
    ({"page": "catalog/katib.md", "helped": False, "blocked": "<script>alert(1)</script>"}, "blocked"),
    ({"page": "catalog/katib.md", "helped": False, "blocked": "<img src=x onerror=alert(1)>"}, "blocked"),
    ({"page": "catalog/katib.md", "helped": False, "blocked": "see javascript:alert(1)"}, "blocked"),
    ({"page": "catalog/katib.md", "helped": False, "blocked": ["a"]}, "blocked"),
    ({"page": "catalog/katib.md", "helped": True, "email": "a@b"}, "email"),
])
def test_bad_feedback_is_refused_naming_the_field(data, field):
    with pytest.raises(Refused) as exc:
        parse(data, PAGES)
    assert exc.value.field == field
    assert str(exc.value)  # a message to show the reader


def test_html_is_removed_and_control_characters_dropped():
    f = parse({"page": GOLDEN_PATH, "helped": False, "blocked": "<b>Step 3</b> fails\x00\x1b[31m"}, PAGES)
    assert f.blocked == "Step 3 fails[31m"


def test_the_limiter_allows_a_burst_then_refills_on_its_clock():
    now = [1000.0]
    lim = Limiter(per_minute=6, burst=3, clock=lambda: now[0])
    assert [lim.allow("10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert lim.allow("10.0.0.2")  # another address has its own bucket
    assert lim.retry_after("10.0.0.1") == 10
    now[0] += 9
    assert not lim.allow("10.0.0.1")
    now[0] += 1.5
    assert lim.allow("10.0.0.1") and not lim.allow("10.0.0.1")
    now[0] += 3600
    assert [lim.allow("10.0.0.1") for _ in range(4)] == [True, True, True, False]  # never more than the burst


def test_the_limiter_forgets_the_oldest_addresses_beyond_its_cap():
    lim = Limiter(per_minute=1, burst=1, clock=lambda: 0.0, max_addresses=2)
    assert lim.allow("a") and lim.allow("b") and lim.allow("c")
    assert len(lim._buckets) == 2
    assert lim.allow("a")  # forgotten, so full again
    assert not lim.allow("c")


def test_pages_route_to_the_owning_sig():
    hub = load(REPO)
    routes = pages(hub)
    assert routes["catalog/katib.md"].channel == "sig-training-tuning"
    assert routes["catalog/mlflow-registry.md"].sig == "sig-tracking-registry"
    assert routes["tutorials/04-tune-hyperparameters.ipynb"].channel == "sig-training-tuning"
    assert routes[GOLDEN_PATH].channel == hub.ceremonies.ml_sync.slack_channel and routes[GOLDEN_PATH].sig is None
    assert len(routes) == 1 + len(hub.tutorials) + len(hub.services)


def test_counts_summary_and_repeated_blocked(tmp_path):
    t = "tutorials/04-tune-hyperparameters.ipynb"
    entries = [Feedback(t, False, "x")] * 3 + [Feedback(t, True, "")] + [Feedback("catalog/katib.md", False, "y")]
    c = counts.count(entries)
    assert c[t] == counts.PageCount(helped=1, blocked=3) and c["catalog/katib.md"].blocked == 1
    assert counts.repeated_blocked(c) == [t]
    lines = counts.summary(c, {t: "Tune hyperparameters"})
    assert lines[0] == "Reader feedback: 5 answers, 4 blocked"
    assert lines[1] == "Tune hyperparameters: 3 blocked, 1 helped"
    assert counts.summary({}, {}) == []
    counts.save(tmp_path, c)
    assert counts.load(tmp_path) == c
    (tmp_path / counts.FILE).write_text("{not json")
    assert counts.load(tmp_path) == {}


def test_the_tutorial_status_page_marks_repeatedly_blocked_pages():
    hub = load(REPO)
    t = "tutorials/04-tune-hyperparameters.ipynb"
    seen = {t: counts.PageCount(1, 3), "tutorials/01-explore-data.ipynb": counts.PageCount(2, 1)}
    page = tutorials.status_page(hub, tutorials.Verification(), seen)
    assert "**1 helped, 3 blocked** (repeatedly blocked)" in page
    assert "2 helped, 1 blocked |" in page
    assert "Readers are blocked" in page and hub.tutorial("04-tune-hyperparameters").title in page
    assert "Readers are blocked" not in tutorials.status_page(hub, tutorials.Verification(), {})
