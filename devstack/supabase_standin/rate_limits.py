"""Supabase Auth's per-IP token buckets, as GoTrue keeps them for `/token`.

GoTrue limits `POST /token` (password and refresh_token grants in one bucket) per client IP with
tollbooth: a bucket of 30 that refills at GOTRUE_RATE_LIMIT_TOKEN_REFRESH per 5 minutes (150 by
default, so 1,800 an hour), forgotten after an hour unused. Past it: 429
`over_request_rate_limit`, "Request rate limit reached", with no Retry-After. Sources:
supabase/auth `internal/api/token.go` (Token -> performRateLimiting), `internal/api/apilimiter/
apilimiter.go` (`Token`: rate/(60*5) per second, burst 30), `internal/api/middleware.go`
(performRateLimiting), Supabase docs "Rate limits" (token bucket, capacity 30).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

BURST = 30
WINDOW_S = 5 * 60
FORGET_AFTER_S = 3600


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """One bucket per key (a client IP). `take(key)` is False when that key's bucket is empty."""

    def __init__(self, per_5_minutes: float, burst: int = BURST) -> None:
        self.burst = burst
        self.per_5_minutes = per_5_minutes
        self._buckets: dict[str, _Bucket] = {}

    def configure(self, per_5_minutes: float) -> None:
        """A new rate; every bucket starts full again (GoTrue builds a new limiter too)."""
        self.per_5_minutes = per_5_minutes
        self._buckets.clear()

    def take(self, key: str) -> bool:
        now = time.monotonic()
        if len(self._buckets) > 10_000:
            self._buckets = {k: b for k, b in self._buckets.items()
                             if now - b.at < FORGET_AFTER_S}
        bucket = self._buckets.get(key)
        if bucket is None or now - bucket.at >= FORGET_AFTER_S:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        rate = self.per_5_minutes / WINDOW_S
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True
