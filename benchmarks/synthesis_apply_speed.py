"""Template application speed: our cached rdchiral application vs raw RDKit RunReactants on the same templates.

.venv/bin/python benchmarks/synthesis_apply_speed.py
"""

from __future__ import annotations

import time

import pandas as pd
from rdkit import Chem
from rdkit.Chem import AllChem
from synthesis_common import TEST_CSV, write

from tools.synthesis.library import TemplateLibrary


def main() -> None:
    library = TemplateLibrary.load()
    test = pd.read_csv(TEST_CSV)
    test = test[test.template_id >= 0].sample(300, random_state=0)
    pairs = [(p, int(t)) for p, t in zip(test["product"], test.template_id, strict=True)]
    for _, tid in pairs:  # compile once, as the planner does, so both sides time application only
        library.compiled(tid)
    raw = {tid: AllChem.ReactionFromSmarts(library.template(tid).smarts) for _, tid in pairs}
    t = time.monotonic()
    ours = sum(len(library.apply(tid, p)) for p, tid in pairs)
    t_ours = time.monotonic() - t
    t = time.monotonic()
    n_raw = 0
    for p, tid in pairs:
        mol = Chem.MolFromSmiles(p)
        n_raw += len(raw[tid].RunReactants((mol,)))
    t_raw = time.monotonic() - t
    ms_ours, ms_raw = 1000 * t_ours / len(pairs), 1000 * t_raw / len(pairs)
    print(
        f"rdchiral {ms_ours:.2f} ms/application ({ours} outcomes), RunReactants {ms_raw:.2f} ms ({n_raw} raw outcomes)"
    )
    write(
        "apply_speed",
        {"applications": len(pairs), "ms_rdchiral": ms_ours, "ms_runreactants": ms_raw, "outcomes": [ours, n_raw]},
        [
            (
                "ms per template application",
                f"{ms_ours:.2f} (rdchiral, canonical, stereo-aware)",
                f"{ms_raw:.2f} (RDKit RunReactants, raw, unsanitised)",
                f"{ms_ours / ms_raw:.1f}x slower",
            )
        ],
    )


if __name__ == "__main__":
    main()
