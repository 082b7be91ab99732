"""The ML Sync agenda draft lists what changed in the repository since the last Sync."""

from __future__ import annotations

from mlhub.community.agenda import draft, snapshot
from mlhub.content import load

from .conftest import Copy


def test_agenda_lists_an_rfc_change_a_new_demo_and_a_broken_tutorial(repo: Copy, now):
    before = snapshot(load(repo.root, now))
    repo.edit_text("rfcs/0002-integrate-services-by-maturity.md", "status: accepted", "status: implemented")
    repo.path("demos/2026-11-26-feature-drift-alerts.md").write_text(
        "---\ntitle: Feature drift alerts\ndate: 2026-11-26\npresenters: [priya-raman]\nteam: Risk Analytics\n"
        "tools: [Evidently]\n---\n\nWhat we monitor.\n")
    repo.edit_yaml("catalog/katib.yaml", lambda d: d.update(maturity="stable", stages=["sandbox", "dev",
                                                                                     "staging", "production"]))
    hub = load(repo.root, now)
    text = draft(hub, before, {"02-track-experiments": "cell 4 failed with KeyError"},
                 ["Model `credit-risk`: alias *champion* now points at version 3"], 30)
    assert "RFC 0002 Integrate platform services one at a time, by maturity level: accepted → implemented" in text
    assert "New demo: Feature drift alerts (Risk Analytics, 2026-11-26)" in text
    assert "Broken tutorial: 02 · Track experiments with MLflow: cell 4 failed with KeyError" in text
    assert "Katib hyperparameter tuning: beta → stable" in text
    assert "alias *champion*" in text
    assert "(30 minutes)" in text and "Roadmap 2026-Q4" in text


def test_nothing_changed(repo: Copy, now):
    hub = load(repo.root, now)
    assert "nothing changed" in draft(hub, snapshot(hub), {}, [], 30)


def test_content_text_in_the_draft_pings_nobody(repo: Copy, now):
    before = snapshot(load(repo.root, now))
    repo.edit_text("rfcs/0002-integrate-services-by-maturity.md", "status: accepted", "status: implemented")
    repo.edit_text("rfcs/0002-integrate-services-by-maturity.md", "title: Integrate", "title: <!channel> & Integrate")
    text = draft(load(repo.root, now), before, {"02-track-experiments": "failed <@U04AMDURAND>"}, [], 30)
    assert "RFC 0002 &lt;!channel&gt; &amp; Integrate" in text
    assert "failed &lt;@U04AMDURAND&gt;" in text
    assert "<!" not in text and "<@" not in text
