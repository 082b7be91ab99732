"""Requests as content: loading, every check with a failing example naming file and field, the
status machine, duplicate detection and merging, and the tally."""

from __future__ import annotations

import datetime as dt

import pytest

from mlhub.content import validate
from mlhub.content.models import Request, RequestStatus, Tally
from mlhub.requests import duplicates, status, tally, text

from .conftest import Copy

FS = "requests/feature-store.yaml"
GPU = "requests/gpu-quota-visibility.yaml"


def edit(rel, **changes):
    def mutate(repo: Copy):
        repo.edit_yaml(rel, lambda d: d.update(changes))
    mutate.__name__ = f"{rel.split('/')[-1]}:{','.join(changes)}"
    return mutate


def drop(rel, key):
    def mutate(repo: Copy):
        repo.edit_yaml(rel, lambda d: d.pop(key))
    mutate.__name__ = f"{rel.split('/')[-1]}:-{key}"
    return mutate


def tally_twice(repo: Copy):
    repo.edit_yaml(FS, lambda d: d["tally"]["supporters"].append("marcus-lee"))


def stray_file(repo: Copy):
    repo.path("requests/notes.txt").write_text("todo")


REQUEST_CASES = [
    (edit(FS, services=["kubeflow-pipelines", "feature-stor"]), f"{FS}:services[1]", "request-refs"),
    (edit(FS, sig="sig-features"), f"{FS}:sig", "request-refs"),
    (edit(FS, team="Growth Data Sciense"), f"{FS}:team", "request-refs"),
    (edit(FS, requested_by="nobody-here"), f"{FS}:requested_by", "request-refs"),
    (edit(FS, rfc=42), f"{FS}:rfc", "request-refs"),
    (edit(GPU, roadmap_item="katib-gpu-quota"), f"{GPU}:roadmap_item", "request-refs"),
    (edit(FS, status="declined"), f"{FS}:reason", "request-status"),
    (edit(FS, reason="not now"), f"{FS}:reason", "request-status"),
    (drop(GPU, "roadmap_item"), f"{GPU}:roadmap_item", "request-status"),
    (edit(FS, duplicate_of="registry-model-cards"), f"{FS}:duplicate_of", "request-status"),
    (edit(FS, status="declined", reason="dup", duplicate_of="feature-stores"), f"{FS}:duplicate_of",
     "request-status"),
    (edit(FS, status="declined", reason="dup", duplicate_of="feature-store"), f"{FS}:duplicate_of",
     "request-status"),
    (edit(FS, id="feature-stores"), f"{FS}:id", "request-names"),
    (edit(FS, created="2027-01-01"), f"{FS}:created", "request-names"),
    (tally_twice, f"{FS}:tally.supporters[4]", "request-tally"),
    (edit(FS, status="wanted"), f"{FS}:status", "schema"),
    (edit(FS, votes=3), f"{FS}:votes", "schema"),
    (edit(FS, title="x" * 121), f"{FS}:title", "schema"),
    (drop(FS, "problem"), f"{FS}:problem", "schema"),
    (stray_file, "requests/notes.txt", "files"),
]


def test_the_sample_requests_load(now):
    from .conftest import REPO

    hub, problems = validate(REPO, now)
    assert problems == []
    assert {r.id for r in hub.requests} >= {"feature-store", "gpu-quota-visibility", "notebook-gpu-images"}
    assert {r.status for r in hub.requests} == set(RequestStatus)


@pytest.mark.parametrize("mutate, where, check", REQUEST_CASES, ids=[c[0].__name__ for c in REQUEST_CASES])
def test_a_broken_request_names_file_and_field(repo: Copy, now, mutate, where, check):
    mutate(repo)
    _, problems = validate(repo.root, now)
    matching = [p for p in problems if str(p).startswith(where + ":") and p.check == check and p.severity == "error"]
    assert matching, f"expected a {check} error at {where}, got {[str(p) for p in problems]}"


def test_a_sig_that_owns_none_of_the_services_is_a_warning(repo: Copy, now):
    edit(FS, sig="sig-serving", services=["katib"])(repo)
    _, problems = validate(repo.root, now)
    (warning,) = [p for p in problems if p.field == "sig"]
    assert warning.severity == "warning" and "owns none" in warning.message and warning.path == FS


def test_a_request_on_a_broken_service_file_is_not_blamed_twice(repo: Copy, now):
    repo.edit_yaml("catalog/katib.yaml", lambda d: d.update(maturity="great"))
    _, problems = validate(repo.root, now)
    assert not [p for p in problems if p.path.startswith("requests/")]


