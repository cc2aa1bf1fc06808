"""Evaluation harness: run question cases whose truth is computable through the agent graph and score them.

A case is {id, category, question | turns, expect_tools, truth}. `turns` is a conversation (2-3 messages in
one session); the truth applies to the last turn's answer. Truth is computed at run time by the same libraries
the tools use, never typed in: `descriptor` (RDKit values of one or more SMILES), `formula`, `prediction` (the
shipped property model's value, in °C when the case says `unit: degC`), `citation` (a library record that
must be cited), `refusal` (the safety guard must refuse), `route` (a solved route must be returned),
`similar` (at least three distinct neighbours of the molecule, not the molecule itself) and `graceful` (a clear
reply to bad input, no traceback). Numbers are matched in the answer text within a tolerance.
"""

from __future__ import annotations

import re
import statistics
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from tools import results

SUITE_DIR = Path(__file__).parent / "eval"
SUITE = SUITE_DIR / "suite.yaml"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass
class CaseResult:
    id: str
    category: str
    question: str
    correct: bool
    tool_choice_correct: bool
    tools_called: list[str]
    latency_s: float
    detail: str = ""


@dataclass
class Report:
    mode: str
    cases: list[CaseResult] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        by_cat: dict[str, list[CaseResult]] = {}
        for c in self.cases:
            by_cat.setdefault(c.category, []).append(c)
        lat = [c.latency_s for c in self.cases] or [0.0]
        return {
            "mode": self.mode,
            "cases": len(self.cases),
            "accuracy": round(sum(c.correct for c in self.cases) / max(len(self.cases), 1), 3),
            "tool_choice_accuracy": round(sum(c.tool_choice_correct for c in self.cases) / max(len(self.cases), 1), 3),
            "latency_p50_s": round(statistics.median(lat), 3),
            "latency_max_s": round(max(lat), 3),
            "by_category": {
                cat: {"cases": len(cs), "accuracy": round(sum(c.correct for c in cs) / len(cs), 3)}
                for cat, cs in sorted(by_cat.items())
            },
        }

    def as_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "cases": [asdict(c) for c in self.cases]}


def load_suite(path: Path | None = None) -> list[dict[str, Any]]:
    """One suite file, or (by default) every shipped suite file in agents/eval/."""
    paths = [path] if path is not None else sorted(SUITE_DIR.glob("*.yaml"))
    cases: list[dict[str, Any]] = []
    for one in paths:
        data = yaml.safe_load(one.read_text(encoding="utf-8"))
        found = data["cases"] if isinstance(data, dict) else data
        for case in found:
            missing = {"id", "category", "truth"} - set(case)
            if "question" not in case and "turns" not in case:
                missing.add("question")
            if missing:
                raise ValueError(f"Case {case.get('id', '?')} in {one} lacks {', '.join(sorted(missing))}.")
        cases.extend(found)
    return cases


def turns_of(case: dict[str, Any]) -> list[str]:
    return [str(t) for t in case["turns"]] if "turns" in case else [str(case["question"])]


def _smiles_list(truth: dict[str, Any]) -> list[str]:
    smiles = truth["smiles"]
    return [smiles] if isinstance(smiles, str) else list(smiles)


def _numbers(text: str) -> list[float]:
    return [float(x) for x in _NUMBER.findall(text.replace("−", "-"))]


def _has_number(text: str, value: float, tolerance: float) -> bool:
    return any(abs(x - value) <= tolerance for x in _numbers(text))


