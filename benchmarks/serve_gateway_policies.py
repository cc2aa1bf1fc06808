"""Benchmark the gateway's routing policies against round-robin, in one run, on loopback.

1. Policies under load: three scripted backends of different speeds and queue depths (fast: 20 ms per
   request, 8 at once; medium: 60 ms, 8 at once; slow: 150 ms, 2 at once, the rest queue), closed-loop
   clients; each policy's p50 / p99 latency and throughput, and the ratio to round-robin measured in the same
   run. Every policy is a model name of one gateway process over the same backends, run one after another.
2. Sticky routing: three replicas that simulate prefix caching (prefill time per prompt word that the
   replica has not cached); multi-turn chats with a long shared system prompt; time to the first byte of
   turns 2.. with sticky routing vs round-robin.
3. Added latency: sequential requests to two backends that answer at once, through the gateway with
   round-robin vs with each policy (sticky and load-aware included), blocks interleaved; the p50 difference
   (target: within +0.1 ms).

    .venv/bin/python benchmarks/serve_gateway_policies.py            # ~2 minutes

Writes benchmarks/results/serve_gateway_policies.json and .md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAKE = ROOT / "tests" / "fakes" / "fake_openai_server.py"
RESULTS = ROOT / "benchmarks" / "results"
MACHINE = "2-core x86_64 CPU, 24 GiB, shared with other work"
POLICIES = ["round_robin", "failover", "weighted", "cost", "latency", "load"]
# name -> (work ms, requests at once, weight, cost US$/M tokens): the fast host is the dearest (newest GPUs).
BACKENDS = {"fast": (20, 8, 4, 0.30), "medium": (60, 8, 2, 0.20), "slow": (150, 2, 1, 0.10)}
SYSTEM_WORDS = 1200  # the shared system prompt (instructions, tool descriptions) of a chat
PREFILL_MS_PER_WORD = 0.15  # ~180 ms to prefill the system prompt when it is not cached


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(port: int, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status in (200, 503):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing healthy on port {port}")


def start(argv: list[str], port: int, procs: list[subprocess.Popen]) -> str:
    procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    wait_up(port)
    return f"http://127.0.0.1:{port}"


def fake(procs: list[subprocess.Popen], models: list[str], *flags: str) -> str:
    port = free_port()
    argv = [sys.executable, str(FAKE), "--port", str(port), "--quiet", *flags]
    return start(argv + [f for m in models for f in ("--model", m)], port, procs)


def gateway(procs: list[subprocess.Popen], folder: Path, config: dict) -> int:
    path = folder / f"gateway-{len(procs)}.json"
    path.write_text(json.dumps(config))
    port = free_port()
    start([sys.executable, "-m", "serve.gateway", "--config", str(path), "--port", str(port)], port, procs)
    return port


class Client:
    """One kept-alive connection (http.client: ~0.1 ms of client CPU per request, so the gateway shows)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, body: dict, headers: dict | None = None) -> tuple[float, str]:
        """(seconds to the whole reply, the backend that answered)."""
        data = json.dumps(body).encode()
        started = time.perf_counter()
        self.conn.request("POST", "/v1/chat/completions", data, {"Content-Type": "application/json", **(headers or {})})
        resp = self.conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"gateway answered {resp.status}")
        return time.perf_counter() - started, resp.getheader("x-chemassist-backend", "")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def closed_loop(port: int, model: str, concurrency: int, total: int) -> dict:
    """TOTAL chat requests from CONCURRENCY clients that each send the next one when the last returns."""
    latencies: list[float] = []
    used: Counter[str] = Counter()
    lock = threading.Lock()
    left = [total]
    body = {"model": model, "messages": [{"role": "user", "content": "boiling point of ethanol"}]}

    def worker() -> None:
        client = Client(port)
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            seconds, backend = client.post(body)
            with lock:
                latencies.append(seconds)
                used[backend] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": pct(latencies, 0.99) * 1000,
        "throughput_rps": total / wall,
        "share": dict(sorted(used.items())),
    }


