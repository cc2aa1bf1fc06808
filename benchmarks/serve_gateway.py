"""Benchmark the serving stack against its baselines, in one run.

1. Gateway overhead: streaming chat completions straight to the scripted backend vs through the gateway
   (a separate process, as deployed), at concurrency 1 and 64; p50/p95/p99 and throughput, plus the ratio.
   Twice: against a backend that answers at once (saturating load) and one that streams at a GPU's pace.
2. Failover: non-streaming requests through the gateway while one of two replicas is killed.
3. Restart: time from a backend crash to healthy again under the supervisor's default policy.
4. Sizing: the seed documents' figures vs what serve.sizing computes.

    .venv/bin/python benchmarks/serve_gateway.py

Writes benchmarks/results/serve_gateway.json and benchmarks/results/serve.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httptools
import httpx
import uvloop

from serve import launcher
from serve.catalog import ModelEntry
from serve.hardware import GB, lookup_gpu
from serve.launcher import LaunchSpec, RestartPolicy
from serve.sizing import kv_bytes_per_token, size_on_gpus, weight_bytes

ROOT = Path(__file__).resolve().parents[1]
FAKE = ROOT / "tests" / "fakes" / "fake_openai_server.py"
RESULTS = ROOT / "benchmarks" / "results"
MACHINE = "2-core x86_64 CPU, 24 GiB"
BODY = {
    "model": "fake-chat",
    "stream": True,
    "messages": [{"role": "user", "content": "give me the boiling point of ethanol please"}],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_health(url: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} never became healthy")


def start_fake(port: int, *extra: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, str(FAKE), "--port", str(port), "--quiet", *extra]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_gateway(
    backends: list[str], folder: Path, read_timeout_s: float = 30, model: str = "fake-chat", workers: int = 1
) -> tuple[str, subprocess.Popen]:
    config = {
        "backends": [{"name": f"b{i}", "url": url, "models": [model]} for i, url in enumerate(backends)],
        "read_timeout_s": read_timeout_s,
    }
    path = folder / f"gateway-{len(backends)}.json"
    path.write_text(json.dumps(config))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "serve.gateway", "--config", str(path), "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_health(url)
    return url, proc


class _LoadConnection(asyncio.Protocol):
    """One keep-alive connection of the load generator: writes a request, resolves a future when the reply ends.

    A wrk-style client (asyncio protocol + httptools, the parser uvicorn uses) rather than httpx: httpx spends
    ~2 ms of CPU per streamed request, so on a small machine the load generator itself was the bottleneck and
    the figures measured it more than the gateway.
    """

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.done: asyncio.Future[int] | None = None
        self.first_byte: float | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_exception(ConnectionError("server closed the connection"))

    def on_body(self, body: bytes) -> None:
        if self.first_byte is None:
            self.first_byte = time.perf_counter()

    def on_message_complete(self) -> None:
        assert self.done is not None
        self.done.set_result(self.parser.get_status_code())

    async def request(self, raw: bytes) -> tuple[float, float]:
        """Seconds to the last byte and to the first body byte (the first streamed chunk)."""
        assert self.transport is not None
        self.done = asyncio.get_running_loop().create_future()
        self.first_byte = None
        started = time.perf_counter()
        self.transport.write(raw)
        status = await self.done
        if status != 200:
            raise RuntimeError(f"status {status}")
        ended = time.perf_counter()
        return ended - started, (self.first_byte or ended) - started


def request_bytes(url: str) -> bytes:
    body = json.dumps(BODY).encode()
    host = url.removeprefix("http://")
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def run_load(url: str, concurrency: int, total: int) -> tuple[list[tuple[float, float]], float]:
    """TOTAL streaming requests over CONCURRENCY keep-alive connections (closed loop); latency = to the last byte."""
    loop = asyncio.get_running_loop()
    host, port = url.removeprefix("http://").split(":")
    raw = request_bytes(url)
    conns = [(await loop.create_connection(_LoadConnection, host, int(port)))[1] for _ in range(concurrency)]
    # Warm every connection (and the server's pool behind it) at once: one by one, the first would sit idle
    # past uvicorn's 5 s keep-alive while a paced backend answers the rest.
    await asyncio.gather(*(conn.request(raw) for conn in conns))
    remaining = total
    latencies: list[tuple[float, float]] = []

    async def worker(conn: _LoadConnection) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            latencies.append(await conn.request(raw))

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    wall = time.perf_counter() - started
    for conn in conns:
        assert conn.transport is not None
        conn.transport.close()
    return latencies, wall


async def httpx_stream(client: httpx.AsyncClient, url: str) -> tuple[float, float]:
    started = time.perf_counter()
    first = None
    async with client.stream("POST", f"{url}/v1/chat/completions", json=BODY) as resp:
        resp.raise_for_status()
        async for _ in resp.aiter_raw():
            first = first or time.perf_counter()
    ended = time.perf_counter()
    return ended - started, (first or ended) - started


async def run_load_httpx(url: str, concurrency: int, total: int) -> tuple[list[tuple[float, float]], float]:
    """The same load through httpx, the client the app's OpenAI SDK uses (it costs ~2 ms CPU per request)."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        for _ in range(min(concurrency, 16)):  # warm the connections
            await httpx_stream(client, url)
        remaining = total
        latencies: list[tuple[float, float]] = []

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                latencies.append(await httpx_stream(client, url))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used (from /proc): unlike wall time, barely moved by other load."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def child_pids(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


