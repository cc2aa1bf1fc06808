"""Benchmark the serving stack against its baselines, in one run.

1. Gateway overhead: streaming chat completions straight to the scripted backend vs through the gateway
   (a separate process, as deployed), at concurrency 1 and 64; p50/p95/p99 and throughput, plus the ratio.
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

import httpx

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


def start_fake(port: int) -> subprocess.Popen[bytes]:
    argv = [sys.executable, str(FAKE), "--port", str(port), "--quiet"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_gateway(backends: list[str], folder: Path, read_timeout_s: float = 30) -> tuple[str, subprocess.Popen]:
    config = {
        "backends": [{"name": f"b{i}", "url": url, "models": ["fake-chat"]} for i, url in enumerate(backends)],
        "read_timeout_s": read_timeout_s,
    }
    path = folder / f"gateway-{len(backends)}.json"
    path.write_text(json.dumps(config))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "serve.gateway", "--config", str(path), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_health(url)
    return url, proc


async def one_stream(client: httpx.AsyncClient, url: str) -> float:
    started = time.perf_counter()
    async with client.stream("POST", f"{url}/v1/chat/completions", json=BODY) as resp:
        resp.raise_for_status()
        async for _ in resp.aiter_raw():
            pass
    return time.perf_counter() - started


async def run_load(url: str, concurrency: int, total: int) -> dict[str, float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        for _ in range(min(concurrency, 16)):  # warm the connections
            await one_stream(client, url)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(total):
            queue.put_nowait(i)
        latencies: list[float] = []

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                latencies.append(await one_stream(client, url))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {"p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "p99_ms": q[98] * 1000, "rps": total / wall}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (from /proc): unlike wall time, barely moved by other load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def overhead(direct_url: str, gateway_url: str, gateway_pid: int) -> list[dict[str, float | int | str]]:
    rows = []
    for concurrency, total in ((1, 300), (64, 1280)):
        # Alternate direct and gateway blocks so drift on a shared machine hits both alike.
        runs: dict[str, list[dict[str, float]]] = {"direct": [], "gateway": []}
        gateway_cpu = 0.0
        for _ in range(2):
            runs["direct"].append(asyncio.run(run_load(direct_url, concurrency, total // 2)))
            before = cpu_seconds(gateway_pid)
            runs["gateway"].append(asyncio.run(run_load(gateway_url, concurrency, total // 2)))
            gateway_cpu += cpu_seconds(gateway_pid) - before
        agg = {k: {m: statistics.mean(r[m] for r in v) for m in v[0]} for k, v in runs.items()}
        d, g = agg["direct"], agg["gateway"]
        rows.append(
            {
                "concurrency": concurrency,
                "requests": total,
                "direct_p50_ms": d["p50_ms"],
                "gateway_p50_ms": g["p50_ms"],
                "added_p50_ms": g["p50_ms"] - d["p50_ms"],
                "direct_p95_ms": d["p95_ms"],
                "gateway_p95_ms": g["p95_ms"],
                "direct_p99_ms": d["p99_ms"],
                "gateway_p99_ms": g["p99_ms"],
                "added_p99_ms": g["p99_ms"] - d["p99_ms"],
                "direct_rps": d["rps"],
                "gateway_rps": g["rps"],
                "throughput_ratio": g["rps"] / d["rps"],
                # warm-up requests are included in the CPU time, so this slightly overstates the cost
                "gateway_cpu_ms_per_request": gateway_cpu / total * 1000,
            }
        )
    return rows


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


def main() -> None:
    parser = argparse.ArgumentParser(description="Gateway overhead, failover, restart and sizing benchmarks.")
    parser.add_argument("--machine", default=MACHINE, help="Machine description for the report.")
    parser.add_argument("--results", type=Path, default=RESULTS, help="Folder for the JSON and Markdown.")
    parser.add_argument("--suffix", default="", help="Added to the result file names (another machine's run).")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        backend = start_fake(port)
        direct = f"http://127.0.0.1:{port}"
        try:
            wait_health(direct)
            gw_url, gw = start_gateway([direct], folder)
            try:
                rows = overhead(direct, gw_url, gw.pid)
            finally:
                gw.terminate()
                gw.wait(10)
        finally:
            backend.kill()
            backend.wait(10)
        fail = failover(folder)
        restart = restart_time(folder)
    sizing = sizing_rows()
    date = subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True, text=True).stdout.strip()
    result = {
        "date": date,
        "machine": args.machine,
        "load_average_at_start": load_before,
        "overhead": rows,
        "failover": fail,
        "restart": restart,
        "sizing": sizing,
    }
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"serve_gateway{args.suffix}.json").write_text(json.dumps(result, indent=2))
    lines = [
        "# Serving benchmarks",
        "",
        f"{date}, {args.machine}. `python benchmarks/serve_gateway.py`;",
        "backend = tests/fakes/fake_openai_server.py (an echo: the baseline costs almost nothing),",
        "gateway = `python -m serve.gateway` in its own process; streaming chat completions;",
        "load generator, gateway and backend share the machine's cores "
        f"(1-minute load average {load_before:.1f} when the run started).",
        "",
        "| concurrency | figure | direct (baseline) | via gateway | added / ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        c = r["concurrency"]
        lines += [
            f"| {c} | p50 latency ms | {r['direct_p50_ms']:.2f} | {r['gateway_p50_ms']:.2f} | "
            f"{r['added_p50_ms']:+.2f} ms | <= +1 ms |",
            f"| {c} | p99 latency ms | {r['direct_p99_ms']:.2f} | {r['gateway_p99_ms']:.2f} | "
            f"{r['added_p99_ms']:+.2f} ms | <= +5 ms |",
            f"| {c} | throughput req/s | {r['direct_rps']:.0f} | {r['gateway_rps']:.0f} | "
            f"{r['throughput_ratio']:.2f} x | >= 0.90 x |",
            f"| {c} | gateway CPU ms per request | - | {r['gateway_cpu_ms_per_request']:.2f} | | |",
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
