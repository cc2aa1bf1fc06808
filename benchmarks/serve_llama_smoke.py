"""Smoke run of the launcher and the gateway against a real llama-server (llama.cpp), on CPU or on a GPU.

The tests supervise a scripted fake; this runs the real engine through the same code:

1. A catalog entry (engine llama-server) becomes the real command line through `serve.launcher.spec_for`.
2. `launcher.start` runs it under the supervisor: seconds until healthy.
3. The gateway in front of it: /v1/models; chat completions (JSON and SSE); one turn of the app's agent (tools
   bound, a reply limit); /v1/completions; an unknown model (404); latency of short completions direct and
   via the gateway.
4. llama-server's own /metrics (decode tokens/s) and the KV cache it allocated against `serve.sizing`.
5. The backend killed (SIGKILL): seconds until the supervisor has it healthy again.
6. `launcher.stop`: no process left behind.

    .venv/bin/python benchmarks/serve_llama_smoke.py --llama-server /path/to/llama-server

The model is a tiny Llama with random weights that the script writes (needs `pip install gguf`; no download):
every number is about the serving stack, none about a model's answers.
Writes benchmarks/results/serve_llama_smoke{suffix}.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_gateway import free_port, start_gateway  # noqa: E402 - the same gateway start as the overhead bench

from serve import launcher  # noqa: E402
from serve.catalog import ModelEntry  # noqa: E402
from serve.sizing import kv_bytes_per_token  # noqa: E402
from serve.telemetry import parse_backend_metrics, read_gpus  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
MiB = 1024 * 1024
# The tiny model's shape: GQA (4 query heads, 2 KV heads) so the KV arithmetic is tested on grouped heads.
TINY = {"n_embd": 64, "n_head": 4, "n_head_kv": 2, "n_layer": 2, "n_ff": 128, "n_ctx": 8192}


def write_tiny_llama(path: Path, seed: int = 0) -> dict[str, int]:
    """A Llama-architecture GGUF with random F16 weights and a byte-fallback SentencePiece vocabulary."""
    try:
        import gguf
        import numpy as np
    except ImportError:
        sys.exit("writing the tiny model needs the gguf package: pip install gguf (or pass --model FILE.gguf)")
    t = TINY
    head_dim = t["n_embd"] // t["n_head"]
    rng = np.random.default_rng(seed)
    words = ["the", "a", "of", "and", "is", "ethanol", "boils", "at"]
    pieces = ["\u2581", *(chr(c) for c in range(33, 127)), *("\u2581" + w for w in words)]
    tokens = [b"<unk>", b"<s>", b"</s>", *(f"<0x{i:02X}>".encode() for i in range(256)), *(p.encode() for p in pieces)]
    kinds = gguf.TokenType
    types = [kinds.UNKNOWN, kinds.CONTROL, kinds.CONTROL, *[kinds.BYTE] * 256, *[kinds.NORMAL] * len(pieces)]
    scores = [0.0] * 259 + [-float(i) for i in range(len(pieces))]
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("chemassist tiny llama (random weights, serving smoke test)")
    writer.add_context_length(t["n_ctx"])
    writer.add_embedding_length(t["n_embd"])
    writer.add_block_count(t["n_layer"])
    writer.add_feed_forward_length(t["n_ff"])
    writer.add_head_count(t["n_head"])
    writer.add_head_count_kv(t["n_head_kv"])
    writer.add_rope_dimension_count(head_dim)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(len(tokens))
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_chat_template(
        "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>{% endif %}"
    )

    def matrix(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols)) / np.sqrt(cols)).astype(np.float16)

    n_embd, n_q, n_kv = t["n_embd"], t["n_head"] * head_dim, t["n_head_kv"] * head_dim
    writer.add_tensor("token_embd.weight", matrix(len(tokens), n_embd))
    writer.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    writer.add_tensor("output.weight", matrix(len(tokens), n_embd))
    for layer in range(t["n_layer"]):
        block = f"blk.{layer}."
        writer.add_tensor(block + "attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(block + "attn_q.weight", matrix(n_q, n_embd))
        writer.add_tensor(block + "attn_k.weight", matrix(n_kv, n_embd))
        writer.add_tensor(block + "attn_v.weight", matrix(n_kv, n_embd))
        writer.add_tensor(block + "attn_output.weight", matrix(n_embd, n_q))
        writer.add_tensor(block + "ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(block + "ffn_gate.weight", matrix(t["n_ff"], n_embd))
        writer.add_tensor(block + "ffn_up.weight", matrix(t["n_ff"], n_embd))
        writer.add_tensor(block + "ffn_down.weight", matrix(n_embd, t["n_ff"]))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    params = 2 * len(tokens) * n_embd  # embeddings + output head
    params += t["n_layer"] * (2 * n_embd * n_q + 2 * n_embd * n_kv + 3 * n_embd * t["n_ff"])
    return {"layers": t["n_layer"], "kv_heads": t["n_head_kv"], "head_dim": head_dim, "params": params}


def model_entry(gguf_path: Path, shape: dict[str, int], context: int) -> ModelEntry:
    return ModelEntry(
        name="smoke-llama",
        source=str(gguf_path),
        role="general",
        params_b=shape["params"] / 1e9,
        layers=shape["layers"],
        kv_heads=shape["kv_heads"],
        head_dim=shape["head_dim"],
        quantization="fp16",
        context_length=context,
        engine="llama-server",
        max_num_seqs=2,
    )


def kv_buffer_mib(log_text: str) -> float | None:
    """The KV cache llama.cpp allocated, summed over its buffers (one per device), from its start-up log."""
    sizes = re.findall(r"KV buffer size\s*=\s*([\d.]+) MiB", log_text)
    return sum(float(s) for s in sizes) if sizes else None


def metric(text: str, name: str) -> float | None:
    match = re.search(rf"^{re.escape(name)}\s+([\d.eE+-]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


def median_ms(client: httpx.Client, url: str, body: dict, n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        client.post(f"{url}/v1/chat/completions", json=body).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def sse_events(client: httpx.Client, url: str, body: dict) -> list[str]:
    with client.stream("POST", f"{url}/v1/chat/completions", json={**body, "stream": True}) as resp:
        resp.raise_for_status()
        return [line[6:] for line in resp.iter_lines() if line.startswith("data: ")]


def run(binary: Path, folder: Path, context: int) -> dict:
    os.environ["PATH"] = f"{binary.parent}{os.pathsep}{os.environ['PATH']}"  # the spec's argv[0] is llama-server
    model = folder / "tiny-llama-f16.gguf"
    entry = model_entry(model, write_tiny_llama(model), context)
    port = free_port()
    spec = launcher.spec_for(entry, port)
    # llama.cpp logs the KV cache it allocates one level above llama-server's default verbosity.
    spec = spec.model_copy(update={"env": {**spec.env, "LLAMA_ARG_LOG_VERBOSITY": "4"}})
    state_dir = folder / "serve"
    report: dict = {"argv": spec.argv, "model_file_bytes": model.stat().st_size}
    started = time.perf_counter()
    launcher.start(spec, state_dir)
    try:
        state = launcher.wait_healthy(state_dir, spec.name, 300)
        report["seconds_to_healthy"] = time.perf_counter() - started
        direct = f"http://127.0.0.1:{port}"
        gateway, gw_proc = start_gateway([direct], folder, model=entry.name)
        try:
            report |= exercise(direct, gateway, entry)
        finally:
            gw_proc.terminate()
            gw_proc.wait(10)
        log_text = Path(state.log_file).read_text(errors="replace")
        offload = re.search(r"offloaded (\d+)/(\d+) layers to GPU", log_text)
        report["layers_on_gpu"] = f"{offload.group(1)}/{offload.group(2)}" if offload else "none (CPU build)"
        allocated = kv_buffer_mib(log_text)
        n_ctx = entry.context_length * 2  # two slots, each with the model's context (spec_for's -c)
        ours = kv_bytes_per_token(entry.layers, entry.kv_heads, entry.head_dim, entry.kv_cache_dtype) * n_ctx / MiB
        report["kv_cache"] = {"n_ctx": n_ctx, "llama_cpp_mib": allocated, "serve_sizing_mib": ours}
        report["restart"] = crash_and_restart(state_dir, spec.name)
    finally:
        final = launcher.stop(state_dir, spec.name)
    child = final.child_pid
    left = bool(child and launcher.process_start_ticks(child) is not None)
    report["stopped"] = {"status": final.status, "child_left_running": left}
    return report


def exercise(direct: str, gateway: str, entry: ModelEntry) -> dict:
    ask = {"model": entry.name, "messages": [{"role": "user", "content": "At what temperature does ethanol boil?"}]}
    short = {**ask, "max_tokens": 8, "temperature": 0}
    out: dict = {}
    with httpx.Client(timeout=120) as client:
        models = client.get(f"{gateway}/v1/models").json()
        out["gateway_models"] = [m["id"] for m in models["data"]]
        reply = client.post(f"{gateway}/v1/chat/completions", json={**ask, "max_tokens": 32}).json()
        out["chat_json"] = {
            "finish_reason": reply["choices"][0]["finish_reason"],
            "usage": reply.get("usage"),
            "backend_model": reply.get("model"),
        }
        events = sse_events(client, gateway, {**ask, "max_tokens": 32})
        out["chat_sse"] = {"events": len(events), "ends_with_done": events[-1] == "[DONE]"}
        out["agent_turn"] = agent_turn(gateway, entry.name)
        completion = client.post(
            f"{gateway}/v1/completions", json={"model": entry.name, "prompt": "Ethanol boils at", "max_tokens": 8}
        )
        out["completions_status"] = completion.status_code
        unknown = client.post(f"{gateway}/v1/chat/completions", json={**ask, "model": "no-such-model"})
        out["unknown_model"] = {"status": unknown.status_code, "message": unknown.json()["error"]["message"]}
        for url in (direct, gateway):  # warm both paths
            median_ms(client, url, short, 3)
        rounds = {"direct": [], "gateway": []}
        for _ in range(5):  # alternate so drift hits both
            rounds["direct"].append(median_ms(client, direct, short, 10))
            rounds["gateway"].append(median_ms(client, gateway, short, 10))
        latency = {k: statistics.median(v) for k, v in rounds.items()}
        out["latency_ms_8_tokens"] = latency | {"added": latency["gateway"] - latency["direct"]}
        text = client.get(f"{direct}/metrics").text
        predicted = metric(text, "llamacpp:tokens_predicted_total")
        seconds = metric(text, "llamacpp:tokens_predicted_seconds_total")
        out["llama_metrics"] = {
            "tokens_predicted_total": predicted,
            "decode_tokens_per_s": predicted / seconds if predicted and seconds else None,
        }
        counters = parse_backend_metrics(text, time.monotonic())  # what the Models page and `serve load` read
        out["telemetry"] = {
            "engine": counters.engine if counters else None,
            "generated_tokens_read": counters.generated if counters else None,
        }
        readings, why = read_gpus()
        out["gpus"] = [
            f"{g.name}: {g.utilization_pct:.0f}%, {g.memory_used_gib:.1f} GiB, {g.temperature_c:.0f} C"
            for g in readings
        ] or why
    return out


def agent_turn(gateway: str, model: str) -> dict:
    """One chat turn of the app's agent (LangGraph + ChatOpenAI with every tool bound) through the gateway."""
    try:
        from langchain_core.messages import HumanMessage
        from langgraph.checkpoint.memory import InMemorySaver

        from agents.graph import CUT_OFF_NOTE, build_graph
        from agents.models import ModelChain, ModelEndpoint
        from agents.toolkit import ToolContext, build_tools
    except ImportError as exc:  # the GPU machine's Python has no agent packages
        return {"skipped": f"agent packages not installed ({exc.name})"}
    chain = ModelChain([ModelEndpoint("general", model, f"{gateway}/v1", timeout_s=60, max_tokens=64)])
    graph = build_graph(chain, build_tools(ToolContext()), InMemorySaver())
    started = time.perf_counter()
    state = graph.invoke(
        {"messages": [HumanMessage("What is the boiling point of ethanol?")]}, {"configurable": {"thread_id": "smoke"}}
    )
    answer = str(state["messages"][-1].content)
    return {
        "seconds": time.perf_counter() - started,
        "model_used": state.get("model_used"),
        "cut_at_64_tokens_and_said_so": answer.endswith(f"*{CUT_OFF_NOTE}*"),
    }


