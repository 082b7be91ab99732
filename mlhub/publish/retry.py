"""Retrying remote calls: server errors, rate limits (403/429 with reset headers) and timeouts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from github3 import exceptions as gh

from mlhub.publish import Progress, PublishError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5  # seconds, doubled on each retry
    max_delay: float = 60.0  # a longer rate-limit reset stops instead of blocking for an hour
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time


def rate_limit_wait(exc: gh.ResponseError, clock: Callable[[], float]) -> float | None:
    """Seconds to wait when a 403/429 is a rate limit (Retry-After or X-RateLimit-Reset), else None."""
    resp = exc.response
    if resp.status_code not in (403, 429):
        return None
    headers = resp.headers
    if headers.get("Retry-After", "").isdigit():
        return float(headers["Retry-After"])
    if headers.get("X-RateLimit-Remaining") == "0" and headers.get("X-RateLimit-Reset", "").isdigit():
        return max(0.0, float(headers["X-RateLimit-Reset"]) - clock())
    return None if resp.status_code == 403 else 1.0


def call(step: str, fn: Callable[[], T], policy: RetryPolicy, progress: Progress) -> T:
    """Run one remote step, retrying what may succeed later; errors that will not are raised."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return fn()
        except gh.ServerError as exc:
            why, wait = f"GitHub answered {exc.code}", policy.base_delay * 2 ** (attempt - 1)
        except (gh.ConnectionError, gh.TransportError) as exc:
            why, wait = f"no answer ({type(exc.exception).__name__})", policy.base_delay * 2 ** (attempt - 1)
        except (gh.ForbiddenError, gh.ClientError) as exc:
            limit = rate_limit_wait(exc, policy.clock)
            if limit is None:
                raise
            if limit > policy.max_delay:
                raise PublishError(f"{step}: GitHub's rate limit resets in {limit:.0f} s") from None
            why, wait = f"rate limited ({exc.code})", limit
        if attempt == policy.attempts:
            raise PublishError(f"{step}: gave up after {attempt} attempts ({why})")
        progress(f"{step}: {why}; retrying in {wait:.1f} s (attempt {attempt + 1}/{policy.attempts})")
        policy.sleep(min(wait, policy.max_delay))
    raise AssertionError("unreachable")
