"""Templated answers from tool results (offline mode, and the fallback when a turn hits its limits).

Every number is written with its provenance: computed by RDKit, predicted by a model (interval, domain, test
error) or quoted from a document (citation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Result = dict[str, Any]


def _num(value: Any, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else "n/a"


def molecule(r: Result) -> str:
    lines = [
        f"**{r.get('input', '')}**: `{r['canonical_smiles']}`, {r['formula']}, InChIKey `{r['inchikey']}`",
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
        f"Most similar measured molecules to `{r['smiles']}`:",
        "",
        "| molecule | similarity | measured | data set |",
        "|---|---|---|---|",
    ]
    for h in r.get("hits", []):
        lines.append(f"| {h['name']} `{h['smiles']}` | {h['similarity']:.2f} | {h['measured']} | {h['dataset']} |")
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


def literature(r: Result) -> str:
    text = r.get("answer", "")
    cites = r.get("citations") or []
    if cites:
        text += "\n\n" + "\n".join(f"[{c['n']}] {c['title']}, p. {c['page']}" for c in cites)
    return text


def _reaction_class(value: Any) -> str:
    from tools.synthesis.library import REACTION_CLASSES

    try:
        return REACTION_CLASSES.get(int(value), f"class {value}")
    except (TypeError, ValueError):
        return "class n/a"


def synthesis(r: Result) -> str:
    if r.get("refused"):
        return f"I will not plan a synthesis for this target. {r.get('reason', '')}"
    routes = r.get("routes") or []
    if r.get("target_in_stock"):
        return (
            f"`{r.get('target_smiles', r.get('target'))}` is already a building block in the stock, so there is "
            f"nothing to plan: {r.get('message', '')}"
        )
    if not r.get("solved") or not routes:
        return (
            f"No route to `{r.get('target_smiles', r.get('target'))}` was found within the search limits "
            "(template-based planner on USPTO-50k reactions). Try a longer search on the Synthesis page."
        )
    best = routes[0]
    lines = [
        f"Found {len(routes)} route(s) to `{r.get('target_smiles', r.get('target'))}`. Best route "
        f"({len(best['steps'])} step(s), score {_num(best.get('score'))}):",
        "",
    ]
    for i, step in enumerate(best["steps"], 1):
        reactants = " + ".join(f"`{s}`" for s in step["reactants"])
        lines.append(f"{i}. `{step['product']}` ⇐ {reactants} ({_reaction_class(step.get('reaction_class'))})")
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


def compose(question: str, results: list[tuple[str, Result]]) -> str:
    """One Markdown answer from every tool result of the turn (errors said plainly)."""
    parts = []
    for name, result in results:
        if "error" in result:
            parts.append(f"**{name}** could not run: {result['error']}")
            continue
        formatter = FORMATTERS.get(name)
        parts.append(formatter(result) if formatter else f"```json\n{result}\n```")
    return "\n\n---\n\n".join(parts) if parts else "I found nothing to report."