# Load generator -> (function, [(concurrency, requests per block)], alternating rounds).
LOADS = {
    "lean": (run_load, [(1, 600), (64, 3000)], 3),
    "httpx": (run_load_httpx, [(1, 150), (64, 640)], 2),
}
# Against a backend that streams at a GPU server's pace: the load a gateway meets in service.
PACED_LOADS = {"lean": (run_load, [(1, 40), (64, 640)], 3)}
TOKEN_INTERVAL_MS = 20  # 50 tokens/s per sequence, a 7-8B model at batch 64 on one data-center GPU


def overhead(
    direct_url: str, gateway_url: str, pids: dict[str, list[int]], loads: dict = LOADS
) -> list[dict[str, float | int | str]]:
    """Direct vs via-gateway blocks, alternated so drift on a shared machine hits both alike; CPU per process."""
    rows = []
    for client, (load, sizes, rounds) in loads.items():
        for concurrency, block in sizes:
            samples: dict[str, list[tuple[float, float]]] = {"direct": [], "gateway": []}
            wall = {"direct": 0.0, "gateway": 0.0}
            cpu = {(mode, proc): 0.0 for mode in samples for proc in pids}
            for _ in range(rounds):
                for mode, url in (("direct", direct_url), ("gateway", gateway_url)):
                    before = {proc: cpu_seconds(pid) for proc, pid in pids.items()}
                    latencies, seconds = uvloop.run(load(url, concurrency, block))
                    for proc, pid in pids.items():
                        cpu[mode, proc] += cpu_seconds(pid) - before[proc]
                    samples[mode] += latencies
                    wall[mode] += seconds
            total = block * rounds
            q = {mode: statistics.quantiles([t for t, _ in v], n=100) for mode, v in samples.items()}
            first = {mode: statistics.quantiles([f for _, f in v], n=100) for mode, v in samples.items()}
            rps = {mode: total / wall[mode] for mode in samples}
            row: dict[str, float | int | str] = {"load_client": client, "concurrency": concurrency, "requests": total}
            for mode in samples:
                row |= {
                    f"{mode}_p50_ms": q[mode][49] * 1000,
                    f"{mode}_p95_ms": q[mode][94] * 1000,
                    f"{mode}_p99_ms": q[mode][98] * 1000,
                    f"{mode}_first_chunk_p50_ms": first[mode][49] * 1000,
                    f"{mode}_first_chunk_p99_ms": first[mode][98] * 1000,
                    f"{mode}_rps": rps[mode],
                }
            # CPU ms per request by process (warm-up requests included, so slightly overstated); the gateway's
            # figure depends little on what else runs on the machine, unlike the latencies.
            for (mode, proc), seconds in cpu.items():
                if not (mode == "direct" and proc == "gateway"):
                    row[f"{mode}_{proc}_cpu_ms_per_request"] = seconds / total * 1000
            rows.append(with_differences(row))
    return rows


