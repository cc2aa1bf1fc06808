"""The gateway's hot path: POST /v1/chat/completions, /v1/completions and /v1/embeddings as raw ASGI.

Per request it reads only what routing needs (`model`, `stream`), forwards the body bytes unchanged (re-encoded
only when a role alias is rewritten), and passes the backend's reply through: a stream piece by piece as it
arrives, a JSON reply whole when it is short, else relayed as it arrives (reading the backend only as fast as
the client takes it, so no reply size makes it stall). Failover happens only while nothing has reached the
client: a refused connection, a timeout, a 5xx, or a 429 while another backend is left. The order in which
backends are tried is the model's routing policy (serve.gateway.routing); outside providers are routed to
only where the routing allows them, and their answers say so (X-Chemassist-External).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from serve.gateway.config import BackendConfig, GatewayConfig
from serve.gateway.limits import AuthFailures, SharedBuckets, SharedTokenBucket, TokenBucket
from serve.gateway.metrics import NO_MODEL, Metrics
from serve.gateway.routing import BackendStats, RoutePlan, retry_after_seconds, sticky_key
from serve.gateway.upstream import Connection, Upstream, UpstreamError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("serve.gateway")
ROUTES = {"/v1/chat/completions": "chat/completions", "/v1/completions": "completions", "/v1/embeddings": "embeddings"}
_RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
_HOP_HEADERS = frozenset(
    {b"content-length", b"transfer-encoding", b"connection", b"keep-alive", b"content-encoding", b"server", b"date"}
)
_WATCH_DISCONNECT_AFTER_S = 1.0  # long streams check whether the client is still there; short ones needn't
_ONLY_EXTERNAL = "only outside providers serve it, and its routing does not allow them (allow_external)"
_MID_STREAM_ERROR = b'data: {"error": {"message": "backend stopped mid-stream", "type": "backend_error"}}\n\n'


class Rejection(Exception):
    """A request answered with an OpenAI-style error instead of being forwarded."""

    def __init__(self, status: int, message: str, kind: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.kind, self.headers = status, message, kind, headers or {}

    def body(self) -> bytes:
        return json.dumps({"error": {"message": self.message, "type": self.kind, "code": self.status}}).encode()


@dataclass
class GatewayState:
    """Everything the gateway holds between requests; built from the config, owned by one app."""

    config: GatewayConfig
    metrics: Metrics = field(default_factory=Metrics)
    shared_buckets: SharedBuckets | None = None  # several worker processes: the keys' buckets live there
    backends: list[BackendConfig] = field(default_factory=list)  # the config's, then those found in state_dir
    routes: dict[str, list[BackendConfig]] = field(default_factory=dict)
    buckets: dict[str, TokenBucket | SharedTokenBucket] = field(default_factory=dict)
    upstreams: dict[str, Upstream] = field(default_factory=dict)
    auth_failures: AuthFailures = field(init=False)
    models_seen: set[str] = field(default_factory=set)  # served now or earlier: gone for now (503), not unknown
    plans: dict[str, RoutePlan] = field(default_factory=dict)  # by served name, and by alias with its own routing
    stats: dict[str, BackendStats] = field(default_factory=dict)  # by backend name
    _keys: list[tuple[bytes, str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        cfg = self.config
        shared = self.shared_buckets
        self.buckets = {
            k.name: shared.bucket(i, k.rate_per_s, k.burst) if shared else TokenBucket(k.rate_per_s, k.burst)
            for i, k in enumerate(cfg.api_keys)
        }
        self._keys = [(k.key.get_secret_value().encode(), k.name, k.rate_per_s) for k in cfg.api_keys]
        self.auth_failures = AuthFailures(cfg.auth_free_failures, cfg.auth_max_delay_s)
        self.set_backends(cfg.backends)

    def set_backends(self, found: list[BackendConfig]) -> None:
        """Route to the config's backends plus FOUND (a name already configured wins); connections to a
        backend that stays are kept, those to one that went are closed."""
        cfg = self.config
        configured = {b.name for b in cfg.backends}
        backends = [*cfg.backends, *(b for b in found if b.name not in configured)]
        # An outside provider is routed to only for the names (or the aliases of names) that allow it: with the
        # default routing no request, health check or metrics scrape ever reaches it.
        allowed = {n for n, r in cfg.routing.items() if r.allow_external}
        allowed |= {t for a, t in cfg.aliases.items() if a in allowed}
        backends = [b for b in backends if not b.external or allowed.intersection(b.models)]
        routes: dict[str, list[BackendConfig]] = {}
        upstreams: dict[str, Upstream] = {}
        for b in backends:
            for model in b.models:
                if not b.external or model in allowed:
                    routes.setdefault(model, []).append(b)
            key = b.api_key.get_secret_value() if b.api_key else None
            old = self.upstreams.get(b.name)
            if old is not None and (old.url, old.api_key) == (b.root, key):
                upstreams[b.name] = old
            else:
                upstreams[b.name] = Upstream(b.root, key, cfg.connect_timeout_s, cfg.read_timeout_s)
        for name, upstream in self.upstreams.items():
            if upstreams.get(name) is not upstream:
                upstream.close()
        self.stats = {b.name: self.stats.get(b.name) or BackendStats() for b in backends}
        plans: dict[str, RoutePlan] = {}
        for name, served in [*routes.items(), *((a, routes[t]) for a, t in cfg.aliases.items() if t in routes)]:
            if name in plans or (name not in routes and name not in cfg.routing):
                continue  # an alias without routing of its own takes its model's plan
            routing = cfg.routing_for(name)
            usable = served if routing.allow_external else [b for b in served if not b.external]
            kept = self.plans.get(name)
            if kept is not None and kept.routing == routing and kept.backends == usable:
                plans[name] = kept  # keep its turn, weights and counts
            else:
                plans[name] = RoutePlan(name, routing, usable, self.stats)
        for plan in plans.values():
            plan.stats = self.stats
        self.backends, self.routes, self.upstreams, self.plans = backends, routes, upstreams, plans
        self.models_seen.update(routes)

    def close(self) -> None:
        """Close the kept-alive backend connections (they belong to the event loop that is ending)."""
        for upstream in self.upstreams.values():
            upstream.close()
        if self.shared_buckets is not None:
            self.shared_buckets.close()

    def plan(self, asked: str, model: str) -> RoutePlan:
        """The routing plan for a request that ASKED for a name (an alias with routing of its own) or MODEL."""
        plan = self.plans.get(asked)
        return plan if plan is not None else self.plans[model]

    def candidates(self, model: str, sticky: str | None = None) -> list[BackendConfig]:
        """Backends for MODEL in the order its routing policy tries them."""
        return self.plans[model].order(sticky) if model in self.plans else []

    def cool_down(self, backend: str, seconds: float, reason: str) -> None:
        """Avoid BACKEND for SECONDS (after a 429, or a failure): every policy tries it last meanwhile."""
        stats = self.stats.get(backend)
        if stats is not None:
            stats.cool_down(time.monotonic() + seconds, reason)
            self.metrics.cooldowns.labels(backend, reason.split(" ")[0]).inc()

    def aliases_served(self) -> dict[str, str]:
        """The aliases whose model some backend serves now."""
        return {a: t for a, t in self.config.aliases.items() if t in self.routes}

    def authenticate(self, headers: list[tuple[bytes, bytes]], client: str) -> str:
        """The key holder's name ('anonymous' without keys configured); raises Rejection (401, 429).

        CLIENT (the peer's address) is slowed down after repeated wrong keys: while it must wait, its
        requests are answered 429 without looking at the key, so waiting cannot be skipped by guessing.
        """
        if not self._keys:
            return "anonymous"
        wait = self.auth_failures.wait(client)
        if wait > 0:
            raise Rejection(
                429,
                f"too many wrong API keys from this address; retry in {math.ceil(wait)} s",
                "rate_limit_exceeded",
                headers={"Retry-After": str(math.ceil(wait))},
            )
        token = b""
        for header, value in headers:
            if header == b"authorization":
                if value[:7].lower() == b"bearer ":
                    token = value[7:].strip()
                break
        holder = next((k for k in self._keys if token and hmac.compare_digest(token, k[0])), None)
        if holder is None:
            self.auth_failures.failed(client)
            raise Rejection(401, "missing or invalid API key (send 'Authorization: Bearer KEY')", "auth")
        self.auth_failures.succeeded(client)
        _, name, rate = holder
        wait = self.buckets[name].take()
        if wait > 0:
            raise Rejection(
                429,
                f"rate limit of {rate:g} requests/s for key {name!r} exceeded; retry in {wait:.1f} s",
                "rate_limit_exceeded",
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        return name


async def send_error(send: Send, error: Rejection) -> None:
    body = error.body()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else ""


async def _read_body(receive: Receive) -> bytes:
    message = await receive()
    body = message.get("body", b"")
    if not message.get("more_body"):
        return body
    parts = [body]
    while message.get("more_body"):
        message = await receive()
        parts.append(message.get("body", b""))
    return b"".join(parts)


class Proxy:
    """The raw ASGI handler for the three forwarding routes."""

    def __init__(self, state: GatewayState):
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send, route: str) -> None:
        state = self.state
        try:
            holder = state.authenticate(scope["headers"], client_address(scope))
            # The whole body is needed: to read `model` for routing, and to send it again on failover.
            raw = await _read_body(receive)
            request = self._route(raw, route, scope["headers"])
        except Rejection as error:
            state.metrics.request_done(route, NO_MODEL, error.status)
            await send_error(send, error)
            return
        if state.config.log_prompts:
            log.info("prompt key=%s model=%s body=%s", holder, request.model, request.raw[:2000])
        await self._forward(route, request, holder, receive, send)

    def _route(self, raw: bytes, route: str, headers: list[tuple[bytes, bytes]]) -> Routed:
        """The served model, its plan and the body to forward; raises Rejection (400, 404, 503)."""
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise Rejection(400, "request body is not valid JSON", "invalid_request_error") from None
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            raise Rejection(400, "request body must be a JSON object with a 'model' string", "invalid_request_error")
        state = self.state
        asked = body["model"]
        model = state.config.aliases.get(asked, asked)
        if model not in state.routes:
            if model in state.models_seen or model != asked or (state.config.state_dir and not state.routes):
                # Its backend went away, or has not started yet (none has, or not the one this alias names).
                retry = math.ceil(state.config.discover_interval_s)
                message = f"no backend serving {asked!r} is running at the moment; try again shortly"
                raise Rejection(503, message, "backend_unavailable", headers={"Retry-After": str(retry)})
            known = sorted({*state.routes, *state.aliases_served()})
            message = f"model {asked!r} is not served here; available: {', '.join(known)}"
            raise Rejection(404, message, "model_not_found")
        if model != asked:
            body["model"] = model
            raw = json.dumps(body).encode()
        plan = state.plan(asked, model)
        sticky = sticky_key(headers, body) if plan.routing.sticky else None
        return Routed(model, plan, raw, body, bool(body.get("stream")), sticky)

    async def _forward(self, route: str, request: Routed, holder: str, receive: Receive, send: Send) -> None:
        state, metrics = self.state, self.state.metrics
        model, plan = request.model, request.plan
        started = time.perf_counter()
        last_error = "no backend tried" if plan.backends else _ONLY_EXTERNAL
        path = f"/v1/{route}"
        candidates = plan.order(request.sticky)
        reason = plan.last.reason if candidates and plan.last else ""
        if candidates:
            metrics.decided(model, plan.policy, candidates[0].name, reason)
        for attempt, backend in enumerate(candidates):
            if attempt:
                metrics.failovers.labels(model).inc()
            upstream = state.upstreams[backend.name]
            stats = state.stats[backend.name]
            raw = request.raw if backend.upstream_model is None else request.renamed(backend.upstream_model)
            tried = time.perf_counter()
            stats.inflight += 1  # until the reply is passed on, however the attempt ends
            try:
                try:
                    conn = await upstream.request("POST", path, raw)
                    if conn.status in _RETRYABLE_STATUS or (conn.status == 429 and attempt < len(candidates) - 1):
                        conn.abort()
                        metrics.backend_errors.labels(backend.name, f"http_{conn.status}").inc()
                        last_error = f"{backend.name} answered {conn.status}"
                        self._set_aside(backend.name, conn)
                        continue
                    relay = request.stream and conn.status == 200
                    if not relay:
                        await conn.read_buffered()  # all of it, or as much as fits before it must be relayed
                except UpstreamError as exc:
                    metrics.backend_errors.labels(backend.name, exc.kind).inc()
                    last_error = f"{backend.name} {_describe(exc)}"
                    state.cool_down(backend.name, state.config.retry_after_s, f"down ({exc.kind})")
                    continue
                if conn.status == 429:  # the last one left: its answer goes to the client, and it is avoided meanwhile
                    self._set_aside(backend.name, conn)
                headers = [(k, v) for k, v in conn.headers if k not in _HOP_HEADERS]
                headers.append((b"x-chemassist-backend", backend.name.encode()))
                headers.append(
                    (b"x-chemassist-route", f"{plan.policy}; {reason if attempt == 0 else 'failover'}".encode())
                )
                if backend.external:
                    headers.append((b"x-chemassist-external", backend.name.encode()))
                status = conn.status
                now = time.perf_counter()
                elapsed = now - started
                stats.observe(now - tried, now)
                metrics.request_done(route, model, status, elapsed)
                if relay or not conn.complete:
                    log.info(
                        "key=%s model=%s backend=%s status=%s %s first_byte_ms=%.1f",
                        holder,
                        model,
                        backend.name,
                        status,
                        "stream" if relay else "long reply",
                        elapsed * 1000,
                    )
                    if not relay:  # a long JSON reply: the backend's length, if it gave one, is the client's
                        headers += [(k, v) for k, v in conn.headers if k == b"content-length"]
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    await self._relay(conn, upstream, backend, receive, send, sse=relay)
                    return
                content = conn.take()
                upstream.release(conn)
                log.info(
                    "key=%s model=%s backend=%s status=%s ms=%.1f", holder, model, backend.name, status, elapsed * 1e3
                )
                headers.append((b"content-length", str(len(content)).encode()))
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": content})
                return
            finally:
                stats.inflight -= 1
        metrics.request_done(route, model, 502)
        log.warning("key=%s model=%s all backends failed: %s", holder, model, last_error)
        message = f"no backend for {model!r} could answer ({last_error}); try again shortly"
        await send_error(send, Rejection(502, message, "backend_error"))

    def _set_aside(self, backend: str, conn: Connection) -> None:
        """After a 429 (for its Retry-After) or a 5xx: every policy tries BACKEND last for a while."""
        retry_s = self.state.config.retry_after_s
        if conn.status == 429:
            wait = retry_after_seconds(conn.headers, retry_s)
            self.state.cool_down(backend, wait, f"rate_limited (429, retry after {wait:g} s)")
        else:
            self.state.cool_down(backend, retry_s, f"down (answered {conn.status})")

    async def _relay(
        self, conn: Connection, upstream: Upstream, backend: BackendConfig, receive: Receive, send: Send, sse: bool
    ) -> None:
        """Pass the backend's reply through as it arrives. A backend dying mid-way ends an SSE stream with an
        error event; any other reply is cut off (the client sees the connection close before the end)."""
        watch_from = conn.loop.time() + _WATCH_DISCONNECT_AFTER_S
        watcher: asyncio.Future[Message] | None = None
        try:
            while True:
                data = conn.take()
                if conn.complete:
                    await send({"type": "http.response.body", "body": data})
                    upstream.release(conn)
                    return
                if data:
                    await send({"type": "http.response.body", "body": data, "more_body": True})
                    continue
                if watcher is None and conn.loop.time() > watch_from:
                    watcher = asyncio.ensure_future(receive())
                    watcher.add_done_callback(lambda _: conn.wake())
                if watcher is not None and watcher.done():
                    if not watcher.cancelled() and watcher.result().get("type") == "http.disconnect":
                        conn.abort()  # the client went away: stop the backend generating for no one
                        return
                    watcher, watch_from = None, conn.loop.time() + _WATCH_DISCONNECT_AFTER_S
                await conn.wait()
        except UpstreamError as exc:
            self.state.metrics.backend_errors.labels(backend.name, "stream").inc()
            conn.abort()
            if sse:
                await send({"type": "http.response.body", "body": conn.take() + _MID_STREAM_ERROR})
            else:
                log.warning("backend=%s %s; the client's reply is cut off", backend.name, _describe(exc))
        finally:
            if watcher is not None and not watcher.done():
                watcher.cancel()
            if not conn.complete:
                conn.abort()


@dataclass
class Routed:
    """A request ready to forward: the served model, its routing plan, the body, and its conversation key."""

    model: str
    plan: RoutePlan
    raw: bytes
    body: dict[str, Any]
    stream: bool
    sticky: str | None

    def renamed(self, upstream_model: str) -> bytes:
        """The body with the provider's name for the model."""
        return json.dumps({**self.body, "model": upstream_model}).encode()


def _describe(exc: UpstreamError) -> str:
    if exc.kind == "timeout":
        return "timed out"
    if exc.kind == "connect":
        return str(exc)
    return f"broke off its reply ({exc})"
