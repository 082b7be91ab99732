"""Filing RFCs through the real github3.py client against the local GitHub double, and locally."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import threading

import pytest

from mlhub.config import GitHubConfig, Secret
from mlhub.content import load
from mlhub.content.loader import read
from mlhub.publish import PublishError
from mlhub.publish.github import GitHubPublisher
from mlhub.publish.local import LocalGitPublisher
from mlhub.publish.outbox import EntryState, Outbox
from mlhub.publish.retry import RetryPolicy
from mlhub.rfc import filing
from mlhub.rfc.filing import RfcRequest

from .conftest import REPO
from .fakes.github import FakeGitHub

REQ = RfcRequest(title="Adopt Feast as the feature store", sig="sig-pipelines", author="lea-fischer",
                 options=["feast", "build-our-own"], summary="Use Feast for features.")
DAY = dt.date(2026, 11, 23)  # the caller's clock, not the machine's
FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=5)


@pytest.fixture
def fake():
    files = {p.relative_to(REPO).as_posix(): p.read_text() for p in (REPO / "rfcs").glob("*.md")}
    gh = FakeGitHub(files=files, timeout_delay=1.0).start()
    yield gh
    gh.stop()


@pytest.fixture
def hub():
    return load(REPO)


def publisher(fake: FakeGitHub, token: str = "test-token") -> GitHubPublisher:
    cfg = GitHubConfig(fake.url, Secret(token), fake.owner, fake.name)
    return GitHubPublisher(cfg, FAST, timeout=(2, 0.4))


def file_one(fake, hub, tmp_path, log=None):
    box = Outbox(tmp_path / "outbox.sqlite")
    out = filing.file(REPO, hub, publisher(fake), box, REQ, DAY,
                      progress=(log if log is not None else []).append)
    return out, box


def assert_one_complete_pull(fake: FakeGitHub, number: int = 3):
    assert len(fake.pulls) == 1
    pull = fake.pulls[0]
    assert pull.head == f"rfc/{number:04d}" and pull.base == "main"
    assert pull.title == f"RFC {number:04d}: Adopt Feast as the feature store"
    assert pull.labels == ["rfc", "sig-pipelines"]
    assert pull.reviewers == ["hannah-okafor", "sofia-martins"]  # lea-fischer is the author
    rfc_branches = [b for b in fake.branches if b.startswith("rfc/")]
    assert rfc_branches == [f"rfc/{number:04d}"]
    assert not [b for b in fake.branches if b.startswith("mlhub-draft/")]  # drafts are cleaned up
    path = f"rfcs/{number:04d}-adopt-feast-as-the-feature-store.md"
    text = fake.files[pull.head][path]
    assert f"number: {number}" in text and "status: draft" in text and "## Readiness" in text
    assert "created: '2026-11-23'" in text  # the caller's day, not the machine's
    assert "Use Feast for features." in text


def test_filing_opens_one_pull_request_with_file_labels_and_reviewers(fake, hub, tmp_path):
    log: list[str] = []
    out, box = file_one(fake, hub, tmp_path, log)
    assert_one_complete_pull(fake)
    assert out.url.endswith("/pull/1") and out.number == 1
    (entry,) = box.entries()
    assert entry.state == "done" and "RFC 0003" in entry.message
    assert any("opened pull request #1" in line for line in log)


def test_the_filed_rfc_passes_the_lint(fake, hub, tmp_path):
    file_one(fake, hub, tmp_path)
    copy = tmp_path / "repo"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".venv", ".git", "site", ".state"))
    for path, text in fake.files["rfc/0003"].items():
        (copy / path).write_text(text)
    _, problems = read(copy)
    assert problems == []
    from mlhub.content import validate

    assert validate(copy)[1] == []


STEPS = ["get_repo", "get_ref", "list_refs", "create_ref", "get_contents", "create_file", "list_pulls",
         "create_pull", "get_issue", "add_labels", "get_pull", "request_reviewers"]


@pytest.mark.parametrize("route", STEPS)
def test_a_server_error_at_any_step_still_gives_one_pull_request(fake, hub, tmp_path, route):
    fake.fail(route, "502")
    file_one(fake, hub, tmp_path)
    assert_one_complete_pull(fake)
    assert fake.calls(route) >= 2


@pytest.mark.parametrize("route", ["create_ref", "create_file", "create_pull", "add_labels",
                                   "request_reviewers"])
def test_a_timeout_after_the_step_took_effect_does_not_do_it_twice(fake, hub, tmp_path, route):
    fake.fail(route, "timeout")
    file_one(fake, hub, tmp_path)
    assert_one_complete_pull(fake)


@pytest.mark.parametrize("mode", ["rate-403", "rate-429"])
def test_rate_limits_wait_for_the_reset_and_continue(fake, hub, tmp_path, mode):
    fake.fail("create_pull", mode)
    log: list[str] = []
    file_one(fake, hub, tmp_path, log)
    assert_one_complete_pull(fake)
    assert any("rate limited" in line for line in log)


def test_giving_up_keeps_the_request_and_a_retry_finishes_it(fake, hub, tmp_path):
    fake.fail("create_pull", "502", times=FAST.attempts)
    box = Outbox(tmp_path / "outbox.sqlite")
    with pytest.raises(PublishError, match="gave up after 4 attempts"):
        filing.file(REPO, hub, publisher(fake), box, REQ, DAY, progress=lambda _: None)
    (entry,) = box.entries("pending")
    assert entry.journal["number"] == 3 and "gave up after 4 attempts" in entry.message
    assert (entry.attempts, entry.owner, entry.lease_until) == (1, None, None)  # the claim is released
    assert fake.pulls == [] and "rfc/0003" in fake.branches
    filing.resume(REPO, hub, publisher(fake), box, entry.id, progress=lambda _: None)
    assert_one_complete_pull(fake)
    assert box.get(entry.id).state == "done"


def test_bad_token_is_a_clear_error_and_nothing_is_lost(fake, hub, tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite")
    bad = GitHubPublisher(GitHubConfig(fake.url, Secret("wrong"), fake.owner, fake.name), FAST)
    with pytest.raises(PublishError, match="GITHUB_TOKEN") as exc:
        filing.file(REPO, hub, bad, box, REQ, DAY, progress=lambda _: None)
    assert "wrong" not in str(exc.value)
    assert [e.state for e in box.entries()] == ["pending"]


def test_two_proposals_at_the_same_time_get_different_numbers(fake, hub, tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite")
    other = RfcRequest(title="Retire the old notebook images", sig="sig-pipelines", author="sofia-martins")
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run(req):
        try:
            barrier.wait()
            results.append(filing.file(REPO, hub, publisher(fake), box, req, DAY, progress=lambda _: None))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in (REQ, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(p.head for p in fake.pulls) == ["rfc/0003", "rfc/0004"]
    numbers = sorted(int(p.title[4:8]) for p in fake.pulls)
    assert numbers == [3, 4]
    for pull in fake.pulls:  # each branch holds exactly its own RFC
        rfcs = [p for p in fake.files[pull.head] if p.startswith(f"rfcs/{pull.head[4:]}-")]
        assert len(rfcs) == 1


def test_invalid_request_names_the_option_and_stores_nothing(hub, tmp_path, fake):
    box = Outbox(tmp_path / "outbox.sqlite")
    bad = RfcRequest(title="x", sig="sig-nope", author="nobody")
    with pytest.raises(ValueError) as exc:
        filing.file(REPO, hub, publisher(fake), box, bad, DAY)
    assert "--sig: unknown SIG 'sig-nope'" in str(exc.value) and "--author" in str(exc.value)
    assert box.entries() == []


# --- local publishing (no GitHub configured) -------------------------------------------------

@pytest.fixture
def git_repo(tmp_path):
    root = tmp_path / "checkout"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".venv", ".git", "site", ".state", "__pycache__"))
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "PATH": "/usr/bin:/bin"}
    for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]):
        subprocess.run(["git", *cmd], cwd=root, check=True, env=env)
    return root


def git(root, *args):
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def test_local_filing_commits_on_a_new_branch_and_leaves_the_worktree(git_repo, tmp_path):
    hub = load(git_repo)
    box = Outbox(tmp_path / "outbox.sqlite")
    out = filing.file(git_repo, hub, LocalGitPublisher(git_repo), box, REQ, DAY, progress=lambda _: None)
    assert out.branch == "rfc/0003" and out.url is None
    assert git(git_repo, "branch", "--show-current").strip() == "main"
    assert git(git_repo, "status", "--porcelain") == ""
    text = git(git_repo, "show", "rfc/0003:rfcs/0003-adopt-feast-as-the-feature-store.md")
    assert "title: Adopt Feast as the feature store" in text
    assert git(git_repo, "log", "-1", "--format=%an", "rfc/0003").strip() == "Léa Fischer"
    # the next proposal takes the next number
    other = RfcRequest(title="Second", sig="sig-serving", author="diego-alvarez")
    out2 = filing.file(git_repo, hub, LocalGitPublisher(git_repo), box, other, DAY, progress=lambda _: None)
    assert out2.branch == "rfc/0004"


def test_an_entry_state_is_set_only_as_the_enum(tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite")
    entry = box.add("rfc", {"title": "x"})
    with pytest.raises(TypeError, match="an entry's state is an EntryState, not 'done'"):
        box.update(entry.id, state="done")
    assert box.get(entry.id).state is EntryState.pending
    box.update(entry.id, state=EntryState.done)
    assert box.get(entry.id).state is EntryState.done
