"""Launch specs for vLLM and llama-server, and the commands that start, watch and stop them from any shell.

`build_specs` turns a catalog and a placement plan into `LaunchSpec`s: real argument lists (never shell
strings) plus CUDA_VISIBLE_DEVICES. `start` runs each spec under a detached `serve.supervisor` process
that restarts it with backoff and writes a state file, so `status`, `down` and `logs` work from another
CLI invocation.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from serve.catalog import Catalog, ModelEntry
from serve.errors import LaunchError, NotRunning
from serve.placement import Placement, PlacementPlan

Status = Literal["starting", "healthy", "unhealthy", "restarting", "stopping", "stopped", "failed", "dead"]
_TORCH_DTYPE = {"fp16": "float16", "bf16": "bfloat16", "fp32": "float32"}
_VLLM_QUANT = {"awq": "awq", "gptq": "gptq", "fp8": "fp8"}


class RestartPolicy(BaseModel):
    """How the supervisor watches a backend; defaults suit vLLM (model loading takes minutes)."""

    max_restarts: int = Field(default=5, ge=0, description="Restarts before giving up (status 'failed').")
    backoff_initial_s: float = Field(default=1.0, gt=0)
    backoff_max_s: float = Field(default=60.0, gt=0)
    stable_after_s: float = Field(default=60.0, gt=0, description="Healthy this long resets the backoff.")
    startup_timeout_s: float = Field(default=900.0, gt=0, description="Time allowed to become healthy.")
    health_interval_s: float = Field(default=2.0, gt=0)
    health_timeout_s: float = Field(default=5.0, gt=0)
    health_failures: int = Field(default=3, ge=1, description="Consecutive failed checks before a restart.")
    stop_timeout_s: float = Field(default=20.0, gt=0, description="SIGTERM, then SIGKILL after this long.")
    log_max_bytes: int = Field(default=10_000_000, ge=1024)
    log_backups: int = Field(default=3, ge=0)


class LaunchSpec(BaseModel):
    """One backend process: what to run, where it listens, how to tell it is healthy."""

    name: str = Field(pattern=r"^[A-Za-z0-9._\-]+$")
    argv: list[str] = Field(min_length=1)
    env: dict[str, str] = Field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
    health_path: str = "/health"
    served_names: list[str] = Field(default_factory=list)
    policy: RestartPolicy = Field(default_factory=RestartPolicy)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


class BackendState(BaseModel):
    """What the supervisor last wrote about its backend (read by status/down/logs and the gateway)."""

    name: str
    status: Status
    supervisor_pid: int
    supervisor_started: int | None = Field(default=None, description="Start time of the supervisor's pid.")
    child_pid: int | None = None
    host: str
    port: int
    served_names: list[str] = Field(default_factory=list)
    restarts: int = 0
    last_exit_code: int | None = None
    message: str = ""
    log_file: str
    started_at: float
    updated_at: float

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


# -- command lines ---------------------------------------------------------------------------------------


def vllm_argv(
    model: ModelEntry, port: int, host: str = "127.0.0.1", tp: int = 1, max_num_seqs: int | None = None
) -> list[str]:
    """`vllm serve SOURCE ...`: TP size, memory utilization, context, quantization, LoRA, prefix cache."""
    argv = [
        "vllm",
        "serve",
        model.source,
        "--served-model-name",
        model.name,
        "--host",
        host,
        "--port",
        str(port),
    ]
    argv += [
        "--tensor-parallel-size",
        str(tp),
        "--gpu-memory-utilization",
        f"{model.gpu_memory_utilization:g}",
    ]
    argv += ["--max-model-len", str(model.context_length)]
    if model.quantization in _VLLM_QUANT:
        argv += ["--quantization", _VLLM_QUANT[model.quantization]]
    elif model.quantization in _TORCH_DTYPE:
        argv += ["--dtype", _TORCH_DTYPE[model.quantization]]
    if model.kv_cache_dtype == "fp8":
        argv += ["--kv-cache-dtype", "fp8"]
    if model.adapters:
        argv += ["--enable-lora", "--lora-modules", *(f"{a.name}={a.path}" for a in model.adapters)]
        argv += ["--max-loras", str(len(model.adapters))]
    if model.prefix_caching and model.role != "embeddings":
        argv.append("--enable-prefix-caching")
    seqs = model.max_num_seqs or max_num_seqs
    if seqs:
        argv += ["--max-num-seqs", str(seqs)]
    return argv


def llama_server_argv(model: ModelEntry, port: int, host: str = "127.0.0.1", parallel: int = 1) -> list[str]:
    """`llama-server -m FILE ...`: all layers on GPU, `parallel` slots each with the model's context."""
    parallel = model.max_num_seqs or parallel
    argv = ["llama-server", "-m", model.source, "--host", host, "--port", str(port), "--alias", model.name]
    # llama-server divides -c among the slots, so ask for context x slots.
    argv += [
        "-ngl",
        "999",
        "-c",
        str(model.context_length * parallel),
        "--parallel",
        str(parallel),
        "--metrics",
    ]
    if model.role == "embeddings":
        argv.append("--embeddings")
    return argv


