"""Running the gateway: in a background thread (tests, benchmarks, notebooks) or as `python -m serve.gateway`."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn

from serve.gateway.app import create_app
from serve.gateway.config import load_gateway_config


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


def main(argv: list[str] | None = None) -> None:
    """`python -m serve.gateway --config gateway.yaml --port 8000` (or `chemassist serve gateway`)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m serve.gateway", description="chemassist OpenAI-compatible gateway")
    parser.add_argument("--config", required=True, help="Gateway config YAML or JSON.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    config = load_gateway_config(args.config)
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level=args.log_level, access_log=False)
