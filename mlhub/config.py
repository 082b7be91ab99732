"""Configuration, read once from the environment and typed. Every key is documented in
docs/reference/config.md (a test checks it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# key -> (default, one-line meaning); the reference docs have a heading per key.
KEYS: dict[str, tuple[str, str]] = {
    "MLHUB_ROOT": ("", "The repository checkout to read content from (default: found from the "
                       "working directory)."),
    "MLHUB_SITE_ADDR": ("127.0.0.1:8000", "Address `mlhub up` and `mlhub site serve` bind."),
}


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Config:
    root: Path
    site_addr: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        unknown = sorted(k for k in env if k.startswith("MLHUB_") and k not in KEYS)
        if unknown:
            raise ConfigError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(KEYS)}")
        root = Path(env["MLHUB_ROOT"]) if env.get("MLHUB_ROOT") else find_root(Path.cwd())
        addr = env.get("MLHUB_SITE_ADDR") or KEYS["MLHUB_SITE_ADDR"][0]
        host, _, port = addr.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"MLHUB_SITE_ADDR must be HOST:PORT, got {addr!r}")
        return cls(root=root.resolve(), site_addr=addr)


def find_root(start: Path) -> Path:
    """The nearest folder upwards holding mkdocs.yml and community/; else the start folder."""
    for folder in [start, *start.parents]:
        if (folder / "mkdocs.yml").is_file() and (folder / "community").is_dir():
            return folder
    return start
