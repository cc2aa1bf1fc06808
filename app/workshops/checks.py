"""Grade a workshop exercise from what its research session holds, with the real tools doing the judging.

A check never compares against a typed-in answer: molecules are re-described by RDKit (tools.chem),
predictions are recomputed by the shipped property models, refusals are recognised with the agent's own
safety screen, citations and routes are read from the artifacts the tools produced in the session.
Every result carries an explanation a participant can act on; a failed check never gives the answer away.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import tools.chem as chem
from agents import safety
from app.workshops.pack import (
    DESCRIPTORS,
    CitesDocumentCheck,
    MoleculeWindowCheck,
    PropertyPredictionCheck,
    RefusalCheck,
    SolvedRouteCheck,
    UsedToolCheck,
)
from tools import results
from tools.chem import quantities
from tools.chem.errors import ChemError


@dataclass(frozen=True)
class SessionTurn:
    """One stored message of the exercise session."""

    role: str
    content: str
    model: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class SessionArtifact:
    """A stored artifact: its database kind and payload, read as a typed result (tools.results) by `result`."""

    kind: str
    payload: dict[str, Any]

    @property
    def result(self) -> results.ToolResult:
        return results.stored(self.kind, self.payload)


@dataclass(frozen=True)
class Evidence:
    """What a check may look at: the participant's typed answer and their exercise session."""

    answer: str | None = None
    messages: Sequence[SessionTurn] = field(default_factory=tuple)
    artifacts: Sequence[SessionArtifact] = field(default_factory=tuple)

    def of_type(self, model: type[results.ResultT]) -> list[results.ResultT]:
        """The session's results of one kind (typed), in the order they were stored."""
        return [r for r in (a.result for a in self.artifacts) if isinstance(r, model)]


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    explanation: str


def _canonical(text: str) -> str | None:
    try:
        return chem.to_smiles(chem.parse(text))
    except ChemError:
        return None


def _fmt(value: float) -> str:
    return f"{value:g}"


def _window_text(low: float | None, high: float | None) -> str:
    if low is None:
        return f"≤ {_fmt(high)}"  # type: ignore[arg-type]
    if high is None:
        return f"≥ {_fmt(low)}"
    return f"between {_fmt(low)} and {_fmt(high)}"


def _molecule_window(check: MoleculeWindowCheck, evidence: Evidence) -> CheckResult:
    answer = (evidence.answer or "").strip()
    if answer:
        candidates = [answer]
    else:
        candidates = list(
            dict.fromkeys(m.canonical_smiles or m.input for m in evidence.of_type(results.MoleculeResult))
        )
    if not candidates:
        return CheckResult(
            False,
            "No molecule yet: type a SMILES or a name in the answer box, or look a molecule up in the chat of "
            "this exercise's session, then press Check again.",
        )
    reports = []
    for candidate in candidates:
        try:
            record = chem.analyse(candidate).to_record()
        except ChemError as exc:
            reports.append(f"'{candidate}' could not be read: {exc}")
            continue
        name = candidate if candidate == record["canonical_smiles"] else f"{candidate} ({record['canonical_smiles']})"
        if record["canonical_smiles"] in check.exclude:
            reports.append(f"{name} is the worked example; find another molecule.")
            continue
        parts, ok = [], True
        for key, (low, high) in check.windows.items():
            value = record[key]
            inside = (low is None or value >= low) and (high is None or value <= high)
            ok = ok and inside
            unit = f" {quantities.DESCRIPTORS[key].unit}" if quantities.DESCRIPTORS[key].unit else ""
            parts.append(f"{DESCRIPTORS[key]} {_fmt(value)}{unit} ({_window_text(low, high)}) {'✓' if inside else '✗'}")
        verdict = f"{name}: " + "; ".join(parts) + f". Computed by RDKit {chem.RDKIT_VERSION}."
        if ok:
            return CheckResult(True, verdict)
        reports.append(verdict)
    more = "" if answer else " (molecules looked up in this exercise's session)"
    return CheckResult(False, "Not yet" + more + ":\n\n" + "\n".join(f"- {r}" for r in reports))


