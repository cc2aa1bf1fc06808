"""Agent overhead per single-tool turn, excluding model time, against calling the tool directly (same run).

A scripted OpenAI-compatible server (tests/fakes, zero delay) plays the model: the turn is
route -> guard -> agent (model call 1: tool call) -> tools -> agent (model call 2: answer) -> guard.
overhead = turn time - direct tool time - the same two model calls made directly with the same ChatOpenAI client.
Also reported: the offline model (no server) turn vs the direct tool call.

Run: .venv/bin/python benchmarks/agent_overhead.py [--n 60]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from langchain_core.messages import HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from agents.graph import build_graph
from agents.models import ModelChain, ModelEndpoint
from agents.toolkit import build_tools, molecule_info

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/fakes is not an installed package
from app.services import chat  # noqa: E402  (the runtime the app's turns use)
from tests.fakes.launch import fake_openai_server  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
QUESTION = "molecule_info aspirin"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=60)
    n = parser.parse_args().n
    with fake_openai_server() as root:
        base = f"{root}/v1"
        tools = build_tools(chat.agent_runtime(offline=True).tools)  # what the app's turns use
        served = build_graph(ModelChain([ModelEndpoint("chemistry", "fake-chat", base)]), tools, InMemorySaver())
        molecule_info_json = json.dumps(molecule_info("aspirin"))
        offline = build_graph(ModelChain(), tools, InMemorySaver())
        endpoint = ModelEndpoint("chemistry", "fake-chat", base)
        direct_model = endpoint.chat_model().bind_tools(tools)

        def raw_model_calls() -> None:
            # The same two calls the turn makes, through the same client, without the graph.
            first = direct_model.invoke([HumanMessage(QUESTION)])
            result = ToolMessage(molecule_info_json, tool_call_id=first.tool_calls[0]["id"], name="molecule_info")
            direct_model.invoke([HumanMessage(QUESTION), first, result])

        def timed(fn) -> float:  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            fn()
            return (time.perf_counter() - start) * 1000

        def turn(graph, text: str, i: int) -> None:  # type: ignore[no-untyped-def]
            graph.invoke({"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": f"b{i}"}})

        for i in range(5):  # warm up caches, connections, imports
            (
                molecule_info("aspirin"),
                raw_model_calls(),
                turn(served, QUESTION, -i),
                turn(offline, "Tell me about aspirin", -i),
            )
        direct, model, served_t, offline_t = [], [], [], []
        for i in range(n):
            direct.append(timed(lambda: molecule_info("aspirin")))
            model.append(timed(raw_model_calls))
            served_t.append(timed(lambda i=i: turn(served, QUESTION, i)))
            # a new message each time, so the offline reader embeds and classifies it (nothing cached)
            offline_t.append(timed(lambda i=i: turn(offline, f"Tell me about aspirin, request {i}", 10_000 + i)))
        overhead = [s - d - m for s, d, m in zip(served_t, direct, model, strict=True)]
        offline_overhead = [o - d for o, d in zip(offline_t, direct, strict=True)]

    machine = f"{os.cpu_count()}-core {platform.machine()} CPU, 24 GiB"
    d50 = statistics.median(direct)
    rows = [
        (
            "served-model turn overhead p50 (excl. tool and model time)",
            _pct(overhead, 0.5),
            "direct molecule_info p50",
            d50,
        ),
        ("served-model turn overhead p95", _pct(overhead, 0.95), "direct molecule_info p50", d50),
        (
            "offline-mode turn overhead p50 (excl. tool time)",
            _pct(offline_overhead, 0.5),
            "direct molecule_info p50",
            d50,
        ),
        ("offline-mode turn overhead p95", _pct(offline_overhead, 0.95), "direct molecule_info p50", d50),
        (
            "whole served-model turn p50",
            _pct(served_t, 0.5),
            "direct tool + direct model calls p50",
            statistics.median([d + m for d, m in zip(direct, model, strict=True)]),
        ),
    ]
    out = [
        {"figure": f, "ms": round(v, 2), "baseline": b, "baseline_ms": round(bv, 2), "ratio": round(v / bv, 2)}
        for f, v, b, bv in rows
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "agent_overhead.json").write_text(
        json.dumps({"date": str(date.today()), "machine": machine, "n": n, "results": out}, indent=2)
    )
    lines = ["| figure | ms | baseline | baseline ms | ratio | date | machine |", "|---|---|---|---|---|---|---|"]
    lines += [
        f"| {r['figure']} | {r['ms']} | {r['baseline']} | {r['baseline_ms']} | {r['ratio']} | {date.today()} | "
        f"{machine} |"
        for r in out
    ]
    (RESULTS / "agent.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