# --- status -------------------------------------------------------------------------------------

def _req(**kw) -> Request:
    base = dict(id="r", title="T", problem="P", team="Risk Analytics", requested_by="priya-raman",
                sig="sig-pipelines", status="open", created="2026-10-01")
    return Request.model_validate(base | kw)


@pytest.mark.parametrize("old, new, ok", [
    ("open", "planned", True), ("open", "declined", True), ("open", "done", True), ("planned", "open", True),
    ("declined", "open", True), ("declined", "planned", False), ("done", "open", False), ("done", "declined", False),
])
def test_status_moves(old, new, ok):
    assert (status.move_error(RequestStatus(old), RequestStatus(new)) is None) is ok


def test_a_move_needs_the_fields_its_status_requires():
    req = _req()
    with pytest.raises(ValueError, match="roadmap_item"):
        status.moved(req, RequestStatus.planned)
    with pytest.raises(ValueError, match="reason"):
        status.moved(req, RequestStatus.declined)
    planned = status.moved(req, RequestStatus.planned, roadmap_item="katib-gpu-quotas")
    assert planned.status is RequestStatus.planned and planned.roadmap_item == "katib-gpu-quotas"
    declined = status.moved(planned, RequestStatus.declined, reason="Out of scope")
    assert declined.reason == "Out of scope"
    assert status.moved(declined, RequestStatus.open).reason is None
    with pytest.raises(ValueError, match="final"):
        status.moved(status.moved(req, RequestStatus.done), RequestStatus.open)


# --- duplicates -----------------------------------------------------------------------------------

def test_a_reworded_request_is_offered_as_similar(now):
    from .conftest import REPO

    hub, _ = validate(REPO, now)
    found = duplicates.similar(hub.requests, "Feature store shared between training and serving",
                               "Teams recompute the same features in their pipelines; online features drift "
                               "from training features.", ["kubeflow-pipelines"])
    assert [m.request.id for m in found][:1] == ["feature-store"]
    assert found[0].score >= duplicates.SIMILAR


def test_an_unrelated_request_on_the_same_service_is_not_similar(now):
    from .conftest import REPO

    hub, _ = validate(REPO, now)
    found = duplicates.similar(hub.requests, "Katib early stopping with median rule",
                               "Trials that are clearly worse should stop early to save GPU hours.", ["katib"])
    assert found == []
    score = duplicates.similarity("Katib early stopping with median rule", "Trials that are clearly worse "
                                  "should stop early to save GPU hours.", ["katib"],
                                  *(lambda r: (r.title, r.problem, r.services))(hub.request("gpu-quota-visibility")))
    assert 0 < score < duplicates.SIMILAR


def test_declined_done_and_merged_requests_are_never_offered(now):
    from .conftest import REPO

    hub, _ = validate(REPO, now)
    declined = hub.request("notebook-gpu-images")
    found = duplicates.similar(hub.requests, declined.title, declined.problem, declined.services)
    assert declined.id not in [m.request.id for m in found]


def test_tokens_ignore_case_stopwords_and_plurals():
    assert duplicates.tokens("The Quotas of our GPUs") == {"quota", "gpu"}


def test_merge_carries_supporters_and_teams_over_once():
    into = _req(id="a", tally=Tally(supporters=["priya-raman"], teams=["Risk Analytics"]))
    dup = _req(id="b", requested_by="wei-zhang", team="Fraud Detection",
               tally=Tally(supporters=["priya-raman", "kenji-tanaka"], teams=["Risk Analytics", "Search Relevance"]))
    teams = {"priya-raman": "Risk Analytics", "wei-zhang": "Fraud Detection", "kenji-tanaka": "Search Relevance"}
    new_dup, new_into = duplicates.merge(dup, into, teams)
    assert new_into.tally.supporters == ["kenji-tanaka", "priya-raman", "wei-zhang"]
    assert new_into.tally.teams == ["Fraud Detection", "Risk Analytics", "Search Relevance"]
    assert new_dup.status is RequestStatus.declined and new_dup.duplicate_of == "a" and "a" in new_dup.reason
    assert status.field_errors(new_dup) == []
    with pytest.raises(ValueError, match="itself"):
        duplicates.merge(into, into, teams)
    with pytest.raises(ValueError, match="merged into"):
        duplicates.merge(into, new_dup, teams)


