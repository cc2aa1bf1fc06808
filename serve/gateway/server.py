"""Running the gateway: in a background thread (tests, benchmarks, notebooks) or as `python -m serve.gateway`."""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn
from pydantic import SecretStr, ValidationError

from serve.catalog import format_validation_error
from serve.errors import ServeError
from serve.gateway.app import BUCKETS_FILE, METRICS_DIR, create_app
from serve.gateway.config import GatewayConfig, load_gateway_config, read_api_key_file
from serve.gateway.limits import SharedBuckets
from serve.launcher import process_start_ticks

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"  # the request log's lines
_RUN_DIR_PREFIX = "chemassist-gateway-"
_RUN_FILE = "run.json"
_METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"
_PR_SET_PDEATHSIG = 1


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

    Workers share the listening socket (the kernel hands each new connection to one of them). A private run
    directory (mode 0700) holds the config with its keys, the keys' token buckets and prometheus_client's
    multiprocess files; it is removed on exit, or by the next start if this process was killed. Workers
    stop when this process dies. One process is enough for most labs: it spends ~0.3 ms of CPU per request
    plus ~0.05 ms per streamed chunk.
    """
    if workers <= 1:
        uvicorn.run(create_app(config), host=host, port=port, log_level=log_level, access_log=False)
        return
    _remove_stale_run_dirs()
    run_dir = Path(tempfile.mkdtemp(prefix=_RUN_DIR_PREFIX))
    saved = os.environ.get(_METRICS_ENV)
    try:
        request_log = logging.getLogger("serve.gateway").getEffectiveLevel() if logging.getLogger().handlers else None
        run_file = run_dir / _RUN_FILE
        run_file.touch(mode=0o600)
        run_file.write_text(
            json.dumps({"parent_pid": os.getpid(), "request_log": request_log, "config": _reveal(config.model_dump())}),
            encoding="utf-8",
        )
        SharedBuckets.create(run_dir / BUCKETS_FILE, [k.burst for k in config.api_keys])
        (run_dir / METRICS_DIR).mkdir()
        # prometheus_client reads this when a worker imports it; it is also how a worker finds the run directory.
        os.environ[_METRICS_ENV] = str(run_dir / METRICS_DIR)
        with _workers_skip_main_module():
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
        if saved is None:
            os.environ.pop(_METRICS_ENV, None)
        else:
            os.environ[_METRICS_ENV] = saved


@contextlib.contextmanager
def _workers_skip_main_module() -> Iterator[None]:
    """uvicorn's workers are spawned interpreters, and a spawned interpreter first imports the program's
    __main__ module (multiprocessing finds it through its __spec__ or __file__). Started from the chemassist
    CLI, that is all of chemassist (torch, RDKit): ~6 s per worker, past uvicorn's 5 s start-up check, and
    hundreds of MB each. The workers need only serve.gateway, so the main module is hidden while they run."""
    main = sys.modules["__main__"]
    saved: dict[str, Any] = {k: main.__dict__[k] for k in ("__spec__", "__file__") if k in main.__dict__}
    main.__spec__ = None
    main.__dict__.pop("__file__", None)
    try:
        yield
    finally:
        main.__dict__.update(saved)


def worker_app() -> Any:
    """One worker's app (uvicorn calls this in each worker process that `run` starts)."""
    run_dir = Path(os.environ[_METRICS_ENV]).parent
    run = json.loads((run_dir / _RUN_FILE).read_text(encoding="utf-8"))
    _stop_with_parent(run["parent_pid"])
    if run["request_log"] is not None:
        logging.basicConfig(level=run["request_log"], format=LOG_FORMAT)
    return create_app(GatewayConfig.model_validate(run["config"]), run_dir=run_dir)


def _stop_with_parent(parent_pid: int) -> None:
    """Ask Linux for SIGTERM when the gateway's main process dies, so no orphan keeps serving the port."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:  # it died before the request took effect
        raise SystemExit("the gateway's main process is gone")


def _remove_stale_run_dirs() -> None:
    """Run directories (they hold API keys) of multi-worker gateways that were killed before cleaning up."""
    for folder in Path(tempfile.gettempdir()).glob(_RUN_DIR_PREFIX + "*"):
        try:
            if folder.stat().st_uid != os.getuid():
                continue
            parent = json.loads((folder / _RUN_FILE).read_text(encoding="utf-8"))["parent_pid"]
        except (OSError, ValueError, KeyError):
            continue
        if process_start_ticks(parent) is None:  # gone (or a zombie): nothing will clean up after it
            shutil.rmtree(folder, ignore_errors=True)


def _reveal(data: Any) -> Any:
    """model_dump() output with every SecretStr written out (JSON for the workers; the folder is private)."""
    if isinstance(data, SecretStr):
        return data.get_secret_value()
    if isinstance(data, Path):
        return str(data)
    if isinstance(data, dict):
        return {k: _reveal(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_reveal(v) for v in data]
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
    parser.add_argument("--api-key-file", help="More API keys: NAME=KEY[:RATE_PER_S] lines, '#' comments.")
    args = parser.parse_args(argv)
    try:
        config = load_gateway_config(args.config)
        if args.api_key_file:
            keys = [*config.api_keys, *read_api_key_file(args.api_key_file)]
            config = GatewayConfig.model_validate({**dict(config), "api_keys": keys})
    except ValidationError as exc:
        parser.exit(2, f"{parser.prog}: error: {format_validation_error(exc, 'gateway config')}\n")
    except ServeError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    run(config, args.host, args.port, workers=args.workers, log_level=args.log_level)
