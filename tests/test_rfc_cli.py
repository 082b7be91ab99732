"""`mlhub rfc` and `mlhub outbox` as users run them, in subprocesses."""

from __future__ import annotations

import re
import subprocess

import pytest

from .fakes.github import FakeGitHub
from .test_cli import mlhub
from .test_rfc_filing import git, git_repo  # noqa: F401  (fixture)
from .test_rfc_lint import RFC1, RFC2, edit_front


def commit(root, message):
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", message],
                   cwd=root, check=True)


def new_draft(root, number=3, status="draft"):
    text = (root / RFC2).read_text()
    front_end = text.index("\n---\n", 4)
    body = text[front_end + 5:]
    (root / f"rfcs/{number:04d}-feature-store.md").write_text(
        f"---\nnumber: {number}\ntitle: Feature store\nstatus: {status}\ntype: decision\n"
        f"owning_sig: sig-pipelines\nauthors: [lea-fischer]\ncreated: 2026-11-02\n---\n{body}")


class Repo:
    def __init__(self, root):
        self.root = root

    def path(self, rel):
        return self.root / rel


def test_rfc_lint_fails_a_commit_that_moves_draft_to_accepted(git_repo):  # noqa: F811
    base = git(git_repo, "rev-parse", "HEAD").strip()
    new_draft(git_repo)
    commit(git_repo, "RFC 0003: draft")
    edit_front(Repo(git_repo), "rfcs/0003-feature-store.md", lambda d: d.update(status="review",
                                                                              shepherd="hannah-okafor"))
    commit(git_repo, "RFC 0003: ready for review")
    res = mlhub("rfc", "lint", "--base", base, "--root", str(git_repo))
    assert res.returncode == 0, res.stdout + res.stderr
    edit_front(Repo(git_repo), "rfcs/0003-feature-store.md", lambda d: d.update(status="draft"))
    commit(git_repo, "back to draft")
    mid = git(git_repo, "rev-parse", "HEAD").strip()
    edit_front(Repo(git_repo), "rfcs/0003-feature-store.md", lambda d: d.update(status="accepted"))
    commit(git_repo, "sneak it in")
    res = mlhub("rfc", "lint", "--base", mid, "--root", str(git_repo))
    assert res.returncode == 1
    assert res.stdout.startswith("rfcs/0003-feature-store.md:status: draft -> accepted is not an allowed "
                                 "change; from draft an RFC may move to review, withdrawn (commit ")


def test_rfc_lint_checks_each_commit_and_the_worktree(git_repo):  # noqa: F811
    base = git(git_repo, "rev-parse", "HEAD").strip()
    new_draft(git_repo, status="accepted")
    res = mlhub("rfc", "lint", "--base", base, "--root", str(git_repo))
    assert res.returncode == 1 and "a new RFC starts as draft, not accepted (uncommitted changes)" in res.stdout
    (git_repo / "rfcs/0003-feature-store.md").unlink()
    (git_repo / RFC1).unlink()
    res = mlhub("rfc", "lint", "--base", base, "--root", str(git_repo))
    assert f"{RFC1}:status: an RFC file is never deleted" in res.stdout


def test_rfc_lint_names_a_bad_base(git_repo):  # noqa: F811
    res = mlhub("rfc", "lint", "--base", "no-such-ref", "--root", str(git_repo))
    assert res.returncode == 1 and "--base 'no-such-ref' is not a commit" in res.stdout


def test_rfc_why_answers_for_the_mlflow_services():
    for service in ("mlflow-tracking", "mlflow-registry"):
        res = mlhub("rfc", "why", service)
        assert res.returncode == 0
        assert "is governed by RFC 0001: Adopt MLflow for experiment tracking and the model registry" in res.stdout
    res = mlhub("rfc", "why", "notebooks")
    assert "no decision in force" in res.stdout
    res = mlhub("rfc", "why", "mlfow")
    assert res.returncode == 2 and "unknown service 'mlfow'" in res.stderr


def test_rfc_why_follows_a_supersede_chain(git_repo):  # noqa: F811
    repo = Repo(git_repo)
    new_draft(git_repo)
    edit_front(repo, "rfcs/0003-feature-store.md", lambda d: d.update(
        status="accepted", title="Adopt the Kubeflow Model Registry", shepherd="jonas-weber",
        owning_sig="sig-tracking-registry", authors=["marcus-lee"], options=["kubeflow", "mlflow"],
        supersedes=[1], affects=[{"service": "mlflow-registry", "maturity": "deprecated"}],
        decision={"disposition": "accept", "chosen_option": "kubeflow",
                  "fcp_start": "2026-11-02T09:00:00+01:00", "fcp_end": "2026-11-09T17:00:00+01:00",
                  "signoffs": ["amelie-durand", "jonas-weber"], "decided": "2026-11-10",
                  "summary": "Move the registry to Kubeflow."}))
    edit_front(repo, RFC1, lambda d: d.update(status="superseded", superseded_by=[3]))
    res = mlhub("validate", "--root", str(git_repo))
    assert res.returncode == 0, res.stdout
    res = mlhub("rfc", "why", "mlflow-tracking", "--root", str(git_repo))
    assert "governed by RFC 0003: Adopt the Kubeflow Model Registry" in res.stdout
    assert "which supersedes RFC 0001" in res.stdout


