"""The gateway as one ASGI app: the raw forwarding hot path, and FastAPI for /v1/models, /health, /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from serve.errors import ServeError
from serve.gateway.config import BackendConfig, GatewayConfig
from serve.gateway.discovery import running_backends
from serve.gateway.limits import SharedBuckets
from serve.gateway.metrics import NO_MODEL
from serve.gateway.proxy import (
    ROUTES,
    GatewayState,
    Message,
    Proxy,
    Receive,
    Rejection,
    Scope,
    Send,
    client_address,
    send_error,
)
from serve.gateway.routing import parse_backend_metrics
from serve.gateway.upstream import UpstreamError

BUCKETS_FILE = "buckets"  # in a multi-worker run directory: the API keys' token buckets
METRICS_DIR = "metrics"  # and prometheus_client's multiprocess files (PROMETHEUS_MULTIPROC_DIR)
# The admin routes' label in /metrics.
_ADMIN_ROUTES = {"/v1/models": "models", "/health": "health", "/metrics": "metrics", "/routing": "routing"}

log = logging.getLogger("serve.gateway")


class GatewayApp:
    """Dispatch: POSTs to the OpenAI routes go straight to the proxy, everything else to the FastAPI app."""

    def __init__(self, state: GatewayState, admin: FastAPI):
        self.gateway, self.admin = state, admin
        self.proxy = Proxy(state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.admin(scope, receive, send)  # lifespan
            return
        route = ROUTES.get(scope["path"])
        if route is None:
            await self.admin(scope, receive, self._counted(send, _ADMIN_ROUTES.get(scope["path"], "other")))
        elif scope["method"] == "POST":
            await self.proxy(scope, receive, send, route)
        else:
            self.gateway.metrics.request_done(route, NO_MODEL, 405)
            await send_error(send, Rejection(405, f"{scope['path']} takes POST", "invalid_request_error"))

    def _counted(self, send: Send, route: str) -> Send:
        """SEND, counting the status it answers in /metrics (the proxy counts its own)."""
        metrics = self.gateway.metrics

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                metrics.request_done(route, NO_MODEL, message["status"])
            await send(message)

        return counting_send


class Discovery:
    """Keeps the gateway's routes in step with the backends running from its config's state_dir."""

    def __init__(self, state: GatewayState, state_dir: Path):
        self.state, self.state_dir = state, state_dir
        self.found: list[BackendConfig] | None = None

    def apply(self, found: list[BackendConfig] | None) -> None:
        if found is None or found == self.found:
            return
        self.state.set_backends(found)
        self.found = found
        log.info("backends from %s: %s", self.state_dir, ", ".join(b.name for b in found) or "none running")

    def read(self) -> list[BackendConfig] | None:
        """The running backends, or None when the state directory cannot be read (keep what we have)."""
        try:
            return running_backends(self.state_dir)
        except (OSError, ValueError, ServeError) as exc:
            log.warning("cannot read the backends in %s: %s", self.state_dir, exc)
            return None

    async def watch(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            found = await asyncio.to_thread(self.read)
            try:
                self.apply(found)
            except Exception:  # one bad state file must not stop the watching for good
                log.exception("cannot route to the backends found in %s", self.state_dir)


class LoadWatch:
    """Reads the own /metrics of the backends a load-aware plan routes to (vLLM, llama-server), every
    `metrics_interval_s`: requests running and waiting, KV cache usage. Outside providers are never read."""

    def __init__(self, state: GatewayState):
        self.state = state

    def watched(self) -> list[BackendConfig]:
        seen: dict[str, BackendConfig] = {}
        for plan in self.state.plans.values():
            if plan.policy == "load":
                seen.update({b.name: b for b in plan.backends if not b.external})
        return list(seen.values())

    async def read(self, backend: BackendConfig) -> None:
        state = self.state
        stats, upstream = state.stats.get(backend.name), state.upstreams.get(backend.name)
        if stats is None or upstream is None:
            return
        try:
            conn = await upstream.request("GET", "/metrics", read_timeout=max(0.5, state.config.metrics_interval_s))
            await conn.read_buffered()
            text = conn.take().decode("utf-8", "replace")
            ok = conn.status == 200 and conn.complete
            if conn.complete:
                upstream.release(conn)
            else:  # a page over the buffer limit is no vLLM or llama-server page
                conn.abort()
            if not ok:
                raise ValueError(f"/metrics answered {conn.status}")
            stats.running, stats.waiting, stats.kv_usage = parse_backend_metrics(text)
            stats.scraped_at, stats.scrape_error = time.monotonic(), ""
        except (UpstreamError, ValueError) as exc:
            stats.scrape_error = str(exc) or type(exc).__name__

    async def watch(self) -> None:
        while True:
            backends = self.watched()
            if backends:
                await asyncio.gather(*(self.read(b) for b in backends))
            await asyncio.sleep(self.state.config.metrics_interval_s)


def create_app(config: GatewayConfig, run_dir: Path | None = None) -> GatewayApp:
    """The gateway as an ASGI app; its kept-alive backend connections are closed with it.

    RUN_DIR: one worker of several (`serve.gateway.server.run(workers=N)`): the keys' rate limits and the
    metrics are shared with the other workers through the files there.
    """
    shared = SharedBuckets(run_dir / BUCKETS_FILE) if run_dir is not None and config.api_keys else None
    state = GatewayState(config, shared_buckets=shared)
    discovery = Discovery(state, config.state_dir) if config.state_dir is not None else None
    if discovery is not None:
        discovery.apply(discovery.read())

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        watcher = asyncio.create_task(discovery.watch(config.discover_interval_s)) if discovery else None
        loads = asyncio.create_task(LoadWatch(state).watch())
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
            loads.cancel()
            state.close()

    admin = FastAPI(title="chemassist gateway", version="1", lifespan=lifespan)
    admin.state.gateway = state

    @admin.exception_handler(Rejection)
    async def _rejected(_: Request, exc: Rejection) -> Response:
        return Response(exc.body(), exc.status, headers=exc.headers, media_type="application/json")

    @admin.get("/v1/models")
    async def models(request: Request) -> Response:
        state.authenticate(request.headers.raw, client_address(request.scope))
        now = int(time.time())
        data = [{"id": m, "object": "model", "created": now, "owned_by": "chemassist"} for m in sorted(state.routes)]
        data += [
            {"id": alias, "object": "model", "created": now, "owned_by": f"alias of {target}"}
            for alias, target in sorted(state.aliases_served().items())
        ]
        return JSONResponse({"object": "list", "data": data})

    @admin.get("/health")
    async def health() -> Response:
        backends, routes, upstreams = state.backends, state.routes, state.upstreams  # as they are now

        async def probe(backend: BackendConfig) -> tuple[str, bool]:
            if backend.external:  # an outside provider is not probed: it is asked only for answers it may give
                return backend.name, True
            try:
                conn = await upstreams[backend.name].request("GET", "/health", read_timeout=1.0)
            except UpstreamError:
                return backend.name, False
            conn.abort()  # not worth keeping: health checks are rare
            return backend.name, conn.status == 200

        results = dict(await asyncio.gather(*(probe(b) for b in backends)))
        served = {m: any(results[b.name] for b in bs) for m, bs in routes.items()}
        status = "ok" if served and all(served.values()) else ("degraded" if any(served.values()) else "down")
        external = {b.name for b in backends if b.external}
        report: dict[str, object] = {
            "status": status,
            "backends": {k: "external" if k in external else "up" if v else "down" for k, v in results.items()},
            "models": served,
        }
        if not backends:
            report["message"] = f"no backend is running yet (watching {config.state_dir})"
        return JSONResponse(report, 200 if status != "down" else 503)

    @admin.get("/routing")
    async def routing() -> Response:
        """Each served name's routing policy, its backends' numbers and the policy's last choice (JSON)."""
        now = time.monotonic()
        plans = {name: plan.status(now) for name, plan in sorted(state.plans.items())}
        aliases = {a: t for a, t in sorted(state.aliases_served().items()) if a not in state.plans}
        return JSONResponse({"models": plans, "aliases": aliases})

    @admin.get("/metrics")
    async def metrics() -> Response:
        registry = state.metrics.registry
        if run_dir is not None:  # every worker's counts, summed
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=str(run_dir / METRICS_DIR))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return GatewayApp(state, admin)
