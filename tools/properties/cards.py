"""Model cards: read the JSON card of a trained property model and render it as Markdown."""

from __future__ import annotations

import json
from pathlib import Path

MODELS_DIR = Path(__file__).parent / "models"
SELECTION_FILE = MODELS_DIR / "model_selection.json"


def model_selection_rows(name: str, path: Path = SELECTION_FILE) -> list[dict]:
    """The measured comparison of candidate models for a property (empty until the selection was run)."""
    if not path.exists():
        return []
    return json.loads(path.read_text()).get("results", {}).get(name, [])


def load_card(name: str, models_dir: Path = MODELS_DIR) -> dict:
    return json.loads((models_dir / name / "card.json").read_text())


def _f(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def render_markdown(card: dict) -> str:
    r, s, ship = card["random_split"], card["scaffold_split"], card["shipped_split"]
    u, d = card["uncertainty"], card["domain"]
    unit = card["unit"]
    lines = [
        f"# Model card: {card['label']}",
        "",
        f"- **Model**: `{card['model']['name']}`: {card['model']['regressor']} on {card['model']['features']}"
        + (f"; polymer repeat units: `{card['model']['polymer_mode']}`" if card["model"]["polymer_mode"] else ""),
        f"- **Predicts**: {card['label']} in {unit}",
        f"- **Data**: `{card['data']['file']}`, {card['data']['n']} rows. Source: {card['data']['source']}",
        f"- **License**: {card['data']['license']}",
        f"- **Cite**: {card['data']['citation']}",
        f"- **Trained on**: {card['model']['trained_on']}",
        "",
        "## Test metrics (held-out data)",
        "",
        f"| split | RMSE ({unit}) | MAE | R² | 90% interval coverage | mean interval width | train-mean RMSE |",
        "|---|---|---|---|---|---|---|",
        f"| {r['protocol']} | {_f(r['rmse'])} ± {_f(r['rmse_sd'])} | {_f(r['mae'])} | {_f(r['r2'])} | "
        f"{_f(r['coverage_90_pooled'])} (n={r['n_test_pooled']}) | {_f(r['mean_interval_width'])} | "
        f"{_f(r['train_mean_rmse'])} |",
        f"| shipped model (random, seed 0) | {_f(ship['rmse'])} | {_f(ship['mae'])} | {_f(ship['r2'])} | "
        f"{_f(ship['coverage_90'])} (n={ship['n_test']}) | {_f(ship['mean_interval_width'])} | "
        f"{_f(ship['train_mean_rmse'])} |",
        f"| {s['protocol']} | {_f(s['rmse'])} | {_f(s['mae'])} | {_f(s['r2'])} | "
        f"{_f(s['coverage_90_pooled'])} (n={s['n_test_pooled']}) | {_f(s['mean_interval_width'])} | "
        f"{_f(s['train_mean_rmse'])} |",
        "",
        "## Published baselines (random-split test RMSE, from the literature; not rerun here)",
        "",
        "| method | RMSE | ours (random, 3-seed mean) |",
        "|---|---|---|",
    ]
    for b in card["published_baselines"]:
        lines.append(f"| {b['method']} | {b['random_split_test_rmse']} | {_f(r['rmse'])} |")
    if not card["published_baselines"]:
        lines.append(f"| none published for this set | n/a | {_f(r['rmse'])} |")
    for ref in card["reference_points"]:
        lines.append(f"| {ref['method']} | {ref['rmse']} | {_f(r['rmse'])} |")
    lines += [
        "",
        "## Uncertainty",
        "",
        f"- Method: {u['method']}; α = {u['alpha']}, q = {_f(u['q'])}, β = {u['beta']}, "
        f"calibration set of {u['n_calibration']} molecules.",
        f"- Coverage of the 90% intervals on test data: random split {_f(r['coverage_90_pooled'])} "
        f"(pooled over 3 seeds), scaffold split {_f(s['coverage_90_pooled'])}. Constant-width "
        f"split-conformal for comparison: coverage {_f(r['coverage_90_constant_width'])}, "
        f"width {_f(r['constant_interval_width'])}.",
        "- Coverage is a marginal guarantee for molecules drawn like the calibration set; on a scaffold "
        "split (new chemotypes) it can fall short, which is why out-of-domain predictions are flagged.",
        "",
        "## Applicability domain",
        "",
        f"- {d['rule']}. Threshold: **{d['similarity_threshold']}** ({d['threshold_choice']}).",
        f"- Training elements: {', '.join(d['elements'])}; heavy atoms {d['heavy_atoms_min']}-{d['heavy_atoms_max']}.",
        f"- Random split test: {_f(100 * r['in_domain_fraction'], 0)}% in domain; RMSE in domain "
        f"{_f(r['rmse_in_domain'])}, out of domain {_f(r['rmse_out_of_domain'])}.",
        f"- Scaffold split test: {_f(100 * s['in_domain_fraction'], 0)}% in domain; RMSE in domain "
        f"{_f(s['rmse_in_domain'])}, out of domain {_f(s['rmse_out_of_domain'])}.",
        "",
        "Test error by max similarity to the training set (random split, 3 seeds pooled):",
        "",
        "| max similarity | n | RMSE |",
        "|---|---|---|",
    ]
    for b in r["error_by_similarity"]:
        lines.append(f"| {b['similarity_from']:.1f}-{b['similarity_to']:.1f} | {b['n']} | {_f(b['rmse'])} |")
    if card["model_selection"]:
        lines += [
            "",
            "## Model selection (same random splits, seeds 0-2, test RMSE mean)",
            "",
            "| candidate | polymer mode | RMSE | fit time (s) | artifact size (kB) |",
            "|---|---|---|---|---|",
        ]
        for row in card["model_selection"]:
            lines.append(
                f"| {row['kind']} | {row.get('polymer_mode') or '-'} | {_f(row['rmse_mean'])} ± "
                f"{_f(row['rmse_sd'])} | {_f(row['fit_seconds'], 1)} | {_f(row['artifact_kb'], 0)} |"
            )
    lines += [
        "",
        "Parity and error-vs-similarity plot data: `test_predictions` and `*.error_by_similarity` in card.json.",
        "",
    ]
    return "\n".join(lines)