def test_rfc_new_locally_then_outbox_shows_it_done(git_repo, tmp_path):  # noqa: F811
    env = {"MLHUB_ROOT": str(git_repo), "MLHUB_STATE_DIR": str(tmp_path / "state")}
    res = mlhub("rfc", "new", "Adopt Feast", "--sig", "sig-pipelines", "--author", "lea-fischer",
                "--option", "feast", env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "branch rfc/0003 holds rfcs/0003-adopt-feast.md" in res.stdout
    res = mlhub("outbox", "list", "--all", env=env, cwd=tmp_path)
    assert re.search(r"rfc +done +1 ", res.stdout) and "RFC 0003" in res.stdout  # kind, state, attempts


def test_rfc_new_with_a_bad_sig_is_a_usage_error(tmp_path):
    res = mlhub("rfc", "new", "X", "--sig", "sig-x", "--author", "lea-fischer",
                env={"MLHUB_STATE_DIR": str(tmp_path)})
    assert res.returncode == 2 and "--sig: unknown SIG 'sig-x'" in res.stderr and "Traceback" not in res.stderr


@pytest.fixture
def fake():
    from .conftest import REPO

    files = {p.relative_to(REPO).as_posix(): p.read_text() for p in (REPO / "rfcs").glob("*.md")}
    gh = FakeGitHub(token="s3cret-token-value", files=files).start()
    yield gh
    gh.stop()


def test_rfc_new_on_github_never_prints_the_token(fake, tmp_path):
    env = {"GITHUB_URL": fake.url, "GITHUB_TOKEN": "s3cret-token-value", "GITHUB_REPO": "acme/mlhub",
           "MLHUB_STATE_DIR": str(tmp_path)}
    fake.fail("create_file", "502")
    res = mlhub("rfc", "new", "Adopt Feast", "--sig", "sig-pipelines", "--author", "lea-fischer", env=env)
    assert res.returncode == 0, res.stderr
    assert "pull request #1 is open" in res.stdout and "retrying" in res.stdout
    assert "s3cret" not in res.stdout + res.stderr
    assert "s3cret" not in (tmp_path / "bot.sqlite").read_bytes().decode("latin-1")
    assert [p.labels for p in fake.pulls] == [["rfc", "sig-pipelines"]]


def test_outbox_retry_finishes_what_a_failure_left(fake, tmp_path):
    env = {"GITHUB_URL": fake.url, "GITHUB_TOKEN": "s3cret-token-value", "GITHUB_REPO": "acme/mlhub",
           "MLHUB_STATE_DIR": str(tmp_path)}
    fake.fail("create_pull", "502", times=5)
    res = mlhub("rfc", "new", "Adopt Feast", "--sig", "sig-pipelines", "--author", "lea-fischer", env=env)
    assert res.returncode == 1 and "mlhub outbox retry" in res.stderr
    assert "pending" in mlhub("outbox", "list", env=env).stdout
    res = mlhub("outbox", "retry", env=env)
    assert res.returncode == 0 and "pull request #1 is open" in res.stdout
    assert len(fake.pulls) == 1 and mlhub("outbox", "list", env=env).stdout.strip() == "nothing waiting to be published"


def test_partial_github_settings_are_a_usage_error():
    res = mlhub("rfc", "list", env={"GITHUB_URL": "https://api.github.com"})
    assert res.returncode == 2 and "missing GITHUB_TOKEN, GITHUB_REPO" in res.stderr


def test_outbox_retry_finishes_every_kind_and_an_old_outbox_file_moves_into_the_store(fake, tmp_path):
    from mlhub.publish.outbox import Outbox

    old = Outbox(tmp_path / "outbox.sqlite")  # as versions before the store held the outbox kept it
    old.add("minutes", {"day": "2026-11-24", "text": "# ML Sync 2026-11-24\n"})
    old.add("sigs-edit", {"title": "Skip the sync", "text": "sigs: []\n", "branch": "sig/sig-x/skip-2026-12-01"})
    old.engine.dispose()
    env = {"GITHUB_URL": fake.url, "GITHUB_TOKEN": "s3cret-token-value", "GITHUB_REPO": "acme/mlhub",
           "MLHUB_STATE_DIR": str(tmp_path)}
    res = mlhub("outbox", "retry", env=env)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert "The minutes of 2026-11-24: pull request #1 is open" in res.stdout
    assert "Skip the sync: pull request #2 is open" in res.stdout
    assert sorted(p.head for p in fake.pulls) == ["ml-sync/2026-11-24", "sig/sig-x/skip-2026-12-01"]
    assert not (tmp_path / "outbox.sqlite").exists() and (tmp_path / "outbox.sqlite.imported").exists()
    assert mlhub("outbox", "list", env=env).stdout.strip() == "nothing waiting to be published"
    again = mlhub("outbox", "retry", env=env)
    assert again.returncode == 0 and "nothing waiting to be published" in again.stdout and len(fake.pulls) == 2
