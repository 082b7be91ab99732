"""`mlhub rfc lint --base REF`: every status change since REF, commit by commit, follows the
state machine; new RFCs start as drafts; RFC files are never deleted."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mlhub.content.files import FileError, split_front_matter
from mlhub.content.loader import RFC_FILE, RFC_NON_RECORDS
from mlhub.content.models import RfcStatus
from mlhub.content.problems import Problem
from mlhub.rfc.lifecycle import move_error

CHECK = "rfc-history"
WORKTREE = "working tree"


class GitError(Exception):
    pass


def _git(root: Path, *args: str) -> str:
    res = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if res.returncode != 0:
        raise GitError(res.stderr.strip() or f"git {' '.join(args)} failed")
    return res.stdout


def _status_at(root: Path, rev: str, path: str) -> RfcStatus | None:
    """The status in a file at a revision (or in the working tree); None if absent or unreadable."""
    try:
        text = (root / path).read_text() if rev == WORKTREE else _git(root, "show", f"{rev}:{path}")
        data, _ = split_front_matter(text)
        return RfcStatus(data.get("status"))
    except (GitError, FileError, OSError, ValueError, AttributeError):
        return None


def _is_rfc(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return path.startswith("rfcs/") and name not in RFC_NON_RECORDS and bool(RFC_FILE.match(name))


def _changes(root: Path, old: str, new: str) -> list[tuple[str, str, str]]:
    """(letter, old path, new path) for RFC files changed between two revisions."""
    args = ["diff", "--name-status", "-M", old] + ([] if new == WORKTREE else [new]) + ["--", "rfcs/"]
    out = []
    for line in _git(root, *args).splitlines():
        parts = line.split("\t")
        letter = parts[0][0]
        before, after = (parts[1], parts[2]) if letter in "RC" else (parts[1], parts[1])
        if _is_rfc(after) or _is_rfc(before):
            out.append((letter, before, after))
    if new == WORKTREE:  # files git does not track yet are new RFCs too
        untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--", "rfcs/").split()
        out += [("A", p, p) for p in untracked if _is_rfc(p)]
    return out


def check_history(root: Path, base: str, worktree: bool = True) -> list[Problem]:
    try:
        _git(root, "rev-parse", "--verify", f"{base}^{{commit}}")
    except GitError:
        return [Problem("rfcs", "", f"--base {base!r} is not a commit in this repository", CHECK)]
    commits = _git(root, "rev-list", "--reverse", "--first-parent", f"{base}..HEAD").split()
    steps = list(zip([base, *commits], commits, strict=False))
    if worktree:
        steps.append(("HEAD", WORKTREE))
    problems = []
    for old, new in steps:
        where = "uncommitted changes" if new == WORKTREE else f"commit {new[:8]}"
        for letter, before, after in _changes(root, old, new):
            if letter == "D":
                problems.append(Problem(before, "status", f"an RFC file is never deleted ({where}); "
                                        "set its status to withdrawn instead", CHECK))
                continue
            then = None if letter == "A" else _status_at(root, old, before)
            now = _status_at(root, new, after)
            if now is None:
                continue  # unreadable front matter: `mlhub validate` reports it
            if then is None:
                if letter == "A" and now is not RfcStatus.draft:
                    problems.append(Problem(after, "status", f"a new RFC starts as draft, not "
                                            f"{now.value} ({where})", CHECK))
                continue
            if msg := move_error(then, now):
                problems.append(Problem(after, "status", f"{msg} ({where})", CHECK))
    return problems