def policies_under_load(folder: Path, concurrency: int, total: int) -> list[dict]:
    procs: list[subprocess.Popen] = []
    try:
        backends = []
        for name, (work_ms, running, weight, cost) in BACKENDS.items():
            url = fake(procs, POLICIES, "--work-ms", str(work_ms), "--max-running", str(running))
            backends.append({"name": name, "url": url, "models": POLICIES, "weight": weight, "cost_per_m_tokens": cost})
        config = {
            "backends": backends,
            "routing": {p: {"policy": p} for p in POLICIES},
            "metrics_interval_s": 0.25,
        }
        port = gateway(procs, folder, config)
        closed_loop(port, "round_robin", concurrency, concurrency * 2)  # connections and caches warm
        rows = []
        for policy in POLICIES:
            closed_loop(port, policy, concurrency, concurrency)  # the policy's first measurements
            rows.append({"policy": policy, **closed_loop(port, policy, concurrency, total)})
        return rows
    finally:
        stop(procs)


def conversation_turns(tag: str, turns: int) -> list[list[dict]]:
    system = {"role": "system", "content": f"[{tag}] " + " ".join(f"rule{i}" for i in range(SYSTEM_WORDS))}
    messages, out = [system], []
    for i in range(turns):
        messages = [*messages, {"role": "user", "content": f"question {i} about polymer {tag}"}]
        out.append(messages)
        messages = [*messages, {"role": "assistant", "content": f"echo: question {i} about polymer {tag}"}]
    return out


