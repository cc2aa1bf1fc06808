"""The gateway as one ASGI app: the raw forwarding hot path, and FastAPI for /v1/models, /health, /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from serve.gateway.config import BackendConfig, GatewayConfig
from serve.gateway.limits import SharedBuckets
from serve.gateway.proxy import ROUTES, GatewayState, Proxy, Receive, Rejection, Scope, Send, send_error
from serve.gateway.upstream import UpstreamError

BUCKETS_FILE = "buckets"  # in a multi-worker run directory: the API keys' token buckets
METRICS_DIR = "metrics"  # and prometheus_client's multiprocess files (PROMETHEUS_MULTIPROC_DIR)


class GatewayApp:
    """Dispatch: POSTs to the OpenAI routes go straight to the proxy, everything else to the FastAPI app."""

    def __init__(self, state: GatewayState, admin: FastAPI):
        self.gateway, self.admin = state, admin
        self.proxy = Proxy(state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = ROUTES.get(scope["path"]) if scope["type"] == "http" else None
        if route is None:
            await self.admin(scope, receive, send)
        elif scope["method"] == "POST":
            await self.proxy(scope, receive, send, route)
        else:
            await send_error(send, Rejection(405, f"{scope['path']} takes POST", "invalid_request_error"))


def create_app(config: GatewayConfig, run_dir: Path | None = None) -> GatewayApp:
    """The gateway as an ASGI app; its kept-alive backend connections are closed with it.

    RUN_DIR: one worker of several (`serve.gateway.server.run(workers=N)`): the keys' rate limits and the
    metrics are shared with the other workers through the files there.
    """
    shared = SharedBuckets(run_dir / BUCKETS_FILE) if run_dir is not None and config.api_keys else None
    state = GatewayState(config, shared_buckets=shared)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.close()

    admin = FastAPI(title="chemassist gateway", version="1", lifespan=lifespan)
    admin.state.gateway = state

    @admin.exception_handler(Rejection)
    async def _rejected(_: Request, exc: Rejection) -> Response:
        return Response(exc.body(), exc.status, headers=exc.headers, media_type="application/json")

    @admin.get("/v1/models")
    async def models(request: Request) -> Response:
        state.authenticate(request.headers.raw)
        now = int(time.time())
        data = [{"id": m, "object": "model", "created": now, "owned_by": "chemassist"} for m in sorted(state.routes)]
        data += [
            {"id": alias, "object": "model", "created": now, "owned_by": f"alias of {target}"}
            for alias, target in sorted(config.aliases.items())
        ]
        return JSONResponse({"object": "list", "data": data})

    @admin.get("/health")
    async def health() -> Response:
        async def probe(backend: BackendConfig) -> tuple[str, bool]:
            upstream = state.upstreams[backend.name]
            try:
                conn = await upstream.request("GET", "/health", read_timeout=1.0)
            except UpstreamError:
                return backend.name, False
            conn.abort()  # not worth keeping: health checks are rare
            return backend.name, conn.status == 200

        results = dict(await asyncio.gather(*(probe(b) for b in config.backends)))
        served = {m: any(results[b.name] for b in bs) for m, bs in state.routes.items()}
        status = "ok" if all(served.values()) else ("degraded" if any(served.values()) else "down")
        return JSONResponse(
            {
                "status": status,
                "backends": {k: "up" if v else "down" for k, v in results.items()},
                "models": served,
            },
            200 if status != "down" else 503,
        )

    @admin.get("/metrics")
    async def metrics() -> Response:
        registry = state.metrics.registry
        if run_dir is not None:  # every worker's counts, summed
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=str(run_dir / METRICS_DIR))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return GatewayApp(state, admin)
