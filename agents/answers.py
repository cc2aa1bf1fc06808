"""Templated answers from tool results (offline mode, and the fallback when a turn hits its limits).

Every number is written with its provenance: computed by RDKit, predicted by a model (interval, domain, test
error) or quoted from a document (citation).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from langchain_core.messages import ToolMessage

from tools.chem.quantities import DESCRIPTORS, celsius

if TYPE_CHECKING:
    from agents.reader import Reading

Result = dict[str, Any]
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


def _num(value: Any, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else "n/a"


def molecule(r: Result) -> str:
    lines = [
        f"**{r.get('input', '')}**: `{r['canonical_smiles']}`, {r['formula']}"
        + (f", InChIKey `{r['inchikey']}`" if r.get("inchikey") else " (a repeat unit: no standard InChI)"),
        "",
        "| descriptor | value | unit |",
        "|---|---|---|",
    ]
    units = r.get("units", {})
    for key, label in [
        ("mol_weight", "molecular weight"),
        ("exact_mass", "exact mass"),
        ("logp", "Crippen logP"),
        ("tpsa", "TPSA"),
        ("hbd", "H-bond donors"),
        ("hba", "H-bond acceptors"),
        ("rotatable_bonds", "rotatable bonds"),
        ("aromatic_rings", "aromatic rings"),
        ("fsp3", "Fsp3"),
        ("qed", "QED"),
        ("sa_score", "SA score"),
    ]:
        lines.append(f"| {label} | {r.get(key)} | {units.get(key, '')} |")
    lines.append("")
    lines.append(f"Lipinski violations: {r.get('lipinski_violations', 0)}.")
    alerts = r.get("alerts") or []
    if alerts:
        names = ", ".join(f"{a['name']} ({a['catalog']})" for a in alerts[:6])
        lines.append(f"Structural alerts: {names}.")
    else:
        lines.append("No PAINS/Brenk/NIH structural alerts.")
    if r.get("safety", {}).get("flagged"):
        hits = "; ".join(f"{h.get('name')} ({h.get('source')})" for h in r["safety"]["hits"])
        lines.append(f"**Safety screen: flagged** ({hits}).")
    lines.append(f"\n*Source: {r.get('provenance', 'computed by RDKit')}.*")
    return "\n".join(lines)


def similar(r: Result) -> str:
    lines = [
        f"The {len(r.get('hits', []))} most similar distinct molecules to `{r['smiles']}` (Tanimoto, Morgan "
        "fingerprints; the molecule itself and its stereoisomers left out):",
        "",
        "| molecule | similarity | source | measured |",
        "|---|---|---|---|",
    ]
    for h in r.get("hits", []):
        name = f"{h['name']} " if h.get("name") else ""
        lines.append(
            f"| {name}`{h['smiles']}` | {h['similarity']:.2f} | {h.get('source', '')} | {h.get('measured') or '-'} |"
        )
    lines.append(f"\n*Source: {r['provenance']}.*")
    return "\n".join(lines)


def _prediction_row(p: Result) -> str:
    if p.get("error"):
        return f"| {p.get('label') or p.get('property') or '?'} | – | – | – | {p['error']} |"
    domain = "in domain" if p.get("in_domain") else "**outside the model's domain**"
    nn = (p.get("nearest_neighbours") or [{}])[0]
    nearest = f"`{nn.get('smiles', '')}` (sim {_num(nn.get('similarity'))})" if nn else ""
    return (
        f"| {p.get('label')} | {_num(p['value'])} {p.get('unit', '')} | "
        f"{_num(p['interval_low'])} – {_num(p['interval_high'])} | {domain}; nearest {nearest} | "
        f"{p.get('model')} (test RMSE {_num(p.get('test_rmse'))}) |"
    )


def predictions(r: Result) -> str:
    lines = [
        f"Predictions for `{r['smiles']}` (90% prediction intervals):",
        "",
        "| property | predicted | 90% interval | applicability | model |",
        "|---|---|---|---|---|",
    ]
    lines += [_prediction_row(p) for p in r.get("predictions", [])]
    if any(p.get("in_domain") is False for p in r.get("predictions", [])):
        lines.append("\nOut-of-domain predictions are unreliable: the nearest training molecules are not similar.")
    lines.append(f"\n*Source: {r['provenance']}.*")
    return "\n".join(lines)


def screening(r: Result) -> str:
    rows = r.get("rows", [])
    passing = [row for row in rows if row.get("passes")]
    windows = (
        ", ".join(
            f"{k} in [{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
            for k, (lo, hi) in r.get("windows", {}).items()
        )
        or "no window"
    )
    lines = [
        f"Screened {r.get('total_candidates', len(rows))} candidates around `{r['seed_smiles']}` ({windows}); "
        f"{len(passing)} pass.",
        "",
        "| rank | SMILES | predictions (90% interval) | in domain |",
        "|---|---|---|---|",
    ]
    for row in rows[:10]:
        preds = "; ".join(
            f"{p.get('property')}: {_num(p.get('value'))} [{_num(p.get('interval_low'))}, "
            f"{_num(p.get('interval_high'))}] {p.get('unit') or ''}"
            for p in row.get("predictions", {}).values()
        )
        rank = row.get("rank") if row.get("passes") else "fails"
        lines.append(f"| {rank} | `{row['smiles']}` | {preds} | {'yes' if row.get('all_in_domain') else 'no'} |")
    lines.append(f"\n*Source: {r['provenance']}.*")
    return "\n".join(lines)


def _where(c: Result) -> str:
    from tools.literature.models import location

    return location(bool(c.get("paged", True)), int(c.get("page") or 1), str(c.get("section") or ""))


def literature(r: Result) -> str:
    text = r.get("answer", "")
    cites = r.get("citations") or []
    if cites:
        text += "\n\n" + "\n".join(f"[{c['n']}] {c['title']}, {_where(c)}" for c in cites)
    return text


def _reaction_class(value: Any) -> str:
    from tools.synthesis.library import REACTION_CLASSES

    try:
        return REACTION_CLASSES.get(int(value), f"class {value}")
    except (TypeError, ValueError):
        return "class n/a"


_STOCKS = {"uspto50k": "USPTO-50k stock", "inventory": "your lab inventory"}


def _stock(source: Any, name: Any = None) -> str:
    label = _STOCKS.get(str(source), str(source))
    return f"{label} ({name})" if name else label


def _route_step(i: int, step: Result) -> str:
    reactants = " + ".join(f"`{s}`" for s in step["reactants"])
    name = step.get("reaction_class_name") or (
        _reaction_class(step["reaction_class"]) if step.get("reaction_class") else "reaction class not recorded"
    )
    if step.get("reaction_class_source") == "predicted":
        name += " (class predicted)"
    count = step.get("template_count")
    generality = f"template {step.get('template_id')}, from {count} training reaction(s)" if count else ""
    if step.get("rare_template"):
        generality += ", **rare template: seen once**"
    patents = ", ".join(p["patent"] for p in step.get("patents") or [] if p.get("patent"))
    details = "; ".join(x for x in (name, generality, f"precedents: {patents}" if patents else "") if x)
    return f"{i}. {reactants} → `{step['product']}` ({details})"


def synthesis(r: Result) -> str:
    if r.get("refused"):
        return f"I will not plan a synthesis for this target. {r.get('reason', '')}"
    target = r.get("target_smiles", r.get("target"))
    routes = r.get("routes") or []
    where = _stock(r.get("target_stock_source"), r.get("target_stock_name"))
    if r.get("target_in_stock") and r.get("stopped_at_stock"):
        return f"`{target}` is already a building block in stock ({where}), so there is nothing to plan."
    bought = f"`{target}` can also be bought: it is in stock ({where}). " if r.get("target_in_stock") else ""
    if not r.get("solved") or not routes:
        return (
            f"{bought}No route to `{target}`"
            f"{' from other building blocks' if bought else ''} was found within the search limits "
            "(template-based planner on USPTO-50k reactions). Try a longer search on the Synthesis page."
        )
    best = routes[0]
    shape = "convergent" if best.get("convergent") else "linear"
    score = best.get("score_text") or _num(best.get("score"))
    lines = [
        f"{bought}Found {len(routes)} route(s) to `{target}`"
        f"{' from other building blocks (the target itself excluded as a starting material)' if bought else ''}. "
        f"Best route: {len(best['steps'])} step(s), longest linear sequence "
        f"{best.get('longest_linear_sequence', best.get('depth'))}, {shape}, score {score}:",
        "",
    ]
    for i, step in enumerate(reversed(best["steps"]), 1):  # the order a chemist runs them
        lines.append(_route_step(i, step))
    leaves = best.get("leaves") or []
    if leaves:
        materials = "; ".join(
            f"`{x['smiles']}` ({_stock(x.get('source'), x.get('name')) if x.get('in_stock') else 'not in stock'})"
            for x in leaves
        )
        lines.append(f"\nStarting materials: {materials}.")
    lines.append("\n*Source: template-based retrosynthesis on USPTO-50k (precedents in each step).*")
    return "\n".join(lines)


FORMATTERS: dict[str, Callable[[Result], str]] = {
    "molecule_info": molecule,
    "find_similar": similar,
    "predict_properties": predictions,
    "screen_candidates": screening,
    "search_literature": literature,
    "plan_synthesis": synthesis,
}


def _name(r: Result, reading: Reading | None) -> str:
    """The molecule as the chemist named it ("aspirin"), else its SMILES in a code span."""
    typed = str(r.get("input") or r.get("query") or "")
    if reading is not None:
        for m in reading.molecules:
            if typed in (m.query, m.text, m.smiles) and m.start >= 0:
                return m.label if m.read_as in ("close spelling", "abbreviation", "CAS number") else m.text
    smiles = r.get("canonical_smiles") or r.get("smiles") or typed
    if typed and typed != smiles and not any(c in typed for c in "()=#[]@"):
        return typed
    return f"`{smiles}`"


def _descriptor_lead(r: Result, asked: list[str]) -> str:
    keys = [k for k in asked if k in DESCRIPTORS or k in ("lipinski", "alerts", "hazards", "structure")]
    values = []
    for key in keys or ["formula", "mol_weight"]:
        if key == "formula":
            values.append(f"formula {r.get('formula')}")
        elif key == "lipinski":
            values.append(f"{r.get('lipinski_violations', 0)} Lipinski rule-of-five violation(s)")
        elif key == "alerts":
            values.append(f"{len(r.get('alerts') or [])} structural alert(s)")
        elif key == "hazards":
            flagged = (r.get("safety") or {}).get("flagged")
            values.append("on the safety screen's list" if flagged else "not on the safety screen's list")
        elif key == "structure":
            values.append(f"SMILES `{r.get('canonical_smiles')}`")
        elif key in ("canonical_smiles", "inchi", "inchikey"):
            values.append(f"{DESCRIPTORS[key].label} `{r.get(key)}`")
        else:
            values.append(f"{DESCRIPTORS[key].label} {DESCRIPTORS[key].format(r.get(key))}")
    return ", ".join(values) + " (computed by RDKit)"


def _prediction_lead(r: Result, reading: Reading | None) -> str:
    parts = []
    for p in r.get("predictions", []):
        if p.get("error"):
            parts.append(f"{PREDICTED.get(p.get('property', ''), p.get('property'))}: {p['error']}")
            continue
        value, low, high, unit = p["value"], p["interval_low"], p["interval_high"], p.get("unit", "")
        prop = p.get("property", "")
        if prop == "tg" and reading is not None and reading.celsius:
            value, low, high = celsius(value), celsius(low), celsius(high)
            text = f"{value:.1f} °C (90% interval {low:.1f} to {high:.1f} °C; {p['value']:.1f} K)"
        else:
            text = f"{_num(value)} {unit} (90% interval {_num(low)} to {_num(high)})"
        domain = "inside" if p.get("in_domain") else "outside"
        line = f"predicted {PREDICTED.get(prop, p.get('label', prop))} {text}, {domain} the model's domain"
        measured = _measured(r.get("smiles", ""), p)
        if measured is not None:
            shown = (
                f"{celsius(measured):.1f} °C"
                if prop == "tg" and reading and reading.celsius
                else f"{_num(measured)} {unit}"
            )
            line += f"; this molecule is in the model's training data, measured value {shown}"
        parts.append(line)
    return "; ".join(parts)


def _measured(smiles: str, p: Result) -> float | None:
    """The measured value when the molecule itself (same InChIKey) is one of the training molecules."""
    nearest = (p.get("nearest_neighbours") or [{}])[0]
    if not nearest or nearest.get("similarity", 0) < 0.999 or nearest.get("measured_value") is None:
        return None
    from rdkit import Chem

    def key(s: str) -> str:
        mol = Chem.MolFromSmiles(s)
        return Chem.MolToSmiles(mol) if mol is not None else s

    return float(nearest["measured_value"]) if key(smiles) == key(nearest.get("smiles", "")) else None


def lead(results: list[tuple[str, Result]], reading: Reading | None) -> list[str]:
    """The plain sentences that answer what was asked, one per molecule, before any table."""
    asked = list(reading.descriptor_properties) if reading is not None else []
    sentences: dict[str, list[str]] = {}
    for name, r in results:
        if "error" in r:
            continue
        if name == "molecule_info":
            sentences.setdefault(_name(r, reading), []).append(_descriptor_lead(r, asked))
        elif name == "predict_properties":
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
        lines += _comparison(results, reading)
    return lines


def _comparison(results: list[tuple[str, Result]], reading: Reading) -> list[str]:
    """'Ibuprofen has the higher Crippen logP (3.07 vs 1.31).' for each number asked of two or more molecules."""
    rows: dict[str, dict[str, float]] = {}
    for name, r in results:
        who = _name(r, reading)
        if name == "molecule_info":
            for key in reading.descriptor_properties or ["mol_weight"]:
                if isinstance(r.get(key), int | float):
                    rows.setdefault(key, {})[who] = float(r[key])
        elif name == "predict_properties":
            for p in r.get("predictions", []):
                if not p.get("error"):
                    rows.setdefault(p["property"], {})[who] = float(p["value"])
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


def compose(question: str, results: list[tuple[str, Result]], reading: Reading | None = None) -> str:
    """One Markdown answer from every tool result of the turn (errors said plainly): first the sentences that
    answer the question, then the tables, then how the inputs were read."""
    head = lead(results, reading)
    parts = ["\n\n".join(head)] if head else []
    for name, result in results:
        if "error" in result:
            parts.append(f"**{name}** could not run: {result['error']}")
            continue
        formatter = FORMATTERS.get(name)
        parts.append(formatter(result) if formatter else f"```json\n{result}\n```")
    body = "\n\n---\n\n".join(parts) if parts else "I found nothing to report."
    tail = readings(reading)
    return f"{body}\n\n{tail}" if tail else body