def sticky_benefit(folder: Path, chats: int, turns: int) -> dict:
    """Time to the reply (prefill dominates: the fake answers at once after it) of turns 2.. of CHATS chats."""
    procs: list[subprocess.Popen] = []
    flags = ("--prefill-ms-per-token", str(PREFILL_MS_PER_WORD))
    try:
        names = ["r0", "r1", "r2"]
        urls = [fake(procs, ["rr", "sticky"], *flags) for _ in names]
        config = {
            "backends": [{"name": n, "url": u, "models": ["rr", "sticky"]} for n, u in zip(names, urls, strict=True)],
            "routing": {"sticky": {"policy": "round_robin", "sticky": True}},
        }
        port = gateway(procs, folder, config)
        out: dict[str, dict] = {}
        for model in ("rr", "sticky"):
            first: list[float] = []
            later: list[float] = []
            lock = threading.Lock()

            def chat(i: int, model: str = model, first: list = first, later: list = later, lock=lock) -> None:
                client = Client(port)
                for k, messages in enumerate(conversation_turns(f"{model}-{i}", turns)):
                    seconds, _ = client.post({"model": model, "messages": messages})
                    with lock:
                        (first if k == 0 else later).append(seconds)

            threads = [threading.Thread(target=chat, args=(i,)) for i in range(chats)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            out[model] = {
                "first_turn_p50_ms": statistics.median(first) * 1000,
                "later_turns_p50_ms": statistics.median(later) * 1000,
                "later_turns_p99_ms": pct(later, 0.99) * 1000,
                "later_turns_mean_ms": statistics.fmean(later) * 1000,
            }
        return out
    finally:
        stop(procs)


def added_latency(folder: Path, rounds: int, per_block: int) -> dict:
    """p50 of sequential requests through the gateway per policy; blocks interleaved so drift hits all alike."""
    names = ["round_robin", "failover", "weighted", "cost", "latency", "load", "sticky"]
    procs: list[subprocess.Popen] = []
    try:
        urls = [fake(procs, names) for _ in range(2)]
        routing = {p: {"policy": p} for p in POLICIES}
        routing["sticky"] = {"policy": "round_robin", "sticky": True}
        config = {
            "backends": [
                {"name": f"b{i}", "url": u, "models": names, "cost_per_m_tokens": 0.1 * (i + 1)}
                for i, u in enumerate(urls)
            ],
            "routing": routing,
            "metrics_interval_s": 0.25,
        }
        port = gateway(procs, folder, config)
        direct = Client(int(urls[0].rsplit(":", 1)[1]))
        clients = {n: Client(port) for n in names}
        samples: dict[str, list[float]] = {n: [] for n in [*names, "direct"]}
        body = {
            "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "boiling point of ethanol"}]
        }
        for n in names:  # warm up
            for _ in range(50):
                clients[n].post({**body, "model": n})
        for _ in range(rounds):
            for n in names:
                samples[n] += [clients[n].post({**body, "model": n})[0] for _ in range(per_block)]
            samples["direct"] += [direct.post({**body, "model": "round_robin"})[0] for _ in range(per_block)]
        p50 = {n: statistics.median(v) * 1000 for n, v in samples.items()}
        return {
            "requests_per_policy": rounds * per_block,
            "p50_ms": p50,
            "added_vs_round_robin_ms": {n: p50[n] - p50["round_robin"] for n in names if n != "round_robin"},
            "gateway_vs_direct_ms": p50["round_robin"] - p50["direct"],
        }
    finally:
        stop(procs)


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def report(result: dict) -> str:
    rr = next(r for r in result["policies"] if r["policy"] == "round_robin")
    lines = [
        "# Serving: routing policies (issue 22)",
        "",
        f"{result['date']}, {result['machine']}. `python benchmarks/serve_gateway_policies.py`; load average "
        f"{result['load_average_at_start'][0]:.1f} at the start, {result['load_average_at_end'][0]:.1f} at the end.",
        "",
        f"**Policies under load**: {result['concurrency']} closed-loop clients, {result['requests']} requests per "
        "policy; backends fast (20 ms, 8 at once, weight 4, US$0.30/M), medium (60 ms, 8, weight 2, US$0.20/M), "
        "slow (150 ms, 2 at once then a queue, weight 1, US$0.10/M). Ratios: round-robin's figure / the policy's "
        "for latency, the policy's / round-robin's for throughput (> 1 = better).",
        "",
        "| policy | p50 ms | p99 ms | req/s | p50 vs RR | p99 vs RR | throughput vs RR | share fast/medium/slow |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result["policies"]:
        share = "/".join(str(r["share"].get(n, 0)) for n in BACKENDS)
        lines.append(
            f"| {r['policy']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['throughput_rps']:.1f} | "
            f"{rr['p50_ms'] / r['p50_ms']:.2f}x | {rr['p99_ms'] / r['p99_ms']:.2f}x | "
            f"{r['throughput_rps'] / rr['throughput_rps']:.2f}x | {share} |"
        )
    s = result["sticky"]
    lines += [
        "",
        f"**Sticky routing**: {result['chats']} chats x {result['turns']} turns at once over 3 replicas that cache "
        f"prefixes; a {SYSTEM_WORDS}-word system prompt costs {SYSTEM_WORDS * PREFILL_MS_PER_WORD:.0f} ms of "
        "prefill where it is not cached.",
        "",
        "| figure | round-robin (baseline) | sticky | ratio |",
        "|---|---|---|---|",
    ]
    for key, label in [
        ("later_turns_p50_ms", "turns 2.. p50 ms"),
        ("later_turns_p99_ms", "turns 2.. p99 ms"),
        ("later_turns_mean_ms", "turns 2.. mean ms"),
        ("first_turn_p50_ms", "first turn p50 ms"),
    ]:
        base, new = s["rr"][key], s["sticky"][key]
        lines.append(f"| {label} | {base:.1f} | {new:.1f} | {base / new:.2f}x faster |")
    a = result["added_latency"]
    lines += [
        "",
        f"**Added latency of a policy**: {a['requests_per_policy']} sequential requests per policy to two "
        f"backends that answer at once, blocks interleaved. Round-robin p50 {a['p50_ms']['round_robin']:.3f} ms "
        f"(gateway vs direct: {a['gateway_vs_direct_ms']:+.3f} ms). Target: within +0.1 ms of round-robin.",
        "",
        "| policy | p50 ms | vs round-robin |",
        "|---|---|---|",
    ]
    for name, diff in a["added_vs_round_robin_ms"].items():
        lines.append(f"| {name} | {a['p50_ms'][name]:.3f} | {diff:+.3f} ms |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Routing policies vs round-robin, sticky routing, added latency.")
    parser.add_argument("--machine", default=MACHINE)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--requests", type=int, default=360, help="Per policy, under load.")
    parser.add_argument("--chats", type=int, default=9)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=10, help="Interleaved blocks for the added latency.")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        policies = policies_under_load(folder, args.concurrency, args.requests)
        sticky = sticky_benefit(folder, args.chats, args.turns)
        added = added_latency(folder, args.rounds, per_block=100)
    date = subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True, text=True).stdout.strip()
    result = {
        "date": date,
        "machine": args.machine,
        "cpus": os.cpu_count(),
        "load_average_at_start": load_before,
        "load_average_at_end": os.getloadavg(),
        "concurrency": args.concurrency,
        "requests": args.requests,
        "chats": args.chats,
        "turns": args.turns,
        "policies": policies,
        "sticky": sticky,
        "added_latency": added,
    }
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "serve_gateway_policies.json").write_text(json.dumps(result, indent=2))
    text = report(result)
    (args.results / "serve_gateway_policies.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
