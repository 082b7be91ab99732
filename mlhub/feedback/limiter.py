"""A flood limiter per address: a token bucket each, on an injected clock, with bounded memory."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass
class _Bucket:
    tokens: float
    at: float


class Limiter:
    """At most `burst` sends at once per address, refilled at `per_minute`; the least recently
    seen addresses are forgotten beyond `max_addresses` (a forgotten address starts full)."""

    def __init__(self, per_minute: float = 6, burst: int = 5, clock: Clock = time.monotonic,
                 max_addresses: int = 10_000):
        self.rate, self.burst, self.clock, self.cap = per_minute / 60, burst, clock, max_addresses
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, address: str) -> bool:
        """Whether one more send from `address` is allowed now; it is counted when it is."""
        now = self.clock()
        b = self._buckets.pop(address, None) or _Bucket(float(self.burst), now)
        b.tokens = min(float(self.burst), b.tokens + max(0.0, now - b.at) * self.rate)
        b.at = now
        ok = b.tokens >= 1
        if ok:
            b.tokens -= 1
        self._buckets[address] = b
        while len(self._buckets) > self.cap:
            self._buckets.popitem(last=False)
        return ok

    def retry_after(self, address: str) -> int:
        """Seconds until `address` may send again (0 if it may now)."""
        b = self._buckets.get(address)
        if b is None:
            return 0
        tokens = min(float(self.burst), b.tokens + max(0.0, self.clock() - b.at) * self.rate)
        return 0 if tokens >= 1 else math.ceil((1 - tokens) / self.rate)