def _cites_document(check: CitesDocumentCheck, evidence: Evidence) -> CheckResult:
    cited = {c.document_id: c.title for c in evidence.of_type(results.Citation)}
    if check.document_id in cited:
        return CheckResult(True, f"The answer cites the record that reports it: {cited[check.document_id]} "
                                 f"({check.document_id}).")  # fmt: skip
    if not cited:
        return CheckResult(
            False,
            "No answer in this exercise's session cites the literature library yet: ask the question in the chat "
            "of this session (the assistant searches the library and numbers its citations).",
        )
    titles = "; ".join(f"{t} ({d})" for d, t in cited.items())
    return CheckResult(
        False,
        f"The answers here cite {titles}, but not the record that reports this. Rephrase the question with the "
        "specific terms of the finding and read the cited passages.",
    )


def _solved_route(check: SolvedRouteCheck, evidence: Evidence) -> CheckResult:
    target = _canonical(check.target)
    searches = evidence.of_type(results.RouteSearchResult)
    if not searches:
        return CheckResult(
            False, f"No retrosynthesis route in this exercise's session yet: ask the assistant to plan a route to "
            f"{check.target}."
        )  # fmt: skip
    planned = []
    for search in searches:
        smiles = _canonical(search.target_smiles or search.target)
        planned.append(smiles or search.target)
        if smiles != target:
            continue
        solved = [r for r in search.routes if r.solved]
        if search.solved and solved:
            best = min(solved, key=lambda r: r.step_count)
            leaves = ", ".join(leaf.name or leaf.smiles for leaf in best.leaves)
            return CheckResult(
                True,
                f"{len(solved)} solved route(s) to {check.target}; the shortest has {best.step_count} step(s) "
                f"from purchasable {leaves}.",
            )
        return CheckResult(
            False,
            f"A route to {check.target} was planned but none reaches purchasable building blocks. "
            "Try again (the search has a time limit) or ask for more routes.",
        )
    return CheckResult(
        False, f"The routes in this session are for {', '.join(planned)}, not for {check.target} ({target})."
    )


def _recompute(smiles: str, prop: str) -> Any:
    from tools.properties.predict import predict

    [prediction] = predict([smiles], [prop])
    return prediction


def _property_prediction(check: PropertyPredictionCheck, evidence: Evidence) -> CheckResult:
    target = _canonical(check.target) if check.target else None
    candidates: list[str] = []
    for table in evidence.of_type(results.PredictionResult):
        for p in table.predictions:
            if p.property == check.property and not p.error:
                smiles = _canonical(p.smiles or table.smiles)
                if smiles and smiles not in candidates and (target is None or smiles == target):
                    candidates.append(smiles)
    what = f"{check.property} of {check.target}" if check.target else check.property
    if not candidates:
        return CheckResult(
            False, f"No prediction of {what} in this exercise's session yet: ask the assistant to predict it."
        )
    reports = []
    for smiles in candidates:
        p = _recompute(smiles, check.property)  # the shipped model judges, not the stored numbers
        if p.error or p.interval_low is None or p.interval_high is None:
            reports.append(f"{smiles}: the model gives no interval ({p.error or 'no calibration'}).")
            continue
        named = f"{check.target} ({smiles})" if check.target and check.target != smiles else smiles
        value = (
            f"{p.label} of {named}: {p.value:.2f} {p.unit}, {int((p.interval_confidence or 0.9) * 100)}% interval "
            f"{p.interval_low:.2f} to {p.interval_high:.2f} ({p.model})"
        )
        domain = "inside" if p.in_domain else "outside"
        notes = f" ({'; '.join(p.domain_notes)})" if p.domain_notes else ""
        if check.in_domain is None or p.in_domain == check.in_domain:
            tail = f"; {domain} the applicability domain{notes}." if check.in_domain is not None else "."
            return CheckResult(True, value + tail)
        reports.append(f"{value}; {domain} the applicability domain{notes}.")
    wanted = "inside" if check.in_domain else "outside"
    return CheckResult(
        False,
        f"Not yet: the exercise asks for a prediction {wanted} the model's applicability domain.\n\n"
        + "\n".join(f"- {r}" for r in reports),
    )


