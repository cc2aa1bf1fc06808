"""Running the gateway: in a background thread (tests, benchmarks, notebooks) or as `python -m serve.gateway`."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from serve.gateway.app import BUCKETS_FILE, METRICS_DIR, create_app
from serve.gateway.config import GatewayConfig, load_gateway_config
from serve.gateway.limits import SharedBuckets

_RUN_DIR_ENV = "CHEMASSIST_GATEWAY_RUN_DIR"
_CONFIG_FILE = "config.json"
_LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


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


def run(config: GatewayConfig, host: str, port: int, workers: int = 1, log_level: str = "warning") -> None:
    """Serve the gateway until interrupted: in this process, or in WORKERS processes sharing the port.

    Workers share the listening socket (the kernel hands each new connection to one of them); a private run
    directory holds the config, the keys' token buckets and prometheus_client's multiprocess files, and is
    removed on exit. One process is enough for most labs (~0.3 ms of CPU per streamed request); more
    shorten the queue when many streams deliver tokens at the same moment.
    """
    if workers <= 1:
        uvicorn.run(create_app(config), host=host, port=port, log_level=log_level, access_log=False)
        return
    run_dir = Path(tempfile.mkdtemp(prefix="chemassist-gateway-"))  # mode 0700: the config holds the keys
    try:
        config_file = run_dir / _CONFIG_FILE
        config_file.write_text(json.dumps(_with_secrets(config)), encoding="utf-8")
        config_file.chmod(0o600)
        SharedBuckets.create(run_dir / BUCKETS_FILE, [k.burst for k in config.api_keys])
        (run_dir / METRICS_DIR).mkdir()
        os.environ[_RUN_DIR_ENV] = str(run_dir)
        if logging.getLogger().handlers:  # the request log was asked for: the workers log it the same way
            os.environ[_RUN_DIR_ENV + "_LOG_LEVEL"] = str(logging.getLogger("serve.gateway").getEffectiveLevel())
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(run_dir / METRICS_DIR)  # read when the workers import it
        uvicorn.run(
            "serve.gateway.server:worker_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=False,
        )
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def worker_app() -> Any:
    """One worker's app (uvicorn calls this in each worker process that `run` starts)."""
    run_dir = Path(os.environ[_RUN_DIR_ENV])
    if level := os.environ.get(_RUN_DIR_ENV + "_LOG_LEVEL"):
        logging.basicConfig(level=int(level), format=_LOG_FORMAT)
    config = GatewayConfig.model_validate_json((run_dir / _CONFIG_FILE).read_text(encoding="utf-8"))
    return create_app(config, run_dir=run_dir)


def _with_secrets(config: GatewayConfig) -> dict[str, Any]:
    """The config as JSON data with the keys written out (model_dump masks SecretStr)."""
    data = config.model_dump(mode="json")
    for item, key in zip(data["api_keys"], config.api_keys, strict=True):
        item["key"] = key.key.get_secret_value()
    for item, backend in zip(data["backends"], config.backends, strict=True):
        item["api_key"] = backend.api_key.get_secret_value() if backend.api_key else None
    return data


def main(argv: list[str] | None = None) -> None:
    """`python -m serve.gateway --config gateway.yaml --port 8000` (or `chemassist serve gateway`)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m serve.gateway", description="chemassist OpenAI-compatible gateway")
    parser.add_argument("--config", required=True, help="Gateway config YAML or JSON.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--workers", type=int, default=1, help="Processes sharing the port (default 1).")
    args = parser.parse_args(argv)
    config = load_gateway_config(args.config)
    run(config, args.host, args.port, workers=args.workers, log_level=args.log_level)
