"""Routing policies: in which order the gateway tries the backends of one model or role, and why.

Every policy orders all the backends (the rest are the failover list) and puts last those in a cool-down: a
backend that answered 429 (for its Retry-After) or failed to answer (for `retry_after_s`). What each policy
puts first: round_robin the next in turn (the default); failover the first in configured order; weighted a
smooth weighted round-robin (nginx's); cost the cheapest (ties take turns; a lab host without a cost counts as
free, an outside provider without one as the dearest); latency the lowest recent latency
times the requests in flight, with one request in EXPLORE_EVERY sent to the backend measured longest ago so a
recovered backend is seen again; load the fewest requests in flight here plus running and waiting by the
backend's own /metrics, a full KV cache counting extra. `sticky` puts first the backend a conversation hashes
to (rendezvous hashing: only the conversations of a backend that goes away move).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from serve.catalog import Routing
from serve.gateway.config import BackendConfig

EXPLORE_EVERY = 20  # latency policy: one request in this many re-measures the backend measured longest ago
EWMA_ALPHA = 0.2  # weight of a new latency sample
KV_FULL = 0.95  # KV cache usage from which a backend preempts requests: counts as FULL_KV_PENALTY more requests
FULL_KV_PENALTY = 8.0
STICKY_HEADER = b"x-chemassist-session"
STICKY_PREFIX_MESSAGES = 2  # without a session id or `user`, a conversation is known by its first messages

# Backend /metrics names: vLLM (old and new KV names) and llama-server (--metrics).
RUNNING = ("vllm:num_requests_running", "llamacpp:requests_processing")
WAITING = ("vllm:num_requests_waiting", "llamacpp:requests_deferred")
KV_USAGE = ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc", "llamacpp:kv_cache_usage_ratio")


@dataclass
class BackendStats:
    """What the gateway knows about one backend now: its own measurements and the backend's last /metrics."""

    inflight: int = 0
    latency_s: float | None = None  # EWMA of the time to the reply's headers (stream) or the whole reply
    measured_at: float = 0.0
    cooldown_until: float = 0.0  # time.monotonic(); avoided until then
    cooldown_reason: str = ""
    running: float = 0.0
    waiting: float = 0.0
    kv_usage: float | None = None
    scraped_at: float | None = None
    scrape_error: str = ""
    chosen: int = 0

    def observe(self, seconds: float, now: float) -> None:
        self.latency_s = seconds if self.latency_s is None else self.latency_s + EWMA_ALPHA * (seconds - self.latency_s)
        self.measured_at = now

    def cool_down(self, until: float, reason: str) -> None:
        if until > self.cooldown_until:
            self.cooldown_until, self.cooldown_reason = until, reason

    def load_score(self) -> float:
        kv = FULL_KV_PENALTY if self.kv_usage is not None and self.kv_usage >= KV_FULL else 0.0
        return self.inflight + self.running + 2.0 * self.waiting + kv


@dataclass
class Decision:
    backend: str
    reason: str  # a metrics label: rotation, priority, weight, cheapest, fastest, explore, least_loaded, sticky, ...
    detail: str  # for people: the numbers behind it