def command_argv(model: ModelEntry, port: int, host: str = "127.0.0.1") -> list[str]:
    """A scripted backend's argv with {port}, {host} and {name} filled in."""
    assert model.command is not None
    values = {"port": str(port), "host": host, "name": model.name}
    return [arg.format(**values) if "{" in arg else arg for arg in model.command]


def spec_for(model: ModelEntry, port: int, placement: Placement | None = None, host: str = "127.0.0.1") -> LaunchSpec:
    """The launch spec of one instance of MODEL (pinned to the placement's GPUs when there is one)."""
    env: dict[str, str] = {}
    tp = 1
    seqs = None
    if placement is not None:
        env["CUDA_VISIBLE_DEVICES"] = placement.cuda_visible_devices
        tp = placement.tp
        seqs = max(1, min(placement.fit.max_concurrent_sequences, 256))
    if model.engine == "vllm":
        argv = vllm_argv(model, port, host, tp=tp)
    elif model.engine == "llama-server":
        argv = llama_server_argv(model, port, host, parallel=min(seqs or 1, 8))
    else:
        argv = command_argv(model, port, host)
    name = placement.instance_name if placement else model.name
    return LaunchSpec(name=name, argv=argv, env=env, host=host, port=port, served_names=model.served_names)


def build_specs(catalog: Catalog, plan: PlacementPlan, base_port: int = 8001) -> list[LaunchSpec]:
    """Launch specs for every placed instance and every scripted ('command') model, with distinct ports.

    Instances bind 127.0.0.1; put the gateway in front for other machines (a backend has no API keys).
    """
    taken = {m.port for m in catalog.models if m.port}
    next_port = base_port
    specs = []

    def free_port() -> int:
        nonlocal next_port
        while next_port in taken:
            next_port += 1
        taken.add(next_port)
        return next_port

    for placement in plan.placements:
        model = catalog.get(placement.model)
        port = model.port + placement.replica if model.port else free_port()
        taken.add(port)
        specs.append(spec_for(model, port, placement))
    for model in catalog.models:
        if model.engine == "command" and not model.endpoint:
            specs.append(spec_for(model, model.port or free_port()))
    return specs


def check_binary(argv: list[str]) -> str:
    """Absolute path of argv[0]; LaunchError saying how to install it when it is missing."""
    program = argv[0]
    found = shutil.which(program)
    if found:
        return found
    hints = {
        "vllm": "install vLLM on this GPU host (pip install vllm) or serve the model with llama-server",
        "llama-server": "install llama.cpp's llama-server (build llama.cpp with CUDA) and put it on PATH",
    }
    raise LaunchError(f"{program!r} is not installed on this machine: {hints.get(program, 'check the command')}")


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


# -- state directory -------------------------------------------------------------------------------------


def state_path(state_dir: Path, name: str) -> Path:
    return Path(state_dir) / "state" / f"{name}.json"


def log_path(state_dir: Path, name: str) -> Path:
    return Path(state_dir) / "logs" / f"{name}.log"


