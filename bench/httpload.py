"""A closed-loop HTTP load generator: C clients, each on its own keep-alive connection, sending
prepared requests one after the other and timing each answer. Runs in its own process (asyncio,
raw sockets) so that its CPU does not sit in the server's or the doubles' process. Counts
connection resets and errors instead of stopping at the first."""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
from dataclasses import dataclass, field

TIMEOUT = 30.0


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)  # seconds, answered requests only
    resets: int = 0  # the connection was reset or closed under a request
    errors: int = 0  # an answer other than 200, or none within TIMEOUT
    wall: float = 0.0
    cpu: float = 0.0  # seconds of CPU this load generator spent (user + system) while sending
    statuses: dict[int, int] = field(default_factory=dict)

    def figures(self) -> dict:
        lat = sorted(self.latencies) or [float("nan")]
        n = len(self.latencies)
        return {"n": n, "p50": statistics.median(lat) * 1000, "p99": lat[max(0, int(n * 0.99) - 1)] * 1000,
                "max": lat[-1] * 1000, "rps": n / self.wall if self.wall else 0.0, "resets": self.resets,
                "errors": self.errors, "client_cpu_us": self.cpu / n * 1e6 if n else 0.0}


async def _read(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("closed")
    status = int(status_line.split()[1])
    length, chunked = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        key, _, value = line.decode("latin-1").partition(":")
        if key.lower() == "content-length":
            length = int(value)
        elif key.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _client(host: str, port: int, requests: list[bytes], out: Load) -> None:
    reader = writer = None
    for request in requests:
        for _attempt in range(2):
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                t0 = time.perf_counter()
                writer.write(request)
                status = await asyncio.wait_for(_read(reader), TIMEOUT)
                out.latencies.append(time.perf_counter() - t0)
                out.statuses[status] = out.statuses.get(status, 0) + 1
                if status != 200:
                    out.errors += 1
                break
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                out.resets += 1
                writer = None
            except TimeoutError:
                out.errors += 1
                writer = None
                break
    if writer is not None:
        writer.close()


async def _run(host: str, port: int, requests: list[bytes], clients: int) -> Load:
    out = Load()
    t0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(_client(host, port, requests[i::clients], out) for i in range(clients)))
    out.wall, out.cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return out


def _child(host, port, requests, clients, queue) -> None:
    queue.put(asyncio.run(_run(host, port, requests, clients)))


def run(host: str, port: int, requests: list[bytes], clients: int) -> Load:
    """Send every request with `clients` concurrent connections, from a child process."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(host, port, requests, clients, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def post(host: str, path: str, body: str, headers: dict[str, str]) -> bytes:
    """One HTTP/1.1 POST as bytes, keep-alive."""
    data = body.encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(data)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data