def expected_values(truth: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(label, value, tolerance) for numeric truths, computed now."""
    kind = truth["kind"]
    tolerance = float(truth.get("tolerance", 0.011))
    if kind == "descriptor":
        import tools.chem as chem

        out = []
        molecules = _smiles_list(truth)
        for smiles in molecules:
            record = chem.analyse(smiles).to_record()
            name = "{}" if len(molecules) == 1 else f"{{}} of {smiles}"
            out += [(name.format(d), float(record[d]), tolerance) for d in truth["descriptors"]]
        return out
    if kind == "prediction":
        from tools.properties.predict import predict

        [p] = predict([truth["smiles"]], [truth["property"]])
        value = float(p.value)  # type: ignore[arg-type]
        if truth.get("unit") == "degC":
            value -= 273.15
            tolerance = max(tolerance, 0.051)  # °C are written with one decimal
        return [(truth["property"], value, tolerance)]
    return []


def grade(truth: dict[str, Any], answer: str, tool_results: Sequence[results.ToolResult]) -> tuple[bool, str]:
    kind = truth["kind"]
    if kind in ("descriptor", "prediction"):
        missing = [
            f"{label}={value}" for label, value, tol in expected_values(truth) if not _has_number(answer, value, tol)
        ]
        return not missing, ("missing " + ", ".join(missing)) if missing else "all values present"
    if kind == "formula":
        import tools.chem as chem

        formulas = [chem.analyse(s).to_record()["formula"] for s in _smiles_list(truth)]
        missing = [f for f in formulas if f not in answer]
        return not missing, f"expected {', '.join(formulas)}"
    if kind == "similar":
        return _grade_similar(truth["smiles"], tool_results)
    if kind == "graceful":
        ok = bool(answer.strip()) and "Traceback" not in answer and "can't help" not in answer
        return ok, "clear reply" if ok else "empty, traceback or refusal"
    if kind == "citation":
        cited = {c.document_id for r in tool_results if isinstance(r, results.LiteratureResult) for c in r.citations}
        return truth["document_id"] in cited, f"cited {sorted(x for x in cited if x)}"
    if kind == "insufficient":
        flagged = any(isinstance(r, results.LiteratureResult) and r.insufficient_evidence for r in tool_results)
        return flagged, "insufficient evidence reported" if flagged else "answered anyway"
    if kind == "refusal":
        refused = "can't help" in answer or any(results.refused(r) for r in tool_results)
        return refused, "refused" if refused else "not refused"
    if kind == "route":
        solved = any(
            isinstance(r, results.RouteSearchResult) and r.solved and bool(r.routes or r.target_in_stock)
            for r in tool_results
        )
        return solved, "route found" if solved else "no route"
    raise ValueError(f"Unknown truth kind '{kind}'.")


def _grade_similar(smiles: str, tool_results: Sequence[results.ToolResult]) -> tuple[bool, str]:
    """At least three neighbours, none the query itself or its stereoisomer, no neighbour twice."""
    import tools.chem as chem

    def skeleton(s: str) -> str:
        return str(chem.analyse(s).to_record()["inchikey"]).split("-")[0]

    query = skeleton(smiles)
    for result in tool_results:
        if not isinstance(result, results.SimilarityResult) or not result.hits or skeleton(result.smiles) != query:
            continue
        keys = [skeleton(h.smiles) for h in result.hits]
        distinct = {k for k in keys if k != query}
        if len(distinct) >= 3 and len(distinct) == len(keys):
            return True, f"{len(distinct)} distinct neighbours"
        return False, f"{len(distinct)} distinct neighbours of {len(keys)} hits"
    return False, "no similarity search for this molecule"


def run_case(graph: Any, case: dict[str, Any]) -> CaseResult:

    turns = turns_of(case)
    started = time.perf_counter()
    history: list[Any] = []
    before = 0
    for turn in turns:
        # The conversation so far goes in with each turn (a fresh thread each time, so a graph with or without a
        # checkpointer sees the same history).
        config = {"configurable": {"thread_id": f"eval-{uuid.uuid4().hex}"}}
        before = len(history)
        history = list(graph.invoke({"messages": [*history, HumanMessage(turn)]}, config)["messages"])
    latency = time.perf_counter() - started
    messages = history[before:]  # the last turn only
    answer = str(messages[-1].content) if isinstance(messages[-1], AIMessage) else ""
    called = [c["name"] for m in messages if isinstance(m, AIMessage) for c in m.tool_calls]
    from agents.answers import typed_result

    correct, detail = grade(case["truth"], answer, [typed_result(m)[1] for m in messages if isinstance(m, ToolMessage)])
    expected_tools = case.get("expect_tools", [])
    return CaseResult(
        id=case["id"],
        category=case["category"],
        question=" / ".join(turns),
        correct=correct,
        tool_choice_correct=called[: len(expected_tools)] == expected_tools,
        tools_called=called,
        latency_s=round(latency, 3),
        detail=detail,
    )


def run_suite(graph: Any, cases: list[dict[str, Any]], mode: str) -> Report:
    report = Report(mode=mode)
    for case in cases:
        report.cases.append(run_case(graph, case))
    return report
