"""OpenAI-compatible gateway in front of vLLM / llama-server backends.

Routes by model name or role alias, orders the replicas by the model's routing policy (round-robin by
default; failover, weighted, cost, latency, load, sticky: serve.gateway.routing) and fails over to the next one
when a backend refuses the connection, times out, answers 5xx or 429 (before any byte reached the client);
outside providers only where the routing allows them. Checks
Bearer API keys with a per-key token bucket, and exports Prometheus metrics. Request logs carry the key,
model, backend, status and latency, never prompt contents unless `log_prompts` is set.
Build it with `create_app(GatewayConfig(...))`; all state lives on the app, nothing global.
"""

from serve.gateway.app import GatewayApp, create_app
from serve.gateway.config import ApiKey, BackendConfig, GatewayConfig, config_from_backends, load_gateway_config
from serve.gateway.server import LOG_FORMAT, ServerThread, main, run

__all__ = [
    "LOG_FORMAT",
    "ApiKey",
    "BackendConfig",
    "GatewayApp",
    "GatewayConfig",
    "ServerThread",
    "config_from_backends",
    "create_app",
    "load_gateway_config",
    "main",
    "run",
]
