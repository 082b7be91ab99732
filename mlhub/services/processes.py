"""Service processes: free loopback ports, binaries found or named, a server started in its own
process group and waited for, then stopped with everything it forked."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path


class ServiceError(Exception):
    """A service could not start or be reached; an infrastructure problem, not a tutorial's."""


class PortInUse(ServiceError):
    """A port a service must bind is held by another process."""


class MissingBinary(ServiceError):
    """A server program is not installed where it is looked for."""


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports on 127.0.0.1 (all held open together, so none repeats)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]


def port_free(port: int) -> bool:
    """Whether a server could listen on the port now (servers set SO_REUSEADDR, so connections of
    a stopped one that linger in TIME_WAIT do not count)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def check_ports(ports: Mapping[str, int], hint: str = "") -> None:
    """Raise PortInUse naming the first port (and what it is for) that something else holds."""
    for what, port in ports.items():
        if not port_free(port):
            raise PortInUse(f"port {port} on 127.0.0.1 ({what}) is in use by another process"
                            + (f"; {hint}" if hint else ""))


def find_binary(name: str, override: str | None, setting: str, install: str) -> Path:
    """The program `override` names (a file, or a folder holding it), else `name` on PATH or
    beside this Python (a package's script in the virtualenv)."""
    if override:
        path = Path(override)
        path = path / name if path.is_dir() else path
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise MissingBinary(f"{name} not found at {override} ({setting}); {install}")
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        raise MissingBinary(f"{name} not found on PATH nor beside {sys.executable}; {install}, "
                            f"or set {setting}")
    return Path(found)


class Process:
    """One server process in a new session (its own process group), logging to a file."""

    def __init__(self, name: str, cmd: Sequence[str], log: Path, env: Mapping[str, str] | None = None):
        self.name, self.cmd, self.log, self.env = name, list(cmd), log, env
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> Process:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:  # the child keeps its own copy of the handle
            self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=dict(self.env) if self.env is not None else None,
                                         start_new_session=True)
        return self

    def wait_ready(self, ready: Callable[[], bool], timeout: float) -> None:
        """Poll `ready` until it holds; a process that exits or a timeout is a ServiceError."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServiceError(f"{self.name} exited with {self.proc.returncode}; see {self.log}")
            if ready():
                return
            time.sleep(0.2)
        self.stop()
        raise ServiceError(f"{self.name} did not become ready within {timeout:.0f} s; see {self.log}")

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the whole group, SIGKILL what is left after `grace` seconds (workers too)."""
        if self.proc is None:
            return
        pgid = self.proc.pid  # the session leader's pid is its group's id
        if self.proc.poll() is None:
            _signal_group(pgid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(pgid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # workers (gunicorn, uvicorn) may outlive the leader for a moment: end the whole group
        _signal_group(pgid, signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL the group at once, as a crash would (for fault tests)."""
        if self.proc is not None:
            _signal_group(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
