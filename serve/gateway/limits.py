"""Per-key rate limiting: a token bucket per API key, in memory (one process) or in a file shared by the
gateway's worker processes, so that N workers still let each key through at its rate once, not N times; and
the growing wait imposed on a client address that keeps sending wrong API keys."""

from __future__ import annotations

import fcntl
import mmap
import struct
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path


def _refill_and_take(tokens: float, updated: float, now: float, rate: float, capacity: float) -> tuple[float, float]:
    """(tokens left, seconds to wait): 0 s when a token was spent, else the time until one is available."""
    tokens = min(capacity, tokens + (now - updated) * rate)
    if tokens >= 1:
        return tokens - 1, 0.0
    return tokens, (1 - tokens) / rate


class TokenBucket:
    """`burst` tokens, refilled at `rate` per second; take() says whether a request may pass now."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.capacity = rate, float(burst)
        self.tokens, self.updated = float(burst), time.monotonic()

    def take(self) -> float:
        """0 if allowed (a token is spent), else seconds until one is available."""
        now = time.monotonic()
        self.tokens, wait = _refill_and_take(self.tokens, self.updated, now, self.rate, self.capacity)
        self.updated = now
        return wait


class SharedBuckets:
    """The keys' buckets as (tokens, updated) slots in one file that every worker maps; a lock per take.

    `updated` is time.monotonic(), one clock for all processes of the machine.
    """

    _SLOT = struct.Struct("=dd")

    def __init__(self, path: Path):
        self._file = open(path, "r+b")  # noqa: SIM115 - kept open for the map's lifetime
        self._map = mmap.mmap(self._file.fileno(), 0)

    @classmethod
    def create(cls, path: Path, bursts: list[int]) -> None:
        """Write full buckets, one slot per key in config order (before the workers start)."""
        now = time.monotonic()
        path.write_bytes(b"".join(cls._SLOT.pack(float(burst), now) for burst in bursts))
        path.chmod(0o600)

    def bucket(self, index: int, rate: float, burst: int) -> SharedTokenBucket:
        return SharedTokenBucket(self, index * self._SLOT.size, rate, float(burst))

    def take(self, offset: int, rate: float, capacity: float) -> float:
        fcntl.flock(self._file, fcntl.LOCK_EX)
        try:
            tokens, updated = self._SLOT.unpack_from(self._map, offset)
            now = time.monotonic()
            tokens, wait = _refill_and_take(tokens, updated, now, rate, capacity)
            self._SLOT.pack_into(self._map, offset, tokens, now)
            return wait
        finally:
            fcntl.flock(self._file, fcntl.LOCK_UN)

    def close(self) -> None:
        self._map.close()
        self._file.close()


class SharedTokenBucket:
    """One key's bucket in a SharedBuckets file; the same take() as TokenBucket."""

    def __init__(self, shared: SharedBuckets, offset: int, rate: float, capacity: float):
        self.shared, self.offset, self.rate, self.capacity = shared, offset, rate, capacity

    def take(self) -> float:
        return self.shared.take(self.offset, self.rate, self.capacity)


class AuthFailures:
    """Wrong or missing API keys, counted per client address: after `free` failures in a row the address waits
    1 s before its next try, then 2, 4, 8 ... s up to `max_delay_s`. A right key (after the wait) clears it.

    Only the failing address waits, so a guesser cannot lock out a key used from elsewhere. An address is
    forgotten after FORGET_AFTER_S without a failure, and at most `max_addresses` are remembered (the least
    recently failing go first). Each worker process counts its own failures.
    """

    FORGET_AFTER_S = 900.0

    def __init__(
        self,
        free: int,
        max_delay_s: float,
        max_addresses: int = 65536,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.free, self.max_delay_s, self.max_addresses, self.clock = free, max_delay_s, max_addresses, clock
        self._addresses: OrderedDict[str, tuple[int, float]] = OrderedDict()  # address -> (failures, wait until)

    def wait(self, address: str) -> float:
        """Seconds ADDRESS must still wait before its key is checked again (0: check it now)."""
        entry = self._addresses.get(address) if self._addresses else None
        if entry is None:
            return 0.0
        until = entry[1]
        now = self.clock()
        if now - until > self.FORGET_AFTER_S:
            del self._addresses[address]
            return 0.0
        return max(0.0, until - now)

    def failed(self, address: str) -> None:
        failures = self._addresses.pop(address, (0, 0.0))[0] + 1
        now = self.clock()
        delay = min(self.max_delay_s, 2.0 ** (failures - self.free)) if failures >= self.free else 0.0
        self._addresses[address] = (failures, now + delay)
        while len(self._addresses) > self.max_addresses:
            self._addresses.popitem(last=False)

    def succeeded(self, address: str) -> None:
        if self._addresses:
            self._addresses.pop(address, None)
