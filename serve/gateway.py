"""OpenAI-compatible gateway in front of vLLM / llama-server backends (FastAPI + httpx).

Routes by model name or role alias, round-robins across replicas and fails over to the next one when a
backend refuses the connection, times out or answers 5xx (before any byte reached the client), checks
Bearer API keys with a per-key token bucket, and exports Prometheus metrics. Request logs carry the key,
model, backend, status and latency, never prompt contents unless `log_prompts` is set.
Build it with `create_app(GatewayConfig(...))`; all state lives on the app, nothing global.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import json
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, Field, SecretStr, model_validator

log = logging.getLogger("serve.gateway")
_RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
_HOP_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "content-encoding", "server", "date"}
)


class BackendConfig(BaseModel):
    """One OpenAI-compatible server and the model names it answers."""

    name: str
    url: str = Field(description="Base URL, e.g. http://127.0.0.1:8001 (a trailing /v1 is accepted).")
    models: list[str] = Field(min_length=1)
    api_key: SecretStr | None = None

    @property
    def root(self) -> str:
        return self.url.rstrip("/").removesuffix("/v1")


class ApiKey(BaseModel):
    name: str = Field(description="Who holds the key; appears in logs and metrics instead of the key.")
    key: SecretStr
    rate_per_s: float = Field(default=10.0, gt=0, description="Sustained requests per second.")
    burst: int = Field(default=20, ge=1, description="Requests allowed at once before the rate applies.")


class GatewayConfig(BaseModel):
    backends: list[BackendConfig] = Field(min_length=1)
    aliases: dict[str, str] = Field(default_factory=dict, description="Role or alias -> served model name.")
    api_keys: list[ApiKey] = Field(default_factory=list, description="Empty: no authentication (loopback use).")
    connect_timeout_s: float = Field(default=2.0, gt=0)
    read_timeout_s: float = Field(default=300.0, gt=0, description="Longest wait for the next byte of a reply.")
    log_prompts: bool = False

    @model_validator(mode="after")
    def _aliases_known(self) -> GatewayConfig:
        served = {m for b in self.backends for m in b.models}
        for alias, target in self.aliases.items():
            if target not in served:
                raise ValueError(f"alias {alias!r} points at {target!r}, which no backend serves")
        return self


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


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "gateway_requests_total",
            "Requests by route, model and status.",
            ["route", "model", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gateway_request_seconds",
            "Time to the response headers (streaming) or the whole reply.",
            ["route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
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


@dataclass
class GatewayState:
    config: GatewayConfig
    metrics: Metrics = field(default_factory=Metrics)
    routes: dict[str, list[BackendConfig]] = field(default_factory=dict)
    counters: dict[str, Iterator[int]] = field(default_factory=dict)
    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    client: httpx.AsyncClient | None = None

    def __post_init__(self) -> None:
        for backend in self.config.backends:
            for model in backend.models:
                self.routes.setdefault(model, []).append(backend)
        self.counters = {model: itertools.count() for model in self.routes}
        self.buckets = {k.name: TokenBucket(k.rate_per_s, k.burst) for k in self.config.api_keys}

    def candidates(self, model: str) -> list[BackendConfig]:
        """Backends for MODEL, rotated round-robin so replicas share the load."""
        backends = self.routes[model]
        start = next(self.counters[model]) % len(backends)
        return backends[start:] + backends[:start]


def _error(status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status, headers=headers)


class GatewayRejection(Exception):
    def __init__(self, response: JSONResponse):
        self.response = response


def _authenticate(state: GatewayState, request: Request) -> str:
    """The key holder's name ('anonymous' without keys configured); raises GatewayRejection."""
    keys = state.config.api_keys
    if not keys:
        return "anonymous"
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    holder = next((k for k in keys if token and hmac.compare_digest(token, k.key.get_secret_value())), None)
    if holder is None:
        raise GatewayRejection(_error(401, "missing or invalid API key (send 'Authorization: Bearer KEY')", "auth"))
    wait = state.buckets[holder.name].take()
    if wait > 0:
        raise GatewayRejection(
            _error(
                429,
                f"rate limit of {holder.rate_per_s:g} requests/s for key {holder.name!r} exceeded; "
                f"retry in {wait:.1f} s",
                "rate_limit_exceeded",
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        )
    return holder.name


def create_app(config: GatewayConfig) -> FastAPI:
    """The gateway as a FastAPI app; one httpx connection pool per app, opened and closed with it."""
    state = GatewayState(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = httpx.Timeout(config.read_timeout_s, connect=config.connect_timeout_s)
        limits = httpx.Limits(max_connections=512, max_keepalive_connections=64)
        # TCP_NODELAY: the request line and body go out as separate small writes; without it Nagle holds
        # the second until the backend's delayed ACK, adding milliseconds to every call.
        transport = httpx.AsyncHTTPTransport(
            limits=limits, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
        )
        async with httpx.AsyncClient(timeout=timeout, transport=transport) as client:
            state.client = client
            yield
        state.client = None

    app = FastAPI(title="chemassist gateway", version="1", lifespan=lifespan)
    app.state.gateway = state

    @app.exception_handler(GatewayRejection)
    async def _rejected(_: Request, exc: GatewayRejection) -> Response:
        return exc.response

    async def proxy(request: Request, route: str) -> Response:
        holder = _authenticate(state, request)
        raw = await request.body()
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, "request body is not valid JSON", "invalid_request_error")
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return _error(400, "request body must be a JSON object with a 'model' string", "invalid_request_error")
        asked = body["model"]
        model = config.aliases.get(asked, asked)
        if model not in state.routes:
            known = sorted({*state.routes, *config.aliases})
            state.metrics.requests.labels(route, "unknown", "404").inc()
            return _error(404, f"model {asked!r} is not served here; available: {', '.join(known)}", "model_not_found")
        if model != asked:
            body["model"] = model
            raw = json.dumps(body).encode()
        if config.log_prompts:
            log.info("prompt key=%s model=%s body=%s", holder, model, raw[:2000])
        return await forward(route, model, raw, bool(body.get("stream")), holder)

    async def forward(route: str, model: str, raw: bytes, stream: bool, holder: str) -> Response:
        assert state.client is not None
        started = time.perf_counter()
        last_error = "no backend tried"
        for attempt, backend in enumerate(state.candidates(model)):
            if attempt:
                state.metrics.failovers.labels(model).inc()
            headers = {"content-type": "application/json"}
            if backend.api_key:
                headers["authorization"] = f"Bearer {backend.api_key.get_secret_value()}"
            req = state.client.build_request("POST", f"{backend.root}/v1/{route}", content=raw, headers=headers)
            try:
                resp = await state.client.send(req, stream=True)
            except httpx.TimeoutException:
                state.metrics.backend_errors.labels(backend.name, "timeout").inc()
                last_error = f"{backend.name} timed out"
                continue
            except httpx.HTTPError as exc:
                state.metrics.backend_errors.labels(backend.name, "connect").inc()
                last_error = f"{backend.name} unreachable ({type(exc).__name__})"
                continue
            if resp.status_code in _RETRYABLE_STATUS:
                await resp.aclose()
                state.metrics.backend_errors.labels(backend.name, f"http_{resp.status_code}").inc()
                last_error = f"{backend.name} answered {resp.status_code}"
                continue
            out_headers = {k: v for k, v in resp.headers.items() if k.lower() not in _HOP_HEADERS}
            out_headers["x-chemassist-backend"] = backend.name
            status = resp.status_code
            if stream and status == 200:
                elapsed = time.perf_counter() - started
                state.metrics.latency.labels(route).observe(elapsed)
                state.metrics.requests.labels(route, model, str(status)).inc()
                log.info(
                    "key=%s model=%s backend=%s status=%s stream first_byte_ms=%.1f",
                    holder,
                    model,
                    backend.name,
                    status,
                    elapsed * 1000,
                )
                return StreamingResponse(_relay(resp, backend, state), status, headers=out_headers)
            try:
                content = await resp.aread()
            except httpx.HTTPError as exc:
                state.metrics.backend_errors.labels(backend.name, "read").inc()
                last_error = f"{backend.name} broke off its reply ({type(exc).__name__})"
                continue
            finally:
                await resp.aclose()
            elapsed = time.perf_counter() - started
            state.metrics.latency.labels(route).observe(elapsed)
            state.metrics.requests.labels(route, model, str(status)).inc()
            log.info(
                "key=%s model=%s backend=%s status=%s ms=%.1f",
                holder,
                model,
                backend.name,
                status,
                elapsed * 1000,
            )
            return Response(content, status, headers=out_headers)
        state.metrics.requests.labels(route, model, "502").inc()
        log.warning("key=%s model=%s all backends failed: %s", holder, model, last_error)
        return _error(502, f"no backend for {model!r} could answer ({last_error}); try again shortly", "backend_error")

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        return await proxy(request, "chat/completions")

    @app.post("/v1/completions")
    async def completions(request: Request) -> Response:
        return await proxy(request, "completions")

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> Response:
        return await proxy(request, "embeddings")

    @app.get("/v1/models")
    async def models(request: Request) -> Response:
        _authenticate(state, request)
        now = int(time.time())
        data = [{"id": m, "object": "model", "created": now, "owned_by": "chemassist"} for m in sorted(state.routes)]
        data += [
            {"id": alias, "object": "model", "created": now, "owned_by": f"alias of {target}"}
            for alias, target in sorted(config.aliases.items())
        ]
        return JSONResponse({"object": "list", "data": data})

    @app.get("/health")
    async def health() -> Response:
        assert state.client is not None
        client = state.client

        async def probe(backend: BackendConfig) -> tuple[str, bool]:
            try:
                resp = await client.get(f"{backend.root}/health", timeout=1.0)
            except httpx.HTTPError:
                return backend.name, False
            return backend.name, resp.status_code == 200

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

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


async def _relay(resp: httpx.Response, backend: BackendConfig, state: GatewayState) -> AsyncIterator[bytes]:
    """Pass the backend's stream through byte for byte; a backend dying mid-stream ends it cleanly."""
    try:
        async for chunk in resp.aiter_raw():
            yield chunk
    except httpx.HTTPError:
        state.metrics.backend_errors.labels(backend.name, "stream").inc()
        yield b'data: {"error": {"message": "backend stopped mid-stream", "type": "backend_error"}}\n\n'
    finally:
        await resp.aclose()


class ServerThread:
    """Run an ASGI app with uvicorn in a background thread on 127.0.0.1 (tests, benchmarks, notebooks).

    with ServerThread(create_app(config)) as server:
        httpx.get(server.url + "/health")
    """

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"):
        self.config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False, lifespan="on")
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = ""

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("gateway did not start (port in use?)")
            time.sleep(0.02)
        sock = self.server.servers[0].sockets[0]
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def config_from_backends(
    backends: list[tuple[str, str, list[str]]],
    aliases: dict[str, str] | None = None,
    api_keys: list[ApiKey] | None = None,
) -> GatewayConfig:
    """A GatewayConfig from (name, base URL, served names) triples, e.g. the running backends' states."""
    return GatewayConfig(
        backends=[BackendConfig(name=n, url=u, models=m) for n, u, m in backends],
        aliases={a: t for a, t in (aliases or {}).items() if any(t in m for _, _, m in backends)},
        api_keys=api_keys or [],
    )


def load_gateway_config(path: str) -> GatewayConfig:
    """Read a GatewayConfig from YAML or JSON (same fields as the model)."""
    from pathlib import Path

    from pydantic import ValidationError

    from serve.catalog import format_validation_error, read_yaml
    from serve.errors import ServeError

    data = read_yaml(Path(path), "gateway config", ServeError)
    try:
        return GatewayConfig.model_validate(data)
    except ValidationError as exc:
        raise ServeError(format_validation_error(exc, f"gateway config {path}")) from None


def main(argv: list[str] | None = None) -> None:
    """`python -m serve.gateway --config gateway.yaml --port 8000` (or `chemassist serve gateway`)."""
    import argparse

    parser = argparse.ArgumentParser(description="chemassist OpenAI-compatible gateway")
    parser.add_argument("--config", required=True, help="Gateway config YAML or JSON.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    config = load_gateway_config(args.config)
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level=args.log_level, access_log=False)


if __name__ == "__main__":
    main()
