"""Rebuild the shipped data files in tools/synthesis/data/ from the shared USPTO-50k copy.

Run once by a maintainer: ``python -m tools.synthesis.build_data /path/to/uspto50k``. It writes the template
library (with reaction classes and precedent counts), the training reactions used as precedents, the validation
reactions with their patent numbers (the precedents a chemist can look up), the stock keyed by InChIKey and the
fallback list of refused targets; PROVENANCE.md says where each file came from.
"""

from __future__ import annotations

import csv
import gzip
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
from rdkit import Chem, RDLogger

DATA_DIR = Path(__file__).resolve().parent / "data"

# Chemical-weapon agents and a high explosive, refused as targets even before the app wires in tools.chem's screen.
# Sources: CWC Annex on Chemicals, Schedule 1 (A.1 sarin, soman, tabun; A.3 VX; A.4 sulfur mustard; A.5 lewisite);
# structures as in PubChem (CIDs given). TNT: PubChem CID 8376.
REFUSED_TARGETS = [
    ("sarin", "CC(C)OP(C)(=O)F", "CWC Schedule 1 A.1; PubChem CID 7871"),
    ("soman", "CC(C)(C)C(C)OP(C)(=O)F", "CWC Schedule 1 A.1; PubChem CID 7305"),
    ("tabun", "CCOP(=O)(C#N)N(C)C", "CWC Schedule 1 A.2; PubChem CID 6500"),
    ("cyclosarin", "CP(=O)(F)OC1CCCCC1", "CWC Schedule 1 A.1; PubChem CID 64505"),
    ("VX", "CCOP(C)(=O)SCCN(C(C)C)C(C)C", "CWC Schedule 1 A.3; PubChem CID 39793"),
    ("sulfur mustard", "ClCCSCCCl", "CWC Schedule 1 A.4; PubChem CID 10461"),
    ("lewisite 1", "Cl/C=C/[As](Cl)Cl", "CWC Schedule 1 A.5; PubChem CID 5372798"),
    ("TNT", "Cc1c([N+](=O)[O-])cc([N+](=O)[O-])cc1[N+](=O)[O-]", "high explosive; PubChem CID 8376"),
]


def _inchikey(smiles: str) -> str:
    mol = Chem.MolFromSmiles(smiles)
    return Chem.MolToInchiKey(mol) if mol is not None else ""


def build(source: Path, out: Path = DATA_DIR) -> None:
    """Write templates.csv.gz, train_reactions.csv.gz, patent_reactions.csv.gz, stock.csv.gz and
    refused_targets.csv into ``out``."""
    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]
    out.mkdir(parents=True, exist_ok=True)
    templates = pd.read_csv(source / "templates.csv")
    train = pd.read_csv(source / "train.csv")
    valid = pd.read_csv(source / "valid.csv")

    # Reaction class: train rows carry none, so take the commonest class of the validation reactions that share
    # the template (validation, never test, so the benchmark stays clean).
    classes: dict[int, Counter] = defaultdict(Counter)
    for tid, cls in zip(valid.template_id, valid.reaction_class, strict=True):
        if tid >= 0 and cls == cls:
            classes[int(tid)][int(cls)] += 1
    templates["reaction_class"] = [
        classes[t].most_common(1)[0][0] if t in classes else "" for t in templates.template_id
    ]
    templates.to_csv(out / "templates.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})

    train = train.assign(id=[f"USPTO50K-train-{i}" for i in range(len(train))])
    train[["id", "product", "template_id", "reactants", "reactants_status"]].to_csv(
        out / "train_reactions.csv.gz", index=False, compression={"method": "gzip", "mtime": 0}
    )

    build_patent_reactions(valid, out)
    build_template_classes(valid, out)

    stock = pd.read_csv(source / "stock.csv")
    stock["inchikey"] = [_inchikey(s) for s in stock.smiles]
    stock = stock[stock.inchikey != ""]
    stock.to_csv(out / "stock.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})

    with open(out / "refused_targets.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "smiles", "inchikey", "source"])
        for name, smiles, src in REFUSED_TARGETS:
            writer.writerow([name, smiles, _inchikey(smiles), src])


def build_patent_reactions(valid: pd.DataFrame, out: Path = DATA_DIR) -> None:
    """patent_reactions.csv.gz: the validation reactions whose template is in the library, with their patent
    number and reaction class (training rows carry neither; test rows stay unseen for the benchmarks)."""
    known = valid[(valid.template_id >= 0) & valid.id.notna()].astype({"reaction_class": "Int64"})
    known[["id", "reaction_class", "product", "reactants", "template_id"]].to_csv(
        out / "patent_reactions.csv.gz", index=False, compression={"method": "gzip", "mtime": 0}
    )


def build_template_classes(valid: pd.DataFrame, out: Path = DATA_DIR) -> None:
    """template_classes.csv.gz: predicted reaction classes of the templates USPTO-50k leaves unlabelled (needs
    templates.csv.gz and train_reactions.csv.gz in ``out``); prints the held-out accuracy for PROVENANCE.md."""
    from tools.synthesis.reaction_classes import evaluate, predict_template_classes

    labelled = valid[valid.reaction_class.notna()]
    print(evaluate(labelled))
    templates = pd.read_csv(out / "templates.csv.gz", keep_default_na=False)
    reactions = pd.read_csv(out / "train_reactions.csv.gz", keep_default_na=False)
    predict_template_classes(labelled, templates, reactions).to_csv(
        out / "template_classes.csv.gz", index=False, compression={"method": "gzip", "mtime": 0}
    )


if __name__ == "__main__":
    build(Path(sys.argv[1]))
    for path in sorted(DATA_DIR.iterdir()):
        with gzip.open(path) if path.suffix == ".gz" else open(path, "rb") as fh:
            n = sum(1 for _ in fh)
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB, {n} lines")