def crash_and_restart(state_dir: Path, name: str) -> dict:
    before = launcher.read_state(state_dir, name)
    assert before.child_pid is not None
    killed = time.perf_counter()
    os.kill(before.child_pid, signal.SIGKILL)
    while time.perf_counter() - killed < 60:
        state = launcher.read_state(state_dir, name)
        if state.restarts > before.restarts and state.status == "healthy":
            return {"seconds_to_healthy_after_kill": time.perf_counter() - killed, "new_pid": state.child_pid}
        time.sleep(0.02)
    raise RuntimeError("llama-server was not restarted and healthy within 60 s")


def engine_version(text: str) -> str:
    """'llama-server b1 (commit 0c1e570, built with GNU 12.2.0)' from `llama-server --version`."""
    match = re.search(r"version: (\S+) \(build (\d+), commit (\w+)\)", text)
    built = re.search(r"built with (.+?) for", text)
    if match is None:
        return "llama-server (version not reported)"
    name = f"llama.cpp llama-server {match.group(1)}, commit {match.group(3)}"
    return f"{name}, built with {built.group(1)}" if built else name


def markdown(result: dict) -> str:
    r = result
    lat, kv, chat = r["latency_ms_8_tokens"], r["kv_cache"], r["chat_json"]
    gpus = "; ".join(r["gpus"]) if isinstance(r["gpus"], list) else r["gpus"]
    turn = r["agent_turn"]
    agent = turn.get("skipped") or (
        f"answered by {turn['model_used']} in {turn['seconds']:.2f} s; cut at the limit and said so: "
        f"{turn['cut_at_64_tokens_and_said_so']}"
    )
    command = " ".join(Path(a).name if a.endswith(".gguf") else a for a in r["argv"])
    ratio = kv["llama_cpp_mib"] / kv["serve_sizing_mib"] if kv["llama_cpp_mib"] else float("nan")
    return "\n".join(
        [
            "# Real llama-server smoke run",
            "",
            f"{r['date']}, {r['machine']}. `python benchmarks/serve_llama_smoke.py` with {r['engine']}; model: "
            f"{r['model']}. The numbers are about the serving stack; with random weights the text is noise.",
            "",
            f"Command line built by `serve.launcher.spec_for`: `{command}`",
            "",
            "| check | result |",
            "|---|---|",
            f"| launcher start to healthy | {r['seconds_to_healthy']:.2f} s |",
            f"| layers offloaded to the GPU (llama.cpp's log) | {r['layers_on_gpu']} |",
            f"| gateway /v1/models | {', '.join(r['gateway_models'])} |",
            f"| chat completion (JSON) via gateway | finish_reason {chat['finish_reason']}, "
            f"{chat['usage']['prompt_tokens']} prompt + {chat['usage']['completion_tokens']} completion tokens |",
            f"| chat completion (SSE) via gateway | {r['chat_sse']['events']} events, ends with [DONE]: "
            f"{r['chat_sse']['ends_with_done']} |",
            f"| /v1/completions via gateway | HTTP {r['completions_status']} |",
            f"| the app's agent turn (LangGraph, tools bound, max 64 tokens) via gateway | {agent} |",
            f"| unknown model via gateway | HTTP {r['unknown_model']['status']}: {r['unknown_model']['message']} |",
            f"| 8-token completion, median ms: direct / via gateway | {lat['direct']:.2f} / {lat['gateway']:.2f} "
            f"(added {lat['added']:+.2f} ms) |",
            f"| llama-server decode tokens/s (its /metrics) | {r['llama_metrics']['decode_tokens_per_s']:.0f} |",
            f"| serve.telemetry reads the same page | engine {r['telemetry']['engine']}, "
            f"{r['telemetry']['generated_tokens_read']:.0f} generated tokens (llama-server: "
            f"{r['llama_metrics']['tokens_predicted_total']:.0f}) |",
            f"| GPUs during the run (NVML) | {gpus} |",
            f"| KV cache for {kv['n_ctx']} tokens: llama.cpp allocated / serve.sizing | "
            f"{kv['llama_cpp_mib']} MiB / {kv['serve_sizing_mib']:.2f} MiB (ratio {ratio:.3f}) |",
            f"| killed with SIGKILL: healthy again after | {r['restart']['seconds_to_healthy_after_kill']:.2f} s "
            "(target <= 5 s) |",
            f"| `launcher.stop` | status {r['stopped']['status']}, process left running: "
            f"{r['stopped']['child_left_running']} |",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llama-server", type=Path, help="Path of the llama-server binary (default: on PATH).")
    parser.add_argument("--context", type=int, default=2048, help="Context per slot (two slots).")
    parser.add_argument("--machine", default="2-core x86_64 CPU, 24 GiB (llama.cpp built for CPU)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--suffix", default="")
    args = parser.parse_args()
    if args.llama_server is None:
        found = shutil.which("llama-server")
        if found is None:  # `make bench` runs every script: say what is missing instead of failing
            print("skipped: no llama-server on PATH (build llama.cpp, then pass --llama-server PATH)")
            return
        args.llama_server = Path(found)
    version = subprocess.run([str(args.llama_server), "--version"], capture_output=True, text=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.llama_server.resolve(), Path(tmp), args.context)
    result |= {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": args.machine,
        "engine": engine_version(version.stdout + version.stderr),
        "model": "tiny Llama, 2 layers, 64 wide, GQA 4/2 heads, F16, random weights",
    }
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"serve_llama_smoke{args.suffix}.json").write_text(json.dumps(result, indent=2))
    text = markdown(result)
    (args.results / f"serve_llama_smoke{args.suffix}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