def with_differences(row: dict[str, float | int | str]) -> dict[str, float | int | str]:
    """Added latency (to the last byte and to the first chunk) and the throughput ratio, via gateway vs direct."""
    for key in ("p50", "p99", "first_chunk_p50", "first_chunk_p99"):
        row[f"added_{key}_ms"] = float(row[f"gateway_{key}_ms"]) - float(row[f"direct_{key}_ms"])
    row["throughput_ratio"] = float(row["gateway_rps"]) / float(row["direct_rps"])
    return row


def failover(folder: Path) -> dict[str, int]:
    ports = [free_port(), free_port()]
    procs = [start_fake(p) for p in ports]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for url in urls:
            wait_health(url)
        gw_url, gw = start_gateway(urls, folder)
        body = {**BODY, "stream": False}
        ok = errors = 0
        try:
            with httpx.Client(timeout=30) as client:
                for i in range(200):
                    if i == 50:
                        procs[0].kill()
                    code = client.post(f"{gw_url}/v1/chat/completions", json=body).status_code
                    ok, errors = (ok + 1, errors) if code == 200 else (ok, errors + 1)
        finally:
            gw.terminate()
            gw.wait(10)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(10)
    return {"requests": 200, "ok": ok, "client_visible_errors": errors, "killed_replica_at_request": 50}


def restart_time(folder: Path) -> dict[str, float]:
    port = free_port()
    argv = [sys.executable, str(FAKE), "--port", str(port), "--quiet", "--crash-after", "0"]
    spec = LaunchSpec(name="bench", argv=argv, port=port, policy=RestartPolicy())
    state_dir = folder / "state"
    launcher.start(spec, state_dir)
    try:
        launcher.wait_healthy(state_dir, "bench", 30)
        crashed = time.perf_counter()
        with contextlib.suppress(httpx.HTTPError):  # the request that makes it crash
            httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2)
        while True:
            state = launcher.read_state(state_dir, "bench")
            if state.restarts >= 1 and state.status == "healthy":
                break
            if time.perf_counter() - crashed > 30:
                raise RuntimeError("backend was not restarted within 30 s")
            time.sleep(0.02)
        return {"seconds_to_healthy_after_crash": time.perf_counter() - crashed}
    finally:
        launcher.stop(state_dir, "bench")


def overhead_runs(folder: Path, loads: dict, repeat: int, workers: int, *backend_args: str) -> list[list[dict]]:
    """REPEAT overhead runs against one fake backend (started with BACKEND_ARGS) and a gateway in front of it."""
    port = free_port()
    backend = start_fake(port, *backend_args)
    direct = f"http://127.0.0.1:{port}"
    try:
        wait_health(direct)
        gw_url, gw = start_gateway([direct], folder, workers=workers)
        try:
            # With --workers the gateway is a parent and its worker processes: count them all.
            pids = {"client": [os.getpid()], "backend": [backend.pid], "gateway": [gw.pid, *child_pids(gw.pid)]}
            return [overhead(direct, gw_url, pids, loads) for _ in range(repeat)]
        finally:
            gw.terminate()
            gw.wait(10)
    finally:
        backend.kill()
        backend.wait(10)


