"""Per-key rate limiting: a token bucket per API key."""

from __future__ import annotations

import time


class TokenBucket:
    """`burst` tokens, refilled at `rate` per second; take() says whether a request may pass now."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.capacity = rate, float(burst)
        self.tokens, self.updated = float(burst), time.monotonic()

    def take(self) -> float:
        """0 if allowed (a token is spent), else seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate
