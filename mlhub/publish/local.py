"""Publishing without GitHub: a commit on a new branch of the local repository, made with git's
plumbing so the working tree and the current branch are left as they are."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from mlhub.publish import BranchHeld, Change, Journal, Progress, Published, PublishError

ZERO = "0" * 40


class LocalGitPublisher:
    def __init__(self, root: Path):
        self.root = root

    def _git(self, *args: str, env: dict | None = None, stdin: str | None = None,
             check: bool = True) -> subprocess.CompletedProcess:
        res = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True,
                             input=stdin, env={**os.environ, **(env or {})})
        if check and res.returncode != 0:
            raise PublishError(f"git {args[0]} failed: {res.stderr.strip() or res.stdout.strip()}")
        return res

    def _base(self) -> str:
        res = self._git("rev-parse", "--verify", "HEAD^{commit}", check=False)
        if res.returncode != 0:
            raise PublishError(f"{self.root} is not a git repository with a commit; publishing "
                               "locally needs one (or set GITHUB_URL, GITHUB_TOKEN, GITHUB_REPO)")
        return res.stdout.strip()

    def taken_branches(self, prefix: str, progress: Progress = print) -> set[str]:
        out = self._git("for-each-ref", "--format=%(refname:short)", f"refs/heads/{prefix}").stdout
        return set(out.split())

    def existing_files(self, folder: str, progress: Progress = print) -> set[str]:
        self._base()
        out = self._git("ls-tree", "--name-only", "HEAD", f"{folder.rstrip('/')}/").stdout
        on_disk = {p.name for p in (self.root / folder).glob("*")} if (self.root / folder).is_dir() else set()
        return {Path(p).name for p in out.split()} | on_disk

    def _file_at(self, ref: str, path: str) -> str | None:
        res = self._git("show", f"{ref}:{path}", check=False)
        return res.stdout if res.returncode == 0 else None

    def publish(self, change: Change, journal: Journal, progress: Progress) -> Published:
        ref = f"refs/heads/{change.branch}"
        if self._git("rev-parse", "--verify", "--quiet", ref, check=False).returncode == 0:
            if all(self._file_at(ref, p) == t for p, t in change.files.items()):
                return self._done(change)
            raise BranchHeld(f"branch {change.branch} already exists with other content")
        base = self._base()
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self._git("read-tree", base, env=env)
            for path, text in change.files.items():
                blob = self._git("hash-object", "-w", "--stdin", stdin=text).stdout.strip()
                self._git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
            tree = self._git("write-tree", env=env).stdout.strip()
        who = {}
        if change.author:
            name, email = change.author
            who = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
                   "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
        commit = self._git("commit-tree", tree, "-p", base, "-m", change.message, env=who).stdout.strip()
        # creating the ref only if it does not exist makes the claim atomic
        res = self._git("update-ref", ref, commit, ZERO, check=False)
        if res.returncode != 0:
            raise BranchHeld(f"branch {change.branch} was created by someone else meanwhile")
        progress(f"committed {', '.join(change.files)} on branch {change.branch} ({commit[:8]})")
        return self._done(change)

    def _done(self, change: Change) -> Published:
        return Published(change.branch, None, None,
                         f"branch {change.branch} holds {', '.join(change.files)}; push it and open "
                         "a pull request")

    def read_file(self, branch: str, path: str, progress: Progress = print) -> str | None:
        return self._file_at(f"refs/heads/{branch}", path)

    def update_file(self, branch: str, path: str, text: str, message: str, progress: Progress = print) -> None:
        ref = f"refs/heads/{branch}"
        if self._file_at(ref, path) == text:
            return
        head = self._git("rev-parse", "--verify", ref).stdout.strip()
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self._git("read-tree", head, env=env)
            blob = self._git("hash-object", "-w", "--stdin", stdin=text).stdout.strip()
            self._git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
            tree = self._git("write-tree", env=env).stdout.strip()
        commit = self._git("commit-tree", tree, "-p", head, "-m", message,
                           env={"GIT_AUTHOR_NAME": "mlhub", "GIT_AUTHOR_EMAIL": "mlhub@localhost",
                                "GIT_COMMITTER_NAME": "mlhub", "GIT_COMMITTER_EMAIL": "mlhub@localhost"}).stdout.strip()
        self._git("update-ref", ref, commit, head)  # fails if the branch moved meanwhile
        progress(f"committed {path} on branch {branch} ({commit[:8]})")
