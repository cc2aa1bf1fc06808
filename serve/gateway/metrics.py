"""The gateway's Prometheus metrics, one registry per app."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
NO_MODEL = "-"  # the model label of answers that name none: refused before routing (401, 429, 400, 404), admin routes


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "gateway_requests_total",
            "Every answer by route, model and status (the admin routes and refusals too).",
            ["route", "model", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gateway_request_seconds",
            "Time to the response headers (streaming) or the whole reply.",
            ["route"],
            registry=self.registry,
            buckets=_BUCKETS,
        )
        self.backend_errors = Counter(
            "gateway_backend_errors_total",
            "Backend failures (connect, timeout, 5xx) by backend and kind.",
            ["backend", "kind"],
            registry=self.registry,
        )
        self.failovers = Counter(
            "gateway_failovers_total",
            "Requests retried on another backend.",
            ["model"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "gateway_route_decisions_total",
            "Which backend each model's routing policy put first, and why (rotation, priority, weight, cheapest, "
            "fastest, explore, least_loaded, sticky, only; avoid_rate_limited / avoid_down when the policy's "
            "choice was cooling down).",
            ["model", "policy", "backend", "reason"],
            registry=self.registry,
        )
        self.cooldowns = Counter(
            "gateway_backend_cooldowns_total",
            "Times a backend was set aside: rate_limited (it answered 429, for its Retry-After) or down.",
            ["backend", "reason"],
            registry=self.registry,
        )
        # labels() takes a lock and builds a key on every call; the hot path reuses the children instead.
        self._counters: dict[tuple[str, str, str], Counter] = {}
        self._histograms: dict[str, Histogram] = {}
        self._decided: dict[tuple[str, str, str, str], Counter] = {}

    def request_done(self, route: str, model: str, status: int, seconds: float | None = None) -> None:
        key = (route, model, str(status))
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = self.requests.labels(*key)
        counter.inc()
        if seconds is not None:
            histogram = self._histograms.get(route)
            if histogram is None:
                histogram = self._histograms[route] = self.latency.labels(route)
            histogram.observe(seconds)

    def decided(self, model: str, policy: str, backend: str, reason: str) -> None:
        key = (model, policy, backend, reason)
        counter = self._decided.get(key)
        if counter is None:
            counter = self._decided[key] = self.decisions.labels(*key)
        counter.inc()