@lru_cache(maxsize=1)
def _refusal_opener() -> str:
    return safety.refusal(safety.Verdict(True, "")).split(".")[0]


def _is_refusal(turn: SessionTurn) -> bool:
    refused_tool = any(results.refused(_call_result(c)) for c in turn.tool_calls or [])
    return refused_tool or turn.model == "safety guard" or turn.content.startswith(_refusal_opener())


def _refusal(check: RefusalCheck, evidence: Evidence) -> CheckResult:
    messages = list(evidence.messages)
    flagged_but_answered = None
    for i, turn in enumerate(messages):
        if turn.role != "user":
            continue
        reply = next((m for m in messages[i + 1 :] if m.role == "assistant"), None)
        if reply is not None and _is_refusal(reply):
            verdict = safety.screen_request(turn.content)
            why = verdict.reason if verdict.flagged else "the safety guard stopped the synthesis request."
            return CheckResult(True, f"The assistant refused “{turn.content[:120]}”: {why}")
        if reply is not None and safety.screen_request(turn.content).flagged:
            flagged_but_answered = turn.content
    if flagged_but_answered:
        return CheckResult(
            False,
            f"The safety screen flags “{flagged_but_answered[:120]}” but the assistant did not refuse it. "
            "Ask explicitly how to make it, and tell your instructor: this is worth reporting.",
        )
    return CheckResult(
        False,
        "No refused request in this exercise's session yet: ask how to make a controlled or highly hazardous "
        "substance (for example a nerve agent) and watch the assistant refuse.",
    )


def _call_result(call: dict[str, Any]) -> results.ToolResult:
    """A stored tool call's result, read once as a typed result."""
    return results.parse(str(call.get("name") or ""), call.get("result") or {})


def _result_smiles(result: results.ToolResult) -> str:
    match result:
        case results.MoleculeResult():
            return result.canonical_smiles
        case results.PredictionResult() | results.SimilarityResult():
            return result.smiles
        case results.RouteSearchResult():
            return result.target_smiles or ""
        case results.ScreenResult():
            return result.seed_smiles
    return ""


def _tool_molecules(call: dict[str, Any]) -> set[str]:
    found = set()
    for key in ("query", "target", "seed"):
        if isinstance(call.get("args", {}).get(key), str):
            found.add(_canonical(call["args"][key]))
    smiles = _result_smiles(_call_result(call))
    if smiles:
        found.add(_canonical(smiles))
    return {s for s in found if s}


def _used_tool(check: UsedToolCheck, evidence: Evidence) -> CheckResult:
    calls = [c for m in evidence.messages if m.role == "assistant" for c in m.tool_calls or []]
    mine = [c for c in calls if c.get("name") == check.tool and not isinstance(_call_result(c), results.ToolError)]
    if check.molecule:
        target = _canonical(check.molecule)
        mine = [c for c in mine if target in _tool_molecules(c)]
    about = f" about {check.molecule}" if check.molecule else ""
    if mine:
        return CheckResult(True, f"The assistant used {check.tool}{about} ({len(mine)} call(s)) in this session.")
    used = sorted({str(c.get("name")) for c in calls})
    seen = f" So far it used: {', '.join(used)}." if used else " No tool was called yet."
    return CheckResult(False, f"The assistant has not used {check.tool}{about} in this session.{seen}")


_GRADERS: dict[type, Callable[[Any, Evidence], CheckResult]] = {
    MoleculeWindowCheck: _molecule_window,
    CitesDocumentCheck: _cites_document,
    SolvedRouteCheck: _solved_route,
    PropertyPredictionCheck: _property_prediction,
    RefusalCheck: _refusal,
    UsedToolCheck: _used_tool,
}


def run_check(check: Any, evidence: Evidence) -> CheckResult:
    """Grade one exercise's check against the evidence."""
    return _GRADERS[type(check)](check, evidence)


def accepts_answer(check: Any) -> bool:
    """Whether the participant may type an answer (otherwise the session is the evidence)."""
    return isinstance(check, MoleculeWindowCheck)