def test_a_merge_change_is_valid_content(repo: Copy, now):
    from mlhub.content import load

    hub = load(repo.root, now)
    change = duplicates.merge_change(hub, "registry-model-cards", "feature-store")
    assert set(change.files) == {"requests/registry-model-cards.yaml", "requests/feature-store.yaml"}
    for path, body in change.files.items():
        repo.path(path).write_text(body)
    hub2, problems = validate(repo.root, now)
    assert [p for p in problems if p.severity == "error"] == []
    assert hub2.request("registry-model-cards").duplicate_of == "feature-store"
    assert "priya-raman" in hub2.request("feature-store").tally.supporters
    with pytest.raises(ValueError, match="no request 'nope'"):
        duplicates.merge_change(hub, "nope", "feature-store")


# --- the tally ------------------------------------------------------------------------------------

def test_the_tally_counts_people_once_and_teams_once():
    votes = {"wei-zhang": "Fraud Detection", "priya-raman": "Risk Analytics", "amelie-durand": "Risk Analytics"}
    t = tally.tally(votes, dt.date(2026, 11, 27))
    assert t.supporters == ["amelie-durand", "priya-raman", "wei-zhang"]
    assert t.teams == ["Fraud Detection", "Risk Analytics"] and t.updated == dt.date(2026, 11, 27)


def test_no_change_when_the_votes_give_the_same_tally(repo: Copy, now):
    from mlhub.content import load

    hub = load(repo.root, now)
    fs = hub.request("feature-store")
    same = {p: hub.person(p).team for p in fs.tally.supporters}
    assert tally.changed(fs, same, now.date()) is None
    assert tally.files(hub, {"feature-store": same}, now.date()) == {}
    more = same | {"wei-zhang": "Fraud Detection"}
    out = tally.files(hub, {"feature-store": more, "gone": {"wei-zhang": "Fraud Detection"}}, now.date())
    assert list(out) == [FS]
    repo.path(FS).write_text(out[FS])
    hub2, problems = validate(repo.root, now)
    assert problems == []
    assert hub2.request("feature-store").tally.teams[0] == "Data Engineering"
    assert "Fraud Detection" in hub2.request("feature-store").tally.teams
    assert tally.files(hub2, {"feature-store": more}, now.date()) == {}


def test_ranking_is_by_teams_then_supporters_then_age():
    a = _req(id="a", created="2026-10-02", tally=Tally(supporters=["x", "y", "z"], teams=["T1"]))
    b = _req(id="b", created="2026-10-03", tally=Tally(supporters=["x", "y"], teams=["T1", "T2"]))
    c = _req(id="c", created="2026-10-01", tally=Tally(supporters=["x", "y"], teams=["T1", "T2"]))
    assert [r.id for r in tally.rank([a, b, c])] == ["c", "b", "a"]


def test_the_written_file_loads_back_to_the_same_request():
    req = _req(id="feature-store", rfc=1, services=["katib"], tally=Tally(supporters=["a-b"], teams=["T"]))
    from mlhub.content.files import parse_yaml

    assert Request.model_validate(parse_yaml(text.dump(req))) == req


# --- the ML Sync agenda ---------------------------------------------------------------------------

def test_the_agenda_lists_top_requests_and_what_moved(repo: Copy, now):
    from mlhub.community import agenda
    from mlhub.content import load
    from mlhub.requests import agenda as asks

    before = agenda.snapshot(load(repo.root, now))
    assert [r.id for r in asks.top(load(repo.root, now), 2)] == ["feature-store", "gpu-quota-visibility"]
    repo.edit_yaml("requests/registry-model-cards.yaml", lambda d: d["tally"].update(
        supporters=["amelie-durand", "priya-raman", "wei-zhang"], teams=["Fraud Detection", "ML Platform",
                                                                        "Risk Analytics"]))
    repo.edit_yaml(GPU, lambda d: d.update(status="done"))
    repo.edit_yaml(FS, lambda d: d.update(id="feature-store"))  # unchanged
    hub = load(repo.root, now)
    moved = asks.movers(hub, before.requests)
    assert moved == ["See how much of our GPU quota a Katib experiment will use before starting it: planned → done",
                     "Model cards in the model registry: 2 → 3 teams"]
    text = agenda.draft(hub, before, {}, [], 30, feedback=["Reader feedback: 4 answers, 3 blocked"])
    assert "Top request: A shared feature store for training and serving (4 teams, open; owner sig-pipelines)" in text
    assert "Model cards in the model registry: 2 → 3 teams" in text and "Reader feedback: 4 answers" in text
    assert "Top request:" in agenda.draft(hub, agenda.Snapshot(), {}, [], 30)  # an old snapshot: no movers
    assert "New request" not in agenda.draft(hub, agenda.Snapshot(), {}, [], 30)
