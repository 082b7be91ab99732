"""A flood limiter per address: a token bucket each. The bucket's arithmetic is one pure function
(`spend`), kept in memory here (`Limiter`, bounded, on an injected clock) or in the bot's store, one
transaction per send, so that every replica counts the same (bot.ceremonies.feedback)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


def spend(tokens: float, elapsed: float, per_minute: float, burst: int) -> tuple[float, int]:
    """One send against a bucket holding `tokens`, `elapsed` seconds after it was last counted:
    (tokens left, 0) when it is allowed (and counted), else (tokens, seconds until it would be)."""
    rate = per_minute / 60
    tokens = min(float(burst), tokens + max(0.0, elapsed) * rate)
    if tokens >= 1:
        return tokens - 1, 0
    return tokens, math.ceil((1 - tokens) / rate)


def full_after(per_minute: float, burst: int) -> float:
    """Seconds after which any bucket is full again (so it may be forgotten)."""
    return burst / (per_minute / 60)


@dataclass
class _Bucket:
    tokens: float
    at: float


class Limiter:
    """At most `burst` sends at once per address, refilled at `per_minute`; the least recently
    seen addresses are forgotten beyond `max_addresses` (a forgotten address starts full)."""

    def __init__(self, per_minute: float = 6, burst: int = 5, clock: Clock = time.monotonic,
                 max_addresses: int = 10_000):
        self.per_minute, self.burst, self.clock, self.cap = per_minute, burst, clock, max_addresses
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def wait(self, address: str) -> int:
        """0 when one more send from `address` is allowed now (it is counted), else the seconds
        until it would be."""
        now = self.clock()
        b = self._buckets.pop(address, None) or _Bucket(float(self.burst), now)
        b.tokens, wait = spend(b.tokens, now - b.at, self.per_minute, self.burst)
        b.at = now
        self._buckets[address] = b
        while len(self._buckets) > self.cap:
            self._buckets.popitem(last=False)
        return wait

    def allow(self, address: str) -> bool:
        """Whether one more send from `address` is allowed now; it is counted when it is."""
        return self.wait(address) == 0

    def retry_after(self, address: str) -> int:
        """Seconds until `address` may send again (0 if it may now)."""
        b = self._buckets.get(address)
        if b is None:
            return 0
        return spend(b.tokens, self.clock() - b.at, self.per_minute, self.burst)[1]
