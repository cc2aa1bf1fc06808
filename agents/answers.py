"""Templated answers from tool results (offline mode, and the fallback when a turn hits its limits).

Every number is written with its provenance: computed by RDKit, predicted by a model (interval, domain, test
error) or quoted from a document (citation).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import ToolMessage

from tools import results
from tools.chem.quantities import DESCRIPTORS, SUMMARY, celsius

if TYPE_CHECKING:
    from agents.reader import Reading

Result = dict[str, Any]
Typed = results.ToolResult
# What a chemist calls each predicted property in a sentence.
PREDICTED = {
    "esol": "aqueous solubility logS",
    "lipophilicity": "logD (pH 7.4)",
    "freesolv": "hydration free energy",
    "tg": "glass transition temperature Tg",
}


def tool_result(message: ToolMessage) -> tuple[str, Result]:
    """(tool name, result) of a tool message: its JSON object, or {"error": text} when it is not one (the one
    place tool-message JSON is read: the graph, the offline model and the evaluation all ask here)."""
    try:
        result = json.loads(str(message.content))
    except json.JSONDecodeError:
        result = None
    return message.name or "", result if isinstance(result, dict) else {"error": str(message.content)}


def typed_result(message: ToolMessage) -> tuple[str, Typed]:
    """(tool name, typed result) of a tool message (tools.results): what the answer writers read."""
    name, data = tool_result(message)
    return name, results.parse(name, data)


def _num(value: Any, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else "n/a"


def _as(model: type[results.ResultT], r: Any, tool: str) -> results.ResultT:
    """R (a typed result or the JSON object a tool returned) as MODEL; a ValueError when it is another kind."""
    typed = results.coerce(r, tool)
    if not isinstance(typed, model):
        raise ValueError(f"{tool} gave a {typed.kind} result, not a {model.__name__}")
    return typed


def molecule(r: results.MoleculeResult | Result) -> str:
    m = _as(results.MoleculeResult, r, "molecule_info")
    lines = [
        f"**{m.input}**: `{m.canonical_smiles}`, {m.formula}"
        + (f", InChIKey `{m.inchikey}`" if m.inchikey else " (a repeat unit: no standard InChI)"),
        "",
        "| descriptor | value | unit |",
        "|---|---|---|",
    ]
    for key in SUMMARY:
        unit = m.units.get(key, DESCRIPTORS[key].unit)
        lines.append(f"| {DESCRIPTORS[key].label} | {DESCRIPTORS[key].number(m.value(key))} | {unit} |")
    lines.append("")
    if m.alerts:
        names = ", ".join(f"{a.name} ({a.catalog})" for a in m.alerts[:6])
        lines.append(f"Structural alerts: {names}.")
    else:
        lines.append("No PAINS/Brenk/NIH structural alerts.")
    if m.safety.flagged:
        hits = "; ".join(f"{h.name} ({h.source})" for h in m.safety.hits)
        lines.append(f"**Safety screen: flagged** ({hits}).")
    lines.append(f"\n*Source: {m.provenance or 'computed by RDKit'}.*")
    return "\n".join(lines)


def similar(r: results.SimilarityResult | Result) -> str:
    s = _as(results.SimilarityResult, r, "find_similar")
    lines = [
        f"The {len(s.hits)} most similar distinct molecules to `{s.smiles}` (Tanimoto, Morgan "
        "fingerprints; the molecule itself and its stereoisomers left out):",
        "",
        "| molecule | similarity | source | measured |",
        "|---|---|---|---|",
    ]
    for h in s.hits:
        name = f"{h.name} " if h.name else ""
        lines.append(f"| {name}`{h.smiles}` | {h.similarity:.2f} | {h.source or ''} | {h.measured or '-'} |")
    lines.append(f"\n*Source: {s.provenance}.*")
    return "\n".join(lines)


def _prediction_row(p: results.Prediction) -> str:
    if p.error:
        return f"| {p.name} | – | – | – | {p.error} |"
    domain = "in domain" if p.in_domain else "**outside the model's domain**"
    nn = p.nearest_neighbours[0] if p.nearest_neighbours else None
    nearest = f"`{nn.smiles}` (sim {_num(nn.similarity)})" if nn else ""
    return (
        f"| {p.label} | {_num(p.value)} {p.unit or ''} | "
        f"{_num(p.interval_low)} – {_num(p.interval_high)} | {domain}; nearest {nearest} | "
        f"{p.model} (test RMSE {_num(p.test_rmse)}) |"
    )


def predictions(r: results.PredictionResult | Result) -> str:
    pr = _as(results.PredictionResult, r, "predict_properties")
    lines = [
        f"Predictions for `{pr.smiles}` (90% prediction intervals):",
        "",
        "| property | predicted | 90% interval | applicability | model |",
        "|---|---|---|---|---|",
    ]
    lines += [_prediction_row(p) for p in pr.predictions]
    if pr.out_of_domain:
        lines.append("\nOut-of-domain predictions are unreliable: the nearest training molecules are not similar.")
    lines.append(f"\n*Source: {pr.provenance}.*")
    return "\n".join(lines)


def screening(r: results.ScreenResult | Result) -> str:
    sr = _as(results.ScreenResult, r, "screen_candidates")
    passing = [row for row in sr.rows if row.passes]
    windows = (
        ", ".join(
            f"{k} in [{bounds[0] if bounds[0] is not None else '-inf'}, "
            f"{bounds[1] if len(bounds) > 1 and bounds[1] is not None else 'inf'}]"
            for k, bounds in sr.windows.items()
            if bounds
        )
        or "no window"
    )
    total = sr.total_candidates if sr.total_candidates is not None else len(sr.rows)
    lines = [
        f"Screened {total} candidates around `{sr.seed_smiles}` ({windows}); {len(passing)} pass.",
        "",
        "| rank | SMILES | predictions (90% interval) | in domain |",
        "|---|---|---|---|",
    ]
    for row in sr.rows[:10]:
        preds = "; ".join(
            f"{p.property}: {_num(p.value)} [{_num(p.interval_low)}, {_num(p.interval_high)}] {p.unit or ''}"
            for p in row.predictions.values()
        )
        rank = row.rank if row.passes else "fails"
        lines.append(f"| {rank} | `{row.smiles}` | {preds} | {'yes' if row.all_in_domain else 'no'} |")
    lines.append(f"\n*Source: {sr.provenance}.*")
    return "\n".join(lines)


def literature(r: results.LiteratureResult | Result) -> str:
    lr = _as(results.LiteratureResult, r, "search_literature")
    text = lr.answer
    if lr.citations:
        text += "\n\n" + "\n".join(f"[{c.n}] {c.title}, {c.location}" for c in lr.citations)
    return text


def _route_step(i: int, step: results.RouteStep) -> str:
    """'1. `A` + `B` → `P` (class; template generality; rare flag; precedents; protection)': the step's facts in
    the words every view uses (tools.results.RouteStep)."""
    reactants = " + ".join(f"`{s}`" for s in step.reactants)
    patents = ", ".join(step.patent_ids)
    details = "; ".join(
        x
        for x in (
            step.class_text,
            step.generality,
            f"**{results.RARE_TEMPLATE}**" if step.rare_template else "",
            f"precedents: {patents}" if patents else "",
            *step.protection_notes,
        )
        if x
    )
    return f"{i}. {reactants} → `{step.product}` ({details})"


def synthesis(r: results.RouteSearchResult | Result) -> str:
    rs = _as(results.RouteSearchResult, r, "plan_synthesis")
    if rs.refused:
        return f"I will not plan a synthesis for this target. {rs.reason}"
    target = rs.target_smiles or rs.target
    routes = rs.routes
    where = results.stock_label(rs.target_stock_source, rs.target_stock_name)
    if rs.target_in_stock and rs.stopped_at_stock:
        return f"`{target}` is already a building block in stock ({where}), so there is nothing to plan."
    bought = f"`{target}` can also be bought: it is in stock ({where}). " if rs.target_in_stock else ""
    if not rs.solved or not routes:
        return (
            f"{bought}No route to `{target}`"
            f"{' from other building blocks' if bought else ''} was found within the search limits "
            "(template-based planner on USPTO-50k reactions). Try a longer search on the Synthesis page."
        )
    best = routes[0]
    score = best.score_text or _num(best.score)
    lines = [
        f"{bought}Found {len(routes)} route(s) to `{target}`"
        f"{' from other building blocks (the target itself excluded as a starting material)' if bought else ''}. "
        f"Best route: {best.shape_text} · score {score}:",
        "",
    ]
    for i, step in enumerate(reversed(best.steps), 1):  # the order a chemist runs them
        lines.append(_route_step(i, step))
    if best.leaves:
        materials = "; ".join(f"`{x.smiles}` ({x.stock_text})" for x in best.leaves)
        lines.append(f"\nStarting materials: {materials}.")
    lines.append("\n*Source: template-based retrosynthesis on USPTO-50k (precedents in each step).*")
    return "\n".join(lines)


# The Markdown of each kind of result (keyed by tools.results kind, as every renderer is).
FORMATTERS: dict[str, Callable[[Any], str]] = {
    "molecule": molecule,
    "similarity": similar,
    "prediction": predictions,
    "screen": screening,
    "literature": literature,
    "route_search": synthesis,
}


def _name(r: Typed, reading: Reading | None) -> str:
    """The molecule as the chemist named it ("aspirin"), else its SMILES in a code span."""
    if isinstance(r, results.MoleculeResult):
        typed, smiles = r.input, r.canonical_smiles or r.input
    elif isinstance(r, results.PredictionResult):
        typed, smiles = r.query, r.smiles or r.query
    else:
        typed, smiles = "", ""
    if reading is not None:
        for m in reading.molecules:
            if typed in (m.query, m.text, m.smiles) and m.start >= 0:
                return m.label if m.read_as in ("close spelling", "abbreviation", "CAS number") else m.text
    if typed and typed != smiles and not any(c in typed for c in "()=#[]@"):
        return typed
    return f"`{smiles}`"


def _descriptor_lead(r: results.MoleculeResult, asked: list[str]) -> str:
    keys = [k for k in asked if k in DESCRIPTORS or k in ("lipinski", "alerts", "hazards", "structure")]
    values = []
    for key in keys or ["formula", "mol_weight"]:
        if key == "formula":
            values.append(f"formula {r.formula}")
        elif key == "lipinski":
            values.append(f"{r.lipinski_violations} Lipinski rule-of-five violation(s)")
        elif key == "alerts":
            values.append(f"{len(r.alerts)} structural alert(s)")
        elif key == "hazards":
            flagged = r.safety.flagged
            values.append("on the safety screen's list" if flagged else "not on the safety screen's list")
        elif key == "structure":
            values.append(f"SMILES `{r.canonical_smiles}`")
        elif key in ("canonical_smiles", "inchi", "inchikey"):
            values.append(f"{DESCRIPTORS[key].label} `{r.value(key)}`")
        else:
            values.append(f"{DESCRIPTORS[key].label} {DESCRIPTORS[key].format(r.value(key))}")
    return ", ".join(values) + " (computed by RDKit)"


def _prediction_lead(r: results.PredictionResult, reading: Reading | None) -> str:
    parts = []
    for p in r.predictions:
        prop = p.property or ""
        if p.error or p.value is None or p.interval_low is None or p.interval_high is None:
            parts.append(f"{PREDICTED.get(prop, prop)}: {p.error or 'no prediction'}")
            continue
        value, low, high, unit = p.value, p.interval_low, p.interval_high, p.unit or ""
        if prop == "tg" and reading is not None and reading.celsius:
            value, low, high = celsius(value), celsius(low), celsius(high)
            text = f"{value:.1f} °C (90% interval {low:.1f} to {high:.1f} °C; {p.value:.1f} K)"
        else:
            text = f"{_num(value)} {unit} (90% interval {_num(low)} to {_num(high)})"
        domain = "inside" if p.in_domain else "outside"
        line = f"predicted {PREDICTED.get(prop, p.label or prop)} {text}, {domain} the model's domain"
        measured = _measured(r.smiles, p)
        if measured is not None:
            shown = (
                f"{celsius(measured):.1f} °C"
                if prop == "tg" and reading and reading.celsius
                else f"{_num(measured)} {unit}"
            )
            line += f"; this molecule is in the model's training data, measured value {shown}"
        parts.append(line)
    return "; ".join(parts)


def _measured(smiles: str, p: results.Prediction) -> float | None:
    """The measured value when the molecule itself (same InChIKey) is one of the training molecules."""
    nearest = p.nearest_neighbours[0] if p.nearest_neighbours else None
    if nearest is None or (nearest.similarity or 0) < 0.999 or nearest.measured_value is None:
        return None
    from rdkit import Chem

    def key(s: str) -> str:
        mol = Chem.MolFromSmiles(s)
        return Chem.MolToSmiles(mol) if mol is not None else s

    return float(nearest.measured_value) if key(smiles) == key(nearest.smiles) else None


def _typed(items: Sequence[tuple[str, Any]]) -> list[tuple[str, Typed]]:
    return [(name, results.coerce(r, name)) for name, r in items]


def lead(items: Sequence[tuple[str, Any]], reading: Reading | None) -> list[str]:
    """The plain sentences that answer what was asked, one per molecule, before any table."""
    asked = list(reading.descriptor_properties) if reading is not None else []
    sentences: dict[str, list[str]] = {}
    for _, r in _typed(items):
        if isinstance(r, results.MoleculeResult):
            sentences.setdefault(_name(r, reading), []).append(_descriptor_lead(r, asked))
        elif isinstance(r, results.PredictionResult):
            sentences.setdefault(_name(r, reading), []).append(_prediction_lead(r, reading))
    lines = [
        f"{who[0].upper() + who[1:] if not who.startswith('`') else who}: {'; '.join(what)}."
        for who, what in sentences.items()
    ]
    if reading is not None and reading.unsupported:
        missing = ", ".join(reading.unsupported)
        lines.append(
            f"chemassist has no measured data or model for {missing}, so I give no number for it rather than "
            "guess; the values above are what it can compute or predict."
        )
    if reading is not None and reading.intent == "compare":
        lines += _comparison(_typed(items), reading)
    return lines


def _comparison(items: list[tuple[str, Typed]], reading: Reading) -> list[str]:
    """'Ibuprofen has the higher Crippen logP (3.07 vs 1.31).' for each number asked of two or more molecules."""
    rows: dict[str, dict[str, float]] = {}
    for _, r in items:
        if isinstance(r, results.MoleculeResult):
            who = _name(r, reading)
            for key in reading.descriptor_properties or ["mol_weight"]:
                value = r.value(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    rows.setdefault(key, {})[who] = float(value)
        elif isinstance(r, results.PredictionResult):
            who = _name(r, reading)
            for p in r.predictions:
                if not p.error and p.property and p.value is not None:
                    rows.setdefault(p.property, {})[who] = float(p.value)
    out = []
    for key, values in rows.items():
        if len(values) < 2:
            continue
        ranked = sorted(values.items(), key=lambda kv: -kv[1])
        label = DESCRIPTORS[key].label if key in DESCRIPTORS else PREDICTED.get(key, key)
        listing = " vs ".join(f"{v:.2f}" for _, v in ranked)
        out.append(
            f"Highest {label}: {ranked[0][0]} ({listing}, in the order " + ", ".join(w for w, _ in ranked) + ")."
        )
    return out


def readings(reading: Reading | None) -> str:
    """How each input was read, for the end of the answer."""
    if reading is None or not reading.molecules:
        return ""
    if reading.from_context:
        said = ", ".join(m.label if m.start >= 0 else m.text for m in reading.molecules)
        return f"*Read as a follow-up about {said} from earlier in this session.*"
    parts = [m.reading() for m in reading.molecules]
    return "*Input read: " + "; ".join(parts) + ".*"


def compose(question: str, items: Sequence[tuple[str, Any]], reading: Reading | None = None) -> str:
    """One Markdown answer from every tool result of the turn (typed results, or the JSON objects the tools
    returned; errors said plainly): first the sentences that answer the question, then the tables, then how
    the inputs were read."""
    typed = _typed(items)
    head = lead(typed, reading)
    parts = ["\n\n".join(head)] if head else []
    for name, result in typed:
        if isinstance(result, results.ToolError):
            parts.append(f"**{name}** could not run: {result.error}")
            continue
        formatter = FORMATTERS.get(result.kind)
        parts.append(formatter(result) if formatter else f"```json\n{results.dump(result)}\n```")
    body = "\n\n---\n\n".join(parts) if parts else "I found nothing to report."
    tail = readings(reading)
    return f"{body}\n\n{tail}" if tail else body
