"""Is it up? Probe each endpoint's health URL, concurrently and with a timeout; keep the report."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import requests

from mlhub.content.models import Cluster

REPORT_VERSION = 1
MAX_BODY = 64 * 1024  # a health answer is a few bytes; never read a large page to the end
USER_AGENT = "mlhub-clusters-check"
GRACE_S = 1.0  # beyond timeout x rounds, for threads to start and results to be collected


class Status(StrEnum):
    up = "up"
    down = "down"  # refused, unreachable, TLS failure or any answer but HTTP 200
    timeout = "timeout"  # no answer within the timeout


@dataclass(frozen=True)
class Target:
    """One health URL to probe: a service on a cluster."""

    cluster: str
    stage: str
    service: str
    url: str

    @property
    def key(self) -> tuple[str, str]:
        return self.cluster, self.service


@dataclass(frozen=True)
class Result:
    cluster: str
    stage: str
    service: str
    url: str
    status: Status
    detail: str  # "HTTP 200", "connection refused", "no answer within 5 s", ...
    http_status: int | None = None
    seconds: float | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.cluster, self.service


@dataclass(frozen=True)
class Report:
    """Every result of one check, and when it ran (UTC)."""

    checked_at: dt.datetime
    timeout_s: float
    results: tuple[Result, ...]

    @property
    def ok(self) -> bool:
        return all(r.status is Status.up for r in self.results)

    def result(self, cluster: str, service: str) -> Result | None:
        return next((r for r in self.results if r.key == (cluster, service)), None)

    def to_json(self) -> str:
        return json.dumps({"version": REPORT_VERSION, "checked_at": self.checked_at.isoformat(),
                           "timeout_s": self.timeout_s, "results": [asdict(r) for r in self.results]},
                          indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Report:
        data = json.loads(text)
        if data.get("version") != REPORT_VERSION:
            raise ValueError(f"report version {data.get('version')!r}, expected {REPORT_VERSION}")
        results = tuple(Result(**(r | {"status": Status(r["status"])})) for r in data["results"])
        return cls(dt.datetime.fromisoformat(data["checked_at"]), float(data["timeout_s"]), results)


def targets(clusters: Iterable[Cluster]) -> list[Target]:
    """Every service endpoint that has a health URL, cluster by cluster."""
    return [Target(c.name, c.stage.value, sid, str(svc.health))
            for c in clusters for sid, svc in c.services.items() if svc.health is not None]


def _reason(exc: requests.ConnectionError) -> str:
    text = str(exc)
    for needle, reason in (("Connection refused", "connection refused"),
                           ("Name or service not known", "host name not found"),
                           ("nodename nor servname", "host name not found"),
                           ("Temporary failure in name resolution", "host name not found"),
                           ("No route to host", "no route to host"),
                           ("Network is unreachable", "network unreachable"),
                           ("RemoteDisconnected", "closed the connection without answering"),
                           ("Connection reset", "connection reset")):
        if needle in text:
            return reason
    return f"connection failed ({type(exc).__name__})"


def probe(target: Target, timeout: float) -> Result:
    """GET the health URL once: up on HTTP 200 within `timeout` seconds, without following
    redirects (a redirect to a login page is not a healthy service)."""
    def result(status: Status, detail: str, code: int | None = None) -> Result:
        return Result(target.cluster, target.stage, target.service, target.url, status, detail, code,
                      round(time.monotonic() - t0, 3))

    t0 = time.monotonic()
    try:
        with requests.get(target.url, timeout=(timeout, timeout), allow_redirects=False, stream=True,
                          headers={"User-Agent": USER_AGENT}) as resp:
            read = 0
            for chunk in resp.iter_content(8192):
                read += len(chunk)
                if time.monotonic() - t0 > timeout:
                    return result(Status.timeout, f"answer not complete within {timeout:g} s", resp.status_code)
                if read >= MAX_BODY:
                    break
            code = resp.status_code
    except requests.Timeout:
        return result(Status.timeout, f"no answer within {timeout:g} s")
    except requests.exceptions.SSLError:
        return result(Status.down, "TLS handshake failed (certificate?)")
    except requests.ConnectionError as exc:
        if "timed out" in str(exc).lower():  # a read timeout while streaming the body
            return result(Status.timeout, f"no answer within {timeout:g} s")
        return result(Status.down, _reason(exc))
    except requests.RequestException as exc:
        return result(Status.down, f"request failed ({type(exc).__name__})")
    if time.monotonic() - t0 > timeout:
        return result(Status.timeout, f"answered after more than {timeout:g} s", code)
    if code == 200:
        return result(Status.up, "HTTP 200", code)
    if 300 <= code < 400:
        where = resp.headers.get("Location", "elsewhere")
        return result(Status.down, f"HTTP {code}: redirects to {where} (is it behind a login?)", code)
    return result(Status.down, f"HTTP {code}", code)


def check(probe_targets: list[Target], timeout: float = 5.0, concurrency: int = 8,
          now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
          progress: Callable[[Result], None] | None = None,
          probe_fn: Callable[[Target, float], Result] = probe) -> Report:
    """Probe every target, `concurrency` at a time; results keep the targets' order. The whole
    check ends within 2 x timeout x rounds (+1 s) even if a probe hangs where no socket timeout
    reaches (a stuck name lookup): what has not answered by then is reported as a timeout."""
    if timeout <= 0 or concurrency < 1:
        raise ValueError("timeout must be positive and concurrency at least 1")
    started = now()
    results: list[Result | None] = [None] * len(probe_targets)
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    finished: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(len(probe_targets)):
        todo.put(i)

    def work() -> None:
        while True:
            try:
                i = todo.get_nowait()
            except queue.Empty:
                return
            results[i] = probe_fn(probe_targets[i], timeout)
            finished.put(i)

    workers = min(concurrency, len(probe_targets))
    for _ in range(workers):  # daemons: a hung probe never keeps the process from exiting
        threading.Thread(target=work, daemon=True, name="mlhub-check").start()
    # a probe may take the timeout to connect and again to answer
    deadline = time.monotonic() + 2 * timeout * math.ceil(len(probe_targets) / max(workers, 1)) + GRACE_S
    for _ in probe_targets:
        try:
            i = finished.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if progress and (res := results[i]):
            progress(res)
    out = tuple(r if r is not None else Result(t.cluster, t.stage, t.service, t.url, Status.timeout,
                                                f"no answer within {timeout:g} s (the probe hung)")
                for r, t in zip(list(results), probe_targets, strict=True))
    return Report(started.astimezone(dt.UTC), timeout, out)


def report_path(state_dir: Path) -> Path:
    """Where the last check is kept for the site and the CLI (live state, never committed)."""
    return state_dir / "clusters" / "health.json"


def save(report: Report, state_dir: Path) -> Path:
    path = report_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(report.to_json(), encoding="utf-8")
    os.replace(tmp, path)  # readers (the site build) never see half a report
    return path


def load(state_dir: Path) -> Report | None:
    """The last saved report; None when there is none or it cannot be read (the page then says
    the clusters were not checked, rather than failing the build)."""
    try:
        return Report.from_json(report_path(state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