@dataclass
class RoutePlan:
    """The backends of one served name or alias, and the policy that orders them."""

    name: str
    routing: Routing
    backends: list[BackendConfig]
    stats: dict[str, BackendStats]
    _turn: int = 0
    _explore: int = 0
    _current: dict[str, float] = field(default_factory=dict)  # smooth weighted round-robin state
    last: Decision | None = None
    decisions: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def policy(self) -> str:
        return self.routing.policy

    def order(self, sticky_key: str | None = None, now: float | None = None) -> list[BackendConfig]:
        """The backends to try, first choice first; records the decision (see `last`)."""
        backends = self.backends
        if not backends:
            return backends
        now = time.monotonic() if now is None else now
        stats = self.stats
        if len(backends) == 1:
            ordered, decision = backends, Decision(backends[0].name, "only", "the only backend")
        elif sticky_key is not None:
            ordered = sorted(backends, key=lambda b: _rendezvous(sticky_key, b.name), reverse=True)
            decision = Decision(ordered[0].name, "sticky", f"conversation {sticky_key[:12]} hashes to it")
        else:
            ordered, decision = self._by_policy(backends, now)
        cooling = [b for b in ordered if stats[b.name].cooldown_until > now]
        if cooling and len(cooling) < len(ordered):
            first = ordered[0]
            ordered = [b for b in ordered if stats[b.name].cooldown_until <= now] + cooling
            if ordered[0] is not first:
                why = stats[first.name].cooldown_reason
                decision = Decision(ordered[0].name, "avoid_" + why.split(" ")[0], f"{first.name} {why}")
        self.last = decision
        key = (decision.backend, decision.reason)
        self.decisions[key] = self.decisions.get(key, 0) + 1
        stats[decision.backend].chosen += 1
        return ordered

    def _rotate(self, backends: list[BackendConfig]) -> list[BackendConfig]:
        start = self._turn % len(backends)
        self._turn = start + 1
        return backends[start:] + backends[:start]

    def _by_policy(self, backends: list[BackendConfig], now: float) -> tuple[list[BackendConfig], Decision]:
        policy, stats = self.routing.policy, self.stats
        if policy == "failover":
            return backends, Decision(backends[0].name, "priority", "first in configured order")
        if policy == "weighted":
            return self._weighted(backends, now)
        if policy == "cost":
            ordered = sorted(self._rotate(backends), key=_cost)
            cost = ordered[0].cost_per_m_tokens
            detail = "no cost given" if cost is None else f"US${cost:g} per million tokens"
            return ordered, Decision(ordered[0].name, "cheapest", detail)
        if policy == "latency":
            return self._fastest(backends, now)
        if policy == "load":
            ordered = sorted(self._rotate(backends), key=lambda b: stats[b.name].load_score())
            s = stats[ordered[0].name]
            detail = (
                f"score {s.load_score():g}: {s.inflight} in flight here, "
                f"{s.running:g} running and {s.waiting:g} waiting there"
            )
            return ordered, Decision(ordered[0].name, "least_loaded", detail)
        ordered = self._rotate(backends)
        return ordered, Decision(ordered[0].name, "rotation", "next in turn")

    def _weighted(self, backends: list[BackendConfig], now: float) -> tuple[list[BackendConfig], Decision]:
        # Smooth weighted round-robin over the backends not cooling down: each gains its weight, the richest is
        # picked and pays the total. A 3:1 pair goes a a b a, never a burst of a's.
        current, stats = self._current, self.stats
        usable = [b for b in backends if stats[b.name].cooldown_until <= now] or backends
        total = sum(b.weight for b in usable)
        for b in usable:
            current[b.name] = current.get(b.name, 0.0) + b.weight
        chosen = max(usable, key=lambda b: current[b.name])
        current[chosen.name] -= total
        rest = sorted((b for b in backends if b is not chosen), key=lambda b: -b.weight)
        return [chosen, *rest], Decision(chosen.name, "weight", f"weight {chosen.weight:g} of {total:g}")

    def _fastest(self, backends: list[BackendConfig], now: float) -> tuple[list[BackendConfig], Decision]:
        stats = self.stats
        self._explore += 1
        if self._explore % EXPLORE_EVERY == 0:
            stalest = min(backends, key=lambda b: stats[b.name].measured_at)
            return [stalest, *(b for b in backends if b is not stalest)], Decision(
                stalest.name, "explore", "re-measuring the backend measured longest ago"
            )

        def score(b: BackendConfig) -> float:
            s = stats[b.name]
            return 0.0 if s.latency_s is None else s.latency_s * (1 + s.inflight)

        ordered = sorted(self._rotate(backends), key=score)
        s = stats[ordered[0].name]
        detail = "not measured yet"
        if s.latency_s is not None:
            detail = f"{s.latency_s * 1000:.1f} ms recently, {s.inflight} in flight"
        return ordered, Decision(ordered[0].name, "fastest", detail)

    def status(self, now: float) -> dict[str, Any]:
        """For the JSON status endpoint: the policy, each backend's numbers, the last decision and the counts."""
        return {
            "policy": self.routing.policy,
            "sticky": self.routing.sticky,
            "allow_external": self.routing.allow_external,
            "backends": [backend_status(b, self.stats[b.name], now) for b in self.backends],
            "last_decision": None if self.last is None else vars(self.last),
            "decisions": [{"backend": b, "reason": r, "count": n} for (b, r), n in sorted(self.decisions.items())],
        }