def write_state(state_dir: Path, state: BackendState) -> None:
    """Atomically replace the state file (readers never see half a file)."""
    path = state_path(state_dir, state.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(state.model_dump_json(indent=2), encoding="utf-8")
    os.replace(tmp, path)


def process_start_ticks(pid: int) -> int | None:
    """When PID started (clock ticks since boot), or None if no such process: tells a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):  # exited, waiting to be reaped by whoever started it
        return None
    return int(fields[19])


def _alive(state: BackendState) -> bool:
    return (
        state.supervisor_started is not None and process_start_ticks(state.supervisor_pid) == state.supervisor_started
    )


def read_state(state_dir: Path, name: str) -> BackendState:
    """The backend's state; status 'dead' when its supervisor is gone without saying so."""
    path = state_path(state_dir, name)
    if not path.is_file():
        raise NotRunning(f"no backend named {name!r} was started from {state_dir}")
    state = BackendState.model_validate_json(path.read_text(encoding="utf-8"))
    if state.status not in ("stopped", "failed") and not _alive(state):
        state = state.model_copy(update={"status": "dead", "message": "supervisor is gone (killed or rebooted)"})
    return state


def list_states(state_dir: Path) -> list[BackendState]:
    folder = Path(state_dir) / "state"
    return [read_state(state_dir, p.stem) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []


# -- start, wait, stop, logs ----------------------------------------------------------------------------


def start(spec: LaunchSpec, state_dir: Path) -> int:
    """Start SPEC under a detached supervisor; returns the supervisor's pid. Checks binary and port first."""
    state_dir = Path(state_dir)
    check_binary(spec.argv)
    try:
        current = read_state(state_dir, spec.name)
        if current.status not in ("stopped", "failed", "dead"):
            raise LaunchError(f"{spec.name} is already running (pid {current.supervisor_pid}); stop it first")
    except NotRunning:
        pass
    if port_in_use(spec.host, spec.port):
        raise LaunchError(
            f"port {spec.port} on {spec.host} is already in use by another process; "
            f"stop it or give {spec.name} another port"
        )
    spec_file = state_dir / "specs" / f"{spec.name}.json"
    spec_file.parent.mkdir(parents=True, exist_ok=True)
    spec_file.write_text(spec.model_dump_json(indent=2), encoding="utf-8")
    log = log_path(state_dir, spec.name)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log.with_suffix(".supervisor.log"), "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "serve.supervisor", str(spec_file), "--state-dir", str(state_dir)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the CLI that started it
        )
    _await_supervisor(proc, state_dir, spec.name)
    return proc.pid


def _await_supervisor(proc: subprocess.Popen[bytes], state_dir: Path, name: str, timeout_s: float = 20.0) -> None:
    """Return once the new supervisor has written its first state, so that `stop` can always find it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(NotRunning, ValueError):
            if read_state(state_dir, name).supervisor_pid == proc.pid:
                return
        if proc.poll() is not None:
            tail = "\n".join(tail_log(state_dir, name, 10))
            raise LaunchError(f"the supervisor of {name} exited at once (code {proc.returncode}):\n{tail}")
        time.sleep(0.05)
    proc.kill()
    raise LaunchError(f"the supervisor of {name} did not report within {timeout_s:g} s; it was stopped")


def wait_healthy(state_dir: Path, name: str, timeout_s: float) -> BackendState:
    """Poll the state file until the backend is healthy; LaunchError (with the log tail) if it gives up."""
    deadline = time.monotonic() + timeout_s
    state = None
    while time.monotonic() < deadline:
        try:
            state = read_state(state_dir, name)
        except NotRunning:
            time.sleep(0.1)
            continue
        if state.status == "healthy":
            return state
        if state.status in ("failed", "dead", "stopped"):
            break
        time.sleep(0.1)
    tail = "\n".join(tail_log(state_dir, name, 8)) if log_path(state_dir, name).exists() else ""
    why = f"status {state.status}: {state.message}" if state else "its supervisor never wrote a state"
    raise LaunchError(f"{name} did not become healthy within {timeout_s:g} s ({why}). Last log lines:\n{tail}")


def stop(state_dir: Path, name: str, timeout_s: float | None = None) -> BackendState:
    """Ask NAME's supervisor to stop (it sends SIGTERM, then SIGKILL, to the backend); wait for it."""
    state = read_state(state_dir, name)
    if state.status in ("stopped", "failed", "dead"):
        _kill_group(state.child_pid, signal.SIGKILL)  # leftovers of a killed supervisor
        return state
    spec = LaunchSpec.model_validate_json((Path(state_dir) / "specs" / f"{name}.json").read_text(encoding="utf-8"))
    timeout_s = timeout_s or spec.policy.stop_timeout_s + 5
    if state.supervisor_pid == os.getpid():
        raise LaunchError(f"{name} is supervised inside this process; call its Supervisor.stop()")
    os.kill(state.supervisor_pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and _alive(state):
        time.sleep(0.05)
    if _alive(state):
        os.kill(state.supervisor_pid, signal.SIGKILL)
        _kill_group(state.child_pid, signal.SIGKILL)
    return read_state(state_dir, name)


def _kill_group(pid: int | None, sig: int) -> None:
    if not pid:
        return
    # The backend leads its own process group (vLLM's workers included).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def tail_log(state_dir: Path, name: str, lines: int = 50) -> list[str]:
    """The last LINES lines of NAME's backend log."""
    path = log_path(state_dir, name)
    if not path.is_file():
        raise NotRunning(f"no log for {name!r} in {Path(state_dir) / 'logs'}")
    with open(path, encoding="utf-8", errors="replace") as fh:
        return [line.rstrip("\n") for line in deque(fh, maxlen=lines)]


def spec_to_json(specs: list[LaunchSpec]) -> str:
    return json.dumps([s.model_dump() for s in specs], indent=2)
