"""The requests on the site: the ranked page with its filters, the roadmap's and service pages'
links, and text people typed shown as typed (never as HTML or Markdown)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown
import pytest

from mlhub.content import load
from mlhub.site import paths, render

from .conftest import NOW, REPO, Copy

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)> *bold* [link](javascript:alert(1)) | pipe'


def html_of(page: str) -> str:
    body = page.split("\n---\n", 1)[1]
    return markdown.markdown(body, extensions=["tables", "attr_list", "md_in_html"])


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    p = Tags()
    p.feed(html)
    return p.tags


@pytest.fixture
def evil_pages(repo: Copy):
    repo.edit_yaml("requests/feature-store.yaml", lambda d: d.update(title=EVIL[:120], problem=EVIL))
    repo.edit_yaml("requests/notebook-gpu-images.yaml", lambda d: d.update(reason=EVIL))
    repo.edit_yaml("requests/gpu-quota-visibility.yaml", lambda d: d.update(problem=EVIL))
    return render(load(repo.root, NOW), NOW)


@pytest.mark.parametrize("page", [paths.REQUESTS, paths.ROADMAP, paths.service("kubeflow-pipelines")])
def test_typed_text_never_renders_as_markup(evil_pages, page):
    html = html_of(evil_pages[page])
    names = [t for t, _ in tags(html)]
    assert "script" not in names and "img" not in names and "em" not in names
    assert not any("javascript:" in a.get("href", "") for _, a in tags(html))
    assert not any(k.startswith("on") for _, a in tags(html) for k in a)
    if page != paths.ROADMAP or "feature-store" in evil_pages[page]:
        assert "&#60;script&#62;" in evil_pages[page] or "&lt;script&gt;" in html


def test_the_requests_page_ranks_by_teams_and_carries_filter_data():
    hub = load(REPO, NOW)
    page = render(hub, NOW)[paths.REQUESTS]
    rows = re.findall(r'<tr id="request-([a-z0-9-]+)" data-sig="([^"]+)" data-services="([^"]*)" '
                      r'data-status="([a-z]+)">', page)
    assert [r[0] for r in rows] == ["feature-store", "gpu-quota-visibility",
                                    "tracking-autolog-defaults", "registry-model-cards",  # a tie: older first
                                    "notebook-gpu-images"]
    assert rows[0][1:] == ("sig-pipelines", "kubeflow-pipelines model-serving", "open")
    for name in ("sig", "service", "status"):
        assert f'<label for="mlhub-filter-{name}">' in page and f'<select id="mlhub-filter-{name}"' in page
    assert 'role="status" aria-live="polite">5 of 5 requests shown.' in page


def test_requests_link_to_their_roadmap_item_and_rfc_and_back():
    pages = render(load(REPO, NOW), NOW)
    req = pages[paths.REQUESTS]
    assert 'href="../roadmap/#item-katib-gpu-quotas">Roadmap: ' in req
    assert 'href="../../rfcs/0001-adopt-mlflow-for-tracking-and-registry/">RFC 0001' in req
    roadmap = pages[paths.ROADMAP]
    assert '<span id="item-katib-gpu-quotas">' in roadmap
    assert "(requests.md#request-gpu-quota-visibility)" in roadmap


def test_service_pages_list_their_open_requests_only():
    pages = render(load(REPO, NOW), NOW)
    kfp = pages[paths.service("kubeflow-pipelines")]
    assert "## Open requests" in kfp and "(../community/requests.md#request-feature-store)" in kfp
    notebooks = pages[paths.service("notebooks")]
    assert "request-notebook-gpu-images" not in notebooks  # declined
    assert "request-tracking-autolog-defaults" not in notebooks  # done
    assert "None open." in pages[paths.service("training-jobs")]
