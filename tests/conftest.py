"""Shared fixtures: a writable copy of the repository's content and a fixed clock."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml

pytest_plugins = ["tests.bot_fixtures"]  # the `bot` fixture

REPO = Path(__file__).resolve().parent.parent
CONTENT = ["community", "catalog", "clusters", "requests", "rfcs", "demos", "tutorials", "docs", "mkdocs.yml", "mlhub"]
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)

# The two whole golden-path chains take minutes each, most of `make test`'s critical path: they go
# first, each to its own xdist worker (`make test` passes --no-loadscope-reorder, which otherwise sends
# the files with the most tests first and these two last), and the short files fill in around them.
LONGEST_FIRST = ("test_platform_chain.py", "test_tutorials.py")


def pytest_collection_modifyitems(items) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


class Copy:
    """A copy of the repository's content in a temporary folder, with small editing helpers."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, rel: str) -> Path:
        return self.root / rel

    def read_yaml(self, rel: str):
        return yaml.safe_load(self.path(rel).read_text(encoding="utf-8"))

    def write_yaml(self, rel: str, data) -> None:
        self.path(rel).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                                  encoding="utf-8")

    def edit_yaml(self, rel: str, fn) -> None:
        data = self.read_yaml(rel)
        fn(data)
        self.write_yaml(rel, data)

    def edit_text(self, rel: str, old: str, new: str) -> None:
        text = self.path(rel).read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        self.path(rel).write_text(text.replace(old, new, 1), encoding="utf-8")


def copy_repo(dest: Path) -> Copy:
    for name in CONTENT:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        elif src.exists():
            shutil.copy2(src, dest / name)
    (dest / "tutorials").mkdir(exist_ok=True)
    return Copy(dest)


@pytest.fixture
def repo(tmp_path: Path) -> Copy:
    return copy_repo(tmp_path / "repo")


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    """A real `mlflow server` on a free loopback port, for the whole test session."""
    from mlhub.services.mlflow_server import MlflowServer

    with MlflowServer(tmp_path_factory.mktemp("mlflow-state")) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server (CI installs it); skipped only outside CI when it is missing."""

    from mlhub.services.postgres import installed, temporary_server

    if not installed(os.environ.get("MLHUB_PG_BIN")):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing: ci/system-deps.sh should install them")
        pytest.skip("PostgreSQL server binaries not installed; run `make system-deps`")
    with temporary_server() as url:
        yield url


def platform_state() -> Path:
    """A state folder PostgreSQL's system user can reach (pytest's own temp root is 0700); skipped
    only outside CI when PostgreSQL's server binaries are missing."""

    from mlhub.services.postgres import installed

    if not installed(os.environ.get("MLHUB_PG_BIN")):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing: ci/system-deps.sh should install them")
        pytest.skip("PostgreSQL server binaries not installed; run `make system-deps`")
    path = Path(tempfile.mkdtemp(prefix="mlhub-platform-"))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="session")
def platform_profile():
    """The platform profile (PostgreSQL, the SeaweedFS object store, MLflow on both) on free ports
    in a temporary folder, started once for the session; MLflow's webhook cache is short (1 s)."""
    from mlhub.services.profile import Platform

    state = platform_state()
    platform = Platform(state, mlflow_extra_env={"MLFLOW_WEBHOOK_CACHE_TTL": "1"})
    try:
        yield platform.start()
    finally:
        platform.stop()
        shutil.rmtree(state, ignore_errors=True)


def use_platform_clients(monkeypatch, platform) -> None:
    """This process as a client of `platform`: its S3 endpoint and keys in the environment, and
    boto3's default session (which keeps the first credentials it found) and MLflow's S3 client
    cache started afresh, so keys an earlier test exported are not used against this store."""
    import boto3
    from mlflow.store.artifact import s3_artifact_repo

    for key, value in platform.client_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_SHARED_CREDENTIALS_FILE", raising=False)
    boto3.DEFAULT_SESSION = None
    s3_artifact_repo._cached_get_s3_client.cache_clear()