def sizing_rows() -> list[dict[str, object]]:
    l70 = dict(name="llama-70b", source="x", role="general", params_b=70, layers=80, kv_heads=8, head_dim=128)
    rtx3090 = lookup_gpu("RTX 3090")
    assert rtx3090 is not None
    two_3090 = size_on_gpus(ModelEntry(**l70, quantization="awq", context_length=2048), [rtx3090] * 2, tp=2)
    return [
        {
            "figure": "70B weights at FP16 (GB)",
            "seed": "~140",
            "ours": round(weight_bytes(70, "fp16") / GB, 1),
        },
        {
            "figure": "70B weights at INT8 (GB)",
            "seed": "~70",
            "ours": round(weight_bytes(70, "int8") / GB, 1),
        },
        {
            "figure": "70B weights at AWQ 4-bit (GB)",
            "seed": "35-40",
            "ours": round(weight_bytes(70, "awq") / GB, 1),
        },
        {
            "figure": "70B weights at Q4_K_M (GB)",
            "seed": "~40 (0.57-0.6 B/param)",
            "ours": round(weight_bytes(70, "q4_k_m") / GB, 1),
        },
        {
            "figure": "Llama-3-8B KV cache per token (KiB)",
            "seed": "128",
            "ours": kv_bytes_per_token(32, 8, 128, "fp16") / 1024,
        },
        {
            "figure": "4-bit 70B on 2 x 24 GB: KV tokens left",
            "seed": "little room",
            "ours": two_3090.max_tokens_in_cache,
        },
    ]


def median_row(same: tuple[dict[str, float | int | str], ...]) -> dict[str, float | int | str]:
    """One row per (client, concurrency): the median of each measured figure over the runs, then the
    added latency and the ratio from those medians (so the report's columns agree with each other)."""
    row: dict[str, float | int | str] = {
        key: statistics.median(float(r[key]) for r in same) if isinstance(value, float) else value
        for key, value in same[0].items()
    }
    return with_differences(row)


def _load(avg: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.1f}" for x in avg)


