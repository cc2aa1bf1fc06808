"""Write benchmarks/results/properties.md from whichever properties_*.json results exist."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
MACHINE = "2-core x86_64 CPU, 24 GiB"


def _load(name: str) -> dict | None:
    path = RESULTS / f"properties_{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def write_markdown() -> Path:
    lines = ["# Property prediction benchmarks", ""]
    acc = _load("accuracy")
    if acc:
        lines += [
            f"## Test RMSE vs baselines ({acc['date']}, {acc['machine']})",
            "",
            "Random split = 80/10/10, seeds 0-2 mean (MoleculeNet protocol); scaffold = DeepChem order. "
            "Ratio = ours / baseline (< 1 is better than the baseline).",
            "",
            "| property | unit | ours random (3 seeds) | ours scaffold | shipped model, seed-0 test (re-run) "
            "| baseline | baseline RMSE | ratio | 90% coverage random / scaffold |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in acc["rows"]:
            for b in r["baselines"]:
                lines.append(
                    f"| {r['property']} | {r['unit']} | {r['rmse_random_3seed']:.3f} ± "
                    f"{r['rmse_random_sd']:.3f} "
                    f"| {r['rmse_scaffold']:.3f} | {r['rmse_shipped_rerun']:.3f} | {b['method']} | "
                    f"{b['rmse']:.3f} | {b['ratio']:.2f} | {r['coverage_random']:.3f} / "
                    f"{r['coverage_scaffold']:.3f} |"
                )
        lines.append("")
    thr = _load("throughput")
    if thr:
        lines += [
            f"## Throughput, {thr['n_molecules']} molecules, one property ({thr['date']}, {thr['machine']})",
            "",
            "| pipeline | seconds | molecules/s | ratio to featurize + predict |",
            "|---|---|---|---|",
        ]
        for row in thr["rows"]:
            lines.append(f"| {row['pipeline']} | {row['seconds']:.1f} | {row['per_second']:.0f} | {row['ratio']:.2f} |")
        lines.append("")
    sel = _load("model_selection")
    if sel:
        lines += [
            f"## Model selection ({sel['date']}, {sel['machine']}): {sel['protocol']}",
            "",
            "| property | candidate | polymer mode | test RMSE | fit s | artifact kB |",
            "|---|---|---|---|---|---|",
        ]
        for prop, rows in sel["results"].items():
            for row in rows:
                lines.append(
                    f"| {prop} | {row['kind']} | {row.get('polymer_mode') or '-'} | {row['rmse_mean']:.3f} ± "
                    f"{row['rmse_sd']:.3f} | {row['fit_seconds']:.1f} | {row['artifact_kb']:.0f} |"
                )
        lines.append("")
    out = RESULTS / "properties.md"
    out.write_text("\n".join(lines))
    return out
