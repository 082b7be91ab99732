"""Publishing to GitHub with github3.py: branch, files, pull request, labels, review requests.
Every step first looks at what exists, so a retry after a partial success does nothing twice."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import github3
from github3 import exceptions as gh

from mlhub.config import GitHubConfig
from mlhub.publish import BranchHeld, BranchTaken, Change, Journal, Progress, Published, PublishError
from mlhub.publish.retry import RetryPolicy, call


def client(cfg: GitHubConfig, timeout: tuple[float, float] = (4, 10)) -> github3.GitHub:
    host = urlparse(cfg.url).hostname or ""
    if host in ("api.github.com", "github.com"):
        gh_client = github3.GitHub(token=cfg.token.reveal())
    else:
        gh_client = github3.GitHubEnterprise(cfg.url, token=cfg.token.reveal())
    gh_client.session.default_connect_timeout, gh_client.session.default_read_timeout = timeout
    return gh_client


def _or_none(fn):
    try:
        return fn()
    except gh.NotFoundError:
        return None


class GitHubPublisher:
    def __init__(self, cfg: GitHubConfig, policy: RetryPolicy | None = None,
                 timeout: tuple[float, float] = (4, 10)):
        self.cfg, self.policy = cfg, policy or RetryPolicy()
        self.gh = client(cfg, timeout)
        self._repo = None

    def _call(self, step, fn, progress, expect: tuple[type[Exception], ...] = ()):
        """One remote step, retried as the policy says; whatever GitHub still refuses becomes a
        PublishError naming the step and GitHub's answer (except the answers in `expect`, which the
        caller handles)."""
        try:
            return call(step, fn, self.policy, progress)
        except expect:
            raise
        except gh.AuthenticationFailed:
            raise PublishError(f"{step}: GitHub refused the token (401); set GITHUB_TOKEN to a token "
                               f"that can push to {self.cfg.owner}/{self.cfg.name}") from None
        except gh.ForbiddenError as exc:
            raise PublishError(f"{step}: GitHub forbids it (403: {exc.msg}); check the token's "
                               "permissions") from None
        except gh.GitHubError as exc:
            raise PublishError(f"{step}: GitHub answered {exc.code} ({exc.msg})") from None
        except gh.GitHubException as exc:  # no answer at all, or one github3.py could not read
            raise PublishError(f"{step}: {type(exc).__name__} ({exc})") from None

    def _made(self, step, fn, progress, expect: tuple[type[Exception], ...] = ()):
        """A step that must give something back: github3.py answers None where GitHub said 404."""
        out = self._call(step, fn, progress, expect)
        if out is None:
            raise PublishError(f"{step}: GitHub answered 404 (Not Found); the branch, pull request or the "
                               "token's access to the repository changed meanwhile")
        return out

    def repo(self, progress: Progress):
        if self._repo is None:
            repo = self._call("open the repository",
                              lambda: _or_none(lambda: self.gh.repository(self.cfg.owner, self.cfg.name)),
                              progress)
            if repo is None:
                raise PublishError(f"repository {self.cfg.owner}/{self.cfg.name} not found at "
                                   f"{self.cfg.url}, or the token cannot see it (GITHUB_REPO)")
            self._repo = repo
        return self._repo

    # --- what exists ------------------------------------------------------------------------

    def taken_branches(self, prefix: str, progress: Progress = print) -> set[str]:
        repo = self.repo(progress)
        refs = self._call("list branches", lambda: _or_none(lambda: list(repo.refs(f"heads/{prefix}"))),
                          progress) or []
        return {r.ref.removeprefix("refs/heads/") for r in refs}

    def existing_files(self, folder: str, progress: Progress = print) -> set[str]:
        repo = self.repo(progress)
        listing = self._call("list files", lambda: _or_none(lambda: repo.directory_contents(folder)),
                             progress) or []
        return {name for name, _ in listing}

    # --- publishing ---------------------------------------------------------------------------

    def _file_text(self, repo, path: str, branch: str, progress: Progress) -> str | None:
        found = self._call(f"read {path}", lambda: _or_none(lambda: repo.file_contents(path, ref=branch)),
                           progress)
        return found.decoded.decode("utf-8") if found is not None else None

    def _claim_branch(self, repo, change: Change, journal: Journal, progress: Progress) -> None:
        """Put the files on the new branch so that only one proposer can ever own it: commit them on
        a private draft branch first, then create the branch at that (unique) commit. Creating a
        ref is atomic on GitHub, so of two proposals for rfc/0003 exactly one wins. When a step
        fails, the draft is deleted: the next attempt starts a new one, and none is left behind."""
        try:
            self._claim_through_draft(repo, change, journal, progress)
        except PublishError:
            self._drop_draft(repo, journal, progress, strict=False)
            raise

    def _claim_through_draft(self, repo, change: Change, journal: Journal, progress: Progress) -> None:
        existing = self._call("look for the branch",
                              lambda: _or_none(lambda: repo.ref(f"heads/{change.branch}")), progress)
        if existing is not None:
            if existing.object.sha == journal.get("claim_commit") or self._all_present(repo, change, progress):
                progress(f"branch {change.branch} exists from an earlier attempt; continuing")
                return
            raise BranchHeld(f"branch {change.branch} is taken")
        draft = journal.get("draft")
        if not draft:
            draft = f"mlhub-draft/{uuid.uuid4().hex[:12]}"
            journal.set("draft", draft)  # before it exists: whoever finishes this entry deletes it
        head = self._made("read the default branch", lambda: repo.ref(f"heads/{repo.default_branch}"), progress)
        if self._call("look for the draft branch", lambda: _or_none(lambda: repo.ref(f"heads/{draft}")),
                      progress) is None:
            self._create_ref(repo, draft, head.object.sha, "create a draft branch", progress)
        self._commit_files(repo, change, draft, progress)
        commit = self._made("read the draft branch", lambda: repo.ref(f"heads/{draft}"), progress).object.sha
        journal.set("claim_commit", commit)
        if not self._create_ref(repo, change.branch, commit, f"create branch {change.branch}", progress):
            raise BranchHeld(f"branch {change.branch} was claimed by another proposal")
        progress(f"created branch {change.branch}")

    def _create_ref(self, repo, branch: str, sha: str, step: str, progress: Progress) -> bool:
        """Create a branch at a commit; True when it points there (made now or by an earlier call
        whose answer was lost), False when it exists at another commit."""
        try:
            self._made(step, lambda: repo.create_ref(f"refs/heads/{branch}", sha), progress,
                       expect=(gh.UnprocessableEntity,))
            return True
        except gh.UnprocessableEntity as exc:
            found = self._call("look for the branch", lambda: _or_none(lambda: repo.ref(f"heads/{branch}")),
                               progress)
            if found is None:  # refused for another reason than existing
                raise PublishError(f"{step}: GitHub answered {exc.code} ({exc.msg})") from None
            return found.object.sha == sha

    def _drop_draft(self, repo, journal: Journal, progress: Progress, strict: bool = True) -> None:
        """Delete the draft branch the journal names. strict: a failure stops the publication (it
        is finished only without a draft left); else the next attempt deletes it."""
        draft = journal.get("draft")
        if not draft:
            return

        def delete() -> None:
            # DELETE the ref by name, not through a looked-up Reference: github3.py answers None for
            # a lookup and False for a delete that got a 404, which would pass for "already gone"
            resp = repo._delete(f"{repo._api}/git/refs/heads/{draft}")
            gone = resp.status_code == 422 and "does not exist" in resp.text  # GitHub's answer when it is
            if resp.status_code != 204 and not gone:
                raise gh.error_for(resp)

        try:
            self._call(f"delete the draft branch {draft}", delete, progress)
            journal.set("draft", None)
        except PublishError as exc:
            if strict:
                raise
            progress(f"could not delete the draft branch {draft} ({exc}); the next attempt deletes it")

    def _all_present(self, repo, change: Change, progress: Progress) -> bool:
        return all(self._file_text(repo, p, change.branch, progress) == t for p, t in change.files.items())

    def _commit_files(self, repo, change: Change, branch: str, progress: Progress) -> None:
        for path, text in change.files.items():
            current = self._call(f"read {path}", lambda p=path: _or_none(lambda: repo.file_contents(p, ref=branch)),
                                 progress)
            if current is not None:
                self._update_base_file(repo, change, branch, path, text, current, progress)
                continue
            try:
                self._made(f"commit {path}", lambda p=path, t=text: repo.create_file(
                    p, change.message, t.encode("utf-8"), branch=branch), progress, expect=(gh.UnprocessableEntity,))
            except gh.UnprocessableEntity as exc:
                # the file exists: an earlier call landed after all, or someone else wrote it
                found = self._file_text(repo, path, branch, progress)
                if found is None:
                    raise PublishError(f"commit {path}: GitHub answered {exc.code} ({exc.msg})") from None
                if found != text:
                    raise BranchTaken(f"{path} on {branch} was written by someone else") from None
            progress(f"committed {path}")

    def _update_base_file(self, repo, change: Change, branch: str, path: str, text: str, current,
                          progress: Progress) -> None:
        """A change to a file the default branch has (a request's status or tally): updated on the
        draft branch when it still holds the default branch's version; anything else on it is
        someone else's work."""
        have = current.decoded.decode("utf-8")
        if have == text:
            return
        if have != self._file_text(repo, path, repo.default_branch, progress):
            raise BranchTaken(f"{path} on {branch} was written by someone else")
        try:
            self._call(f"commit {path}", lambda: current.update(change.message, text.encode("utf-8"), branch=branch),
                       progress)
        except gh.Conflict:  # 409: the file moved since it was read; an earlier call may have landed
            if self._file_text(repo, path, branch, progress) != text:
                raise BranchTaken(f"{path} on {branch} was changed meanwhile") from None
        progress(f"committed {path}")

    def _open_pull(self, repo, change: Change, progress: Progress):
        head = f"{self.cfg.owner}:{change.branch}"

        def find():
            return next(iter(repo.pull_requests(state="open", head=head)), None)

        pull = self._call("look for the pull request", find, progress)
        if pull is None:
            try:
                pull = self._made("open the pull request", lambda: repo.create_pull(
                    change.title, repo.default_branch, change.branch, change.body), progress,
                    expect=(gh.UnprocessableEntity,))
            except gh.UnprocessableEntity as exc:  # one exists already (an earlier call landed)?
                pull = self._call("look for the pull request", find, progress)
                if pull is None:
                    raise PublishError(f"open the pull request: GitHub answered {exc.code} ({exc.msg})") from None
            progress(f"opened pull request #{pull.number}: {pull.html_url}")
        return pull

    def publish(self, change: Change, journal: Journal, progress: Progress) -> Published:
        repo = self.repo(progress)
        if journal.get("branch") != change.branch:
            journal.set("branch", change.branch)  # what a person is told is left for later names it
        if not journal.get("files_committed"):
            self._claim_branch(repo, change, journal, progress)
            journal.set("files_committed", True)
        else:  # an earlier attempt made the branch: it gets the current text (a republish may change it)
            for path, text in change.files.items():
                self._put_file(repo, change.branch, path, text, change.message, progress)
        self._drop_draft(repo, journal, progress)
        pull = self._open_pull(repo, change, progress)
        journal.set("pull", {"number": pull.number, "url": pull.html_url})
        if change.labels and not journal.get("labelled"):
            issue = self._made("read the pull request's issue", lambda: repo.issue(pull.number), progress)
            got = self._call("add labels", lambda: issue.add_labels(*change.labels), progress) or []
            if not set(change.labels) <= {label.name for label in got}:
                raise PublishError(f"add labels: GitHub did not add {', '.join(change.labels)} to pull request "
                                   f"#{pull.number}")
            journal.set("labelled", True)
        if change.reviewers and not journal.get("reviewers_requested"):
            full = self._made("read the pull request", lambda: repo.pull_request(pull.number), progress)
            self._made("request reviews", lambda: full.create_review_requests(reviewers=change.reviewers),
                       progress)
            journal.set("reviewers_requested", True)
        return Published(change.branch, pull.html_url, pull.number,
                         f"pull request #{pull.number} is open: {pull.html_url}")

    def _put_file(self, repo, branch: str, path: str, text: str, message: str, progress: Progress) -> None:
        """Make a file on a branch read `text`: created, updated, or left as it is."""
        current = self._call(f"read {path}", lambda: _or_none(lambda: repo.file_contents(path, ref=branch)),
                             progress)
        if current is None:
            self._made(f"commit {path}", lambda: repo.create_file(path, message, text.encode("utf-8"), branch=branch),
                       progress)
        elif current.decoded.decode("utf-8") != text:
            self._made(f"commit {path}", lambda: current.update(message, text.encode("utf-8"), branch=branch),
                       progress)
        else:
            return
        progress(f"committed {path} on {branch}")

    # --- editing a file on an existing branch (status changes, decision blocks) ---------------

    def read_file(self, branch: str, path: str, progress: Progress = print) -> str | None:
        return self._file_text(self.repo(progress), path, branch, progress)

    def update_file(self, branch: str, path: str, text: str, message: str, progress: Progress = print) -> None:
        """Commit a new version of a file on a branch; doing it twice changes nothing."""
        repo = self.repo(progress)
        if self._file_text(repo, path, branch, progress) is None:
            raise PublishError(f"{path} is not on branch {branch}")
        self._put_file(repo, branch, path, text, message, progress)