def main() -> None:
    parser = argparse.ArgumentParser(description="Gateway overhead, failover, restart and sizing benchmarks.")
    parser.add_argument("--machine", default=MACHINE, help="Machine description for the report.")
    parser.add_argument("--results", type=Path, default=RESULTS, help="Folder for the JSON and Markdown.")
    parser.add_argument("--suffix", default="", help="Added to the result file names (another machine's run).")
    parser.add_argument("--repeat", type=int, default=3, help="Overhead runs; the report gives their median.")
    parser.add_argument("--gateway-workers", type=int, default=1, help="Gateway processes (serve.gateway --workers).")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workers = args.gateway_workers
        runs = overhead_runs(folder, LOADS, args.repeat, workers)
        interval = ("--token-interval-ms", str(TOKEN_INTERVAL_MS))
        paced_runs = overhead_runs(folder, PACED_LOADS, args.repeat, workers, *interval)
        fail = failover(folder)
        restart = restart_time(folder)
    load_after = os.getloadavg()
    rows = [median_row(same) for same in zip(*runs, strict=True)]
    paced = [median_row(same) for same in zip(*paced_runs, strict=True)]
    sizing = sizing_rows()
    date = subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True, text=True).stdout.strip()
    result = {
        "date": date,
        "machine": args.machine,
        "cpus": os.cpu_count(),
        "load_average_at_start": load_before,
        "load_average_at_end": load_after,
        "overhead_runs": args.repeat,
        "gateway_workers": args.gateway_workers,
        "overhead": rows,
        "overhead_each_run": runs,
        "paced_token_interval_ms": TOKEN_INTERVAL_MS,
        "paced_overhead": paced,
        "paced_overhead_each_run": paced_runs,
        "failover": fail,
        "restart": restart,
        "sizing": sizing,
    }
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"serve_gateway{args.suffix}.json").write_text(json.dumps(result, indent=2))
    lines = [
        "# Serving benchmarks",
        "",
        f"{date}, {args.machine}. `python benchmarks/serve_gateway.py` (median of {args.repeat} runs);",
        "backend = tests/fakes/fake_openai_server.py (an echo: the baseline costs almost nothing),",
        f"gateway = `python -m serve.gateway --workers {args.gateway_workers}` in its own process(es); streaming chat "
        "completions,",
        "direct and via-gateway blocks alternated. Load generator, gateway and backend share the machine's cores",
        f"with whatever else runs there: load average (1, 5, 15 min) {_load(load_before)} at the start, "
        f"{_load(load_after)} at the end.",
        "",
        "**Saturating load** (first table): the backend answers as fast as it can, so the closed-loop clients",
        "keep every core busy and any CPU the gateway spends shows up as queueing. Two load generators.",
        "**lean**: a wrk-style asyncio + httptools client (~0.1 ms CPU per request), so the figures are about",
        "the gateway. **httpx**: the client the app's OpenAI SDK uses; it spends ~2 ms CPU per streamed request",
        "and saturates its core first, so there the gateway mostly competes with it for CPU.",
        "Gateway CPU ms per request is the figure least moved by the machine and by other load.",
        "",
        "| client | concurrency | figure | direct (baseline) | via gateway | added / ratio | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        c, k = r["concurrency"], r["load_client"]
        lines += [
            f"| {k} | {c} | p50 latency ms | {r['direct_p50_ms']:.2f} | {r['gateway_p50_ms']:.2f} | "
            f"{r['added_p50_ms']:+.2f} ms | <= +1 ms |",
            f"| {k} | {c} | p99 latency ms | {r['direct_p99_ms']:.2f} | {r['gateway_p99_ms']:.2f} | "
            f"{r['added_p99_ms']:+.2f} ms | <= +5 ms |",
            f"| {k} | {c} | throughput req/s | {r['direct_rps']:.0f} | {r['gateway_rps']:.0f} | "
            f"{r['throughput_ratio']:.2f} x | >= 0.90 x |",
            f"| {k} | {c} | CPU ms per request: gateway | - | {r['gateway_gateway_cpu_ms_per_request']:.2f} | | |",
            f"| {k} | {c} | CPU ms per request: backend | {r['direct_backend_cpu_ms_per_request']:.2f} | "
            f"{r['gateway_backend_cpu_ms_per_request']:.2f} | | |",
            f"| {k} | {c} | CPU ms per request: load generator | {r['direct_client_cpu_ms_per_request']:.2f} | "
            f"{r['gateway_client_cpu_ms_per_request']:.2f} | | |",
        ]
    lines += [
        "",
        f"**Paced backend**: the same fake backend streaming one chunk every {TOKEN_INTERVAL_MS} ms (50 tokens/s per",
        "sequence, as a GPU server decodes; the first pause stands for prefill), lean client. This is the load a",
        "gateway meets in service: the model, not the CPU, sets the pace, so the added latency is the gateway's",
        "own, not queueing for a saturated CPU.",
        "",
        "| concurrency | figure | direct (baseline) | via gateway | added / ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for r in paced:
        c = r["concurrency"]
        for key, label in (("first_chunk_p50", "first chunk p50 ms"), ("first_chunk_p99", "first chunk p99 ms")):
            lines.append(
                f"| {c} | {label} | {r[f'direct_{key}_ms']:.2f} | {r[f'gateway_{key}_ms']:.2f} | "
                f"{r[f'added_{key}_ms']:+.2f} ms | |"
            )
        lines += [
            f"| {c} | p50 latency ms (last byte) | {r['direct_p50_ms']:.2f} | {r['gateway_p50_ms']:.2f} | "
            f"{r['added_p50_ms']:+.2f} ms | <= +1 ms |",
            f"| {c} | p99 latency ms (last byte) | {r['direct_p99_ms']:.2f} | {r['gateway_p99_ms']:.2f} | "
            f"{r['added_p99_ms']:+.2f} ms | <= +5 ms |",
            f"| {c} | throughput req/s | {r['direct_rps']:.1f} | {r['gateway_rps']:.1f} | "
            f"{r['throughput_ratio']:.2f} x | >= 0.90 x |",
            f"| {c} | CPU ms per request: gateway | - | {r['gateway_gateway_cpu_ms_per_request']:.2f} | | |",
        ]
    lines += [
        "",
        f"Failover: {fail['requests']} non-streaming requests, one of two replicas killed at request "
        f"{fail['killed_replica_at_request']}: {fail['client_visible_errors']} client-visible errors (target 0).",
        "",
        f"Restart: crashed backend healthy again after {restart['seconds_to_healthy_after_crash']:.2f} s "
        "under the default policy (target <= 5 s).",
        "",
        "| sizing figure | seed documents | serve.sizing |",
        "|---|---|---|",
        *(f"| {s['figure']} | {s['seed']} | {s['ours']} |" for s in sizing),
        "",
    ]
    (args.results / f"serve{args.suffix}.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