def backend_status(backend: BackendConfig, s: BackendStats, now: float) -> dict[str, Any]:
    cooling = max(0.0, s.cooldown_until - now)
    return {
        "name": backend.name,
        "external": backend.external,
        "weight": backend.weight,
        "cost_per_m_tokens": backend.cost_per_m_tokens,
        "in_flight": s.inflight,
        "latency_ms": None if s.latency_s is None else round(s.latency_s * 1000, 2),
        "running": s.running,
        "waiting": s.waiting,
        "kv_cache_usage": s.kv_usage,
        "metrics_age_s": None if s.scraped_at is None else round(now - s.scraped_at, 2),
        "metrics_error": s.scrape_error or None,
        "cooldown_s": round(cooling, 2) if cooling else 0,
        "cooldown_reason": s.cooldown_reason if cooling else None,
        "chosen": s.chosen,
    }


def _cost(backend: BackendConfig) -> float:
    """A lab host without a stated cost counts as free (already paid for); a provider without one as dearest."""
    if backend.cost_per_m_tokens is None:
        return math.inf if backend.external else 0.0
    return backend.cost_per_m_tokens


def _rendezvous(key: str, backend: str) -> bytes:
    return hashlib.blake2b(f"{key}\0{backend}".encode(), digest_size=8).digest()


def sticky_key(headers: list[tuple[bytes, bytes]], body: dict[str, Any]) -> str:
    """The conversation a request belongs to: its X-Chemassist-Session header, else the `user` field, else a
    hash of its first messages (the system prompt and the first question stay put across turns)."""
    for name, value in headers:
        if name == STICKY_HEADER and value.strip():
            return "session:" + value.strip().decode("latin-1")
    user = body.get("user")
    if isinstance(user, str) and user:
        return "user:" + user
    first = body.get("messages")
    first = first[:STICKY_PREFIX_MESSAGES] if isinstance(first, list) else body.get("prompt", body.get("input"))
    text = json.dumps(first, sort_keys=True, default=str)[:4096]
    return "prefix:" + hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def parse_backend_metrics(text: str) -> tuple[float, float, float | None]:
    """(requests running, requests waiting, KV cache usage 0..1 or None) from a vLLM or llama-server /metrics
    page; values of several models on one server are summed (the KV cache is shared: the largest is kept)."""
    running = waiting = 0.0
    kv: float | None = None
    for family in text_string_to_metric_families(text):
        name = family.name
        if name in RUNNING:
            running += sum(s.value for s in family.samples)
        elif name in WAITING:
            waiting += sum(s.value for s in family.samples)
        elif name in KV_USAGE and family.samples:
            kv = max([*(s.value for s in family.samples), *([kv] if kv is not None else [])])
    return running, waiting, kv


def retry_after_seconds(headers: list[tuple[bytes, bytes]], default: float) -> float:
    """Seconds from a Retry-After header (delta-seconds; an HTTP date is taken as DEFAULT)."""
    for name, value in headers:
        if name == b"retry-after":
            try:
                return max(0.0, min(float(value), 3600.0))
            except ValueError:
                return default
    return default
