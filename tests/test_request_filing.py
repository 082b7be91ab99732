"""Filing requests as pull requests through the real github3.py client against the GitHub double,
and `mlhub request` as users run it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
import threading

import pytest

from mlhub.config import GitHubConfig, Secret
from mlhub.content import load, validate
from mlhub.publish.github import GitHubPublisher
from mlhub.publish.outbox import Outbox
from mlhub.publish.retry import RetryPolicy
from mlhub.requests import filing
from mlhub.requests.filing import NewRequest

from .conftest import REPO, copy_repo
from .fakes.github import FakeGitHub
from .test_cli import mlhub
from .test_rfc_filing import git, git_repo  # noqa: F401  (fixture)

TODAY = dt.date(2026, 11, 27)
NEW = NewRequest(title="Spot instances for Katib trials",
                 problem="Our tuning runs hold on-demand GPUs for days; trials could run on spot capacity.",
                 requested_by="priya-raman", services=["katib"])
FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=5)


@pytest.fixture
def fake():
    files = {p.relative_to(REPO).as_posix(): p.read_text() for p in (REPO / "requests").glob("*.yaml")}
    gh = FakeGitHub(files=files, timeout_delay=1.0).start()
    yield gh
    gh.stop()


def publisher(fake):
    return GitHubPublisher(GitHubConfig(fake.url, Secret("test-token"), fake.owner, fake.name), FAST, timeout=(2, 0.4))


def test_filing_opens_one_pull_request_whose_file_is_valid_content(fake, tmp_path):
    hub = load(REPO)
    box = Outbox(tmp_path / "outbox.sqlite")
    out = filing.file(hub, publisher(fake), box, NEW, TODAY, progress=lambda s: None)
    assert out.number == 1 and out.url.endswith("/pull/1")
    (pull,) = fake.pulls
    assert pull.head == "request/spot-instances-for-katib-trials" and pull.base == "main"
    assert pull.title == "Request: Spot instances for Katib trials"
    assert pull.labels == ["request", "sig-training-tuning"]  # the SIG owning katib
    text = fake.files[pull.head]["requests/spot-instances-for-katib-trials.yaml"]
    assert "team: Risk Analytics" in text and "status: open" in text
    (entry,) = box.entries()
    assert entry.state == "done" and entry.kind == "request"
    repo = copy_repo(tmp_path / "repo")
    repo.path("requests/spot-instances-for-katib-trials.yaml").write_text(text)
    hub2, problems = validate(repo.root, dt.datetime(2026, 11, 28, tzinfo=dt.UTC))
    assert problems == [] and hub2.request("spot-instances-for-katib-trials").created == TODAY


@pytest.mark.parametrize("route", ["create_ref", "create_file", "create_pull", "add_labels"])
def test_a_server_error_at_any_step_still_gives_one_pull_request(fake, tmp_path, route):
    fake.fail(route, "502")
    filing.file(load(REPO), publisher(fake), Outbox(tmp_path / "o.sqlite"), NEW, TODAY, progress=lambda s: None)
    assert len(fake.pulls) == 1 and fake.calls(route) >= 2
    assert [b for b in fake.branches if b.startswith("request/")] == ["request/spot-instances-for-katib-trials"]


def test_a_title_whose_id_is_taken_gets_the_next_free_id(fake, tmp_path):
    new = NewRequest(title="Feature store", problem="One place for features.", requested_by="marcus-lee",
                     services=["kubeflow-pipelines"])
    hub = load(REPO)
    box = Outbox(tmp_path / "o.sqlite")
    filing.file(hub, publisher(fake), box, new, TODAY, progress=lambda s: None)
    filing.file(hub, publisher(fake), box, new, TODAY, progress=lambda s: None)
    assert sorted(p.head for p in fake.pulls) == ["request/feature-store-2", "request/feature-store-3"]


def test_two_filings_at_once_get_two_ids(fake, tmp_path):
    hub = load(REPO)
    errors: list[BaseException] = []

    def one(i):  # two people ask for the same thing under the same title at the same moment
        new = NEW if i == 0 else NewRequest(**{**NEW.__dict__, "requested_by": "wei-zhang"})
        try:
            filing.file(hub, publisher(fake), Outbox(tmp_path / f"o{i}.sqlite"), new, TODAY, progress=lambda s: None)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(p.head for p in fake.pulls) == ["request/spot-instances-for-katib-trials",
                                                  "request/spot-instances-for-katib-trials-2"]
    by = {fake.files[p.head][f"requests/{p.head.removeprefix('request/')}.yaml"].split("requested_by: ")[1][:9]
          for p in fake.pulls}
    assert by == {"priya-ram", "wei-zhang"}


@pytest.mark.parametrize("change, message", [
    ({"requested_by": "nobody"}, "--by: unknown person 'nobody'"),
    ({"services": ["katibb"]}, "--service: unknown service 'katibb'"),
    ({"team": "Risk"}, "--team: unknown team 'Risk'"),
    ({"sig": "sig-x"}, "--sig: unknown SIG 'sig-x'"),
    ({"services": [], "sig": None}, "--sig: name the SIG"),
    ({"problem": " "}, "--problem"),
])
def test_a_bad_request_stores_nothing(tmp_path, change, message):
    box = Outbox(tmp_path / "o.sqlite")
    with pytest.raises(ValueError, match=message):
        filing.submit(load(REPO), box, NewRequest(**{**NEW.__dict__, **change}), TODAY)
    assert box.entries() == []


# --- the command line ---------------------------------------------------------------------------

def test_request_new_offers_the_similar_request_and_files_nothing_when_declined(fake, tmp_path):
    env = {"GITHUB_URL": fake.url, "GITHUB_TOKEN": "test-token", "GITHUB_REPO": "acme/mlhub",
           "MLHUB_STATE_DIR": str(tmp_path)}
    args = ["request", "new", "Shared feature store for training and serving", "--by", "lea-fischer",
            "--problem", "Teams recompute the same features in their pipelines; online features drift from "
            "training features.", "--service", "kubeflow-pipelines"]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MLHUB_")} | env
    res = subprocess.run([sys.executable, "-m", "mlhub", *args], cwd=REPO, env=full_env, input="n\n",
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1, res.stderr
    assert "Similar requests are open already" in res.stdout and "feature-store" in res.stdout
    assert "not filed: support the similar request instead" in res.stderr and fake.pulls == []
    res = mlhub(*args, "--yes", env=env)
    assert res.returncode == 0, res.stderr
    assert "pull request #1 is open" in res.stdout and len(fake.pulls) == 1


def test_request_new_with_a_bad_service_is_a_usage_error(tmp_path):
    res = mlhub("request", "new", "X", "--by", "lea-fischer", "--problem", "p", "--service", "katibb",
                env={"MLHUB_STATE_DIR": str(tmp_path)})
    assert res.returncode == 2 and "--service: unknown service 'katibb'" in res.stderr
    assert "Traceback" not in res.stderr


def test_request_list_filters_and_ranks():
    res = mlhub("request", "list", "--service", "katib")
    assert res.returncode == 0 and res.stdout.split()[0] == "gpu-quota-visibility"
    lines = mlhub("request", "list").stdout.splitlines()
    assert lines[0].startswith("feature-store") and len(lines) == len(load(REPO).requests)
    assert mlhub("request", "list", "--sig", "sig-serving").stdout.strip() == "no requests match"


def test_request_merge_locally_puts_both_files_on_one_branch(git_repo, tmp_path):  # noqa: F811
    env = {"MLHUB_ROOT": str(git_repo), "MLHUB_STATE_DIR": str(tmp_path / "state")}
    res = mlhub("request", "merge", "registry-model-cards", "feature-store", env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    listed = git(git_repo, "diff", "--name-only", "main", "request-merge/registry-model-cards").split()
    assert sorted(listed) == ["requests/feature-store.yaml", "requests/registry-model-cards.yaml"]
    merged = git(git_repo, "show", "request-merge/registry-model-cards:requests/registry-model-cards.yaml")
    assert "duplicate_of: feature-store" in merged and "status: declined" in merged
    again = mlhub("request", "merge", "registry-model-cards", "feature-store", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    res = mlhub("request", "merge", "feature-store", "nope", env=env, cwd=tmp_path)
    assert res.returncode == 2 and "no request 'nope'" in res.stderr
    # the branch is not merged yet: the other way round would make a chain with it
    res = mlhub("request", "merge", "feature-store", "registry-model-cards", env=env, cwd=tmp_path)
    assert res.returncode == 2 and ("take part in a merge not in the repository yet: registry-model-cards into "
                                    "feature-store (branch request-merge/registry-model-cards)") in res.stderr


def test_a_merge_updates_files_the_default_branch_has_in_one_pull_request(fake):
    from mlhub.publish import BranchTaken, MemoryJournal
    from mlhub.requests import duplicates

    change = duplicates.merge_change(load(REPO), "registry-model-cards", "feature-store")
    out = publisher(fake).publish(change, MemoryJournal(), progress=lambda s: None)
    assert out.number == 1
    head = fake.files["request-merge/registry-model-cards"]
    assert {p for p in head if head[p] != fake.files["main"].get(p)} == set(change.files)
    assert all(head[p] == t for p, t in change.files.items())
    # publishing it again changes nothing; a branch where someone else edited the file is not taken over
    publisher(fake).publish(change, MemoryJournal(), progress=lambda s: None)
    assert len(fake.pulls) == 1
    other = duplicates.merge_change(load(REPO), "notebook-gpu-images", "feature-store")
    fake.fail("create_ref", "timeout")  # the branch is created, the answer is lost: the retry must not clobber
    out2 = publisher(fake).publish(other, MemoryJournal(), progress=lambda s: None)
    assert out2.number == 2
    with pytest.raises(BranchTaken):
        publisher(fake).publish(dataclasses.replace(other, branch="request-merge/registry-model-cards"),
                                MemoryJournal(), progress=lambda s: None)
