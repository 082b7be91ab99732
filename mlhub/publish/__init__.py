"""Publishing content changes as pull requests (GitHub) or local branches: one module that RFC
filing, ML Sync minutes and demo entries all use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Change:
    """One change to the repository: files on a new branch, proposed as one pull request."""

    branch: str
    files: dict[str, str]
    message: str
    title: str
    body: str = ""
    labels: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    author: tuple[str, str] | None = None  # (name, email) for local commits


@dataclass(frozen=True)
class Published:
    branch: str
    url: str | None  # the pull request, when there is one
    number: int | None
    where: str  # one line for the user: what exists now

    def __str__(self) -> str:
        return self.where


class PublishError(Exception):
    """Publishing stopped; the message says where it stands and what to do."""

    final = False  # True: trying again cannot publish it (the outbox marks the entry failed)


class BranchTaken(PublishError):
    """The branch exists and holds someone else's work (e.g. an RFC number claimed concurrently)."""


class BranchHeld(BranchTaken):
    """The change's own branch exists with a different change on it: no retry of this change can
    create it (a filing takes the next number instead; any other change has failed)."""

    final = True


class Journal(Protocol):
    """Where a publisher records its progress, persisted before each step (the outbox row)."""

    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


class MemoryJournal(dict):
    def set(self, key: str, value: Any) -> None:
        self[key] = value


class Publisher(Protocol):
    def taken_branches(self, prefix: str, progress: Progress = print) -> set[str]: ...

    def existing_files(self, folder: str, progress: Progress = print) -> set[str]: ...

    def publish(self, change: Change, journal: Journal, progress: Progress) -> Published: ...

    def read_file(self, branch: str, path: str, progress: Progress = ...) -> str | None: ...

    def update_file(self, branch: str, path: str, text: str, message: str, progress: Progress = ...) -> None: ...
