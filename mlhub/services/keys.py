"""Secrets the hub generates for the services it runs itself: created once, kept in the state folder
with mode 600, handed to child processes through their environment and never printed."""

from __future__ import annotations

import configparser
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from mlhub.config import Secret


def kept(path: Path, make: Callable[[], str]) -> Secret:
    """The secret in `path`; on first use `make` one and write it readable by its owner only."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it a moment ago: read theirs
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(make() + "\n")
    return Secret(path.read_text(encoding="utf-8").strip())


def token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


def access_key() -> str:
    """An access key id in the AWS shape: 20 upper-case letters and digits."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "AK" + "".join(secrets.choice(alphabet) for _ in range(18))


def aws_credentials_file(path: Path, key_id: str, secret: Secret) -> Path:
    """The keys as an AWS shared credentials file (mode 600), so that a shell reaches the store
    with AWS_SHARED_CREDENTIALS_FILE=PATH and no secret is ever printed."""
    ini = configparser.ConfigParser()
    ini["default"] = {"aws_access_key_id": key_id, "aws_secret_access_key": secret.reveal()}
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        ini.write(f)
    return path


def pgpass_file(path: Path, port: int, user: str, secret: Secret) -> Path:
    """The PostgreSQL password as a libpq password file (mode 600): a shell with PGPASSFILE=PATH
    connects with a URL that holds no password."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"127.0.0.1:{port}:*:{user}:{secret.reveal()}\n")
    return path
