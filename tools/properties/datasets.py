"""The four training sets shipped under tools/properties/data/ (see PROVENANCE.md), and how to load them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class PropertySpec:
    """What one trained model predicts, in which unit, from which data."""

    name: str
    label: str
    unit: str
    file: str
    kind: str  # "molecule" or "polymer" (repeat unit with two [*] attachment points)
    source: str
    license: str
    citation: str
    aliases: tuple[str, ...] = ()
    published: tuple[tuple[str, float], ...] = ()  # (method, random-split test RMSE) from the data README
    reference_points: tuple[tuple[str, float], ...] = ()  # non-held-out reference RMSEs from the data README

    @property
    def path(self) -> Path:
        return DATA_DIR / self.file


SPECS: dict[str, PropertySpec] = {
    "esol": PropertySpec(
        name="esol",
        label="Aqueous solubility logS (ESOL)",
        unit="log10(mol/L)",
        file="esol.csv",
        kind="molecule",
        source="ESOL / Delaney, via ajia90/smilestransformer@14c071a:delaney-processed.csv",
        license="Not stated (no license file in the source; data from the paper's SI)",
        citation="Delaney, J. S. J. Chem. Inf. Comput. Sci. 2004, 44, 1000-1005, doi:10.1021/ci034243x",
        aliases=("logs", "solubility", "delaney"),
        published=(("MoleculeNet MPNN (Wu et al. 2018)", 0.58), ("Chemprop D-MPNN (Yang et al. 2019)", 0.55)),
        reference_points=(("ESOL equation, all rows (not held out)", 0.91),),
    ),
    "freesolv": PropertySpec(
        name="freesolv",
        label="Hydration free energy (FreeSolv)",
        unit="kcal/mol",
        file="freesolv.csv",
        kind="molecule",
        source="FreeSolv v0.52, MobleyLab/FreeSolv@ff0961a:database.txt",
        license="Not stated (no license file; the README asks users to cite the database)",
        citation="Mobley & Guthrie, J. Comput.-Aided Mol. Des. 2014, 28, 711-720, doi:10.1007/s10822-014-9747-x",
        aliases=("hydration", "dghyd", "hydration_free_energy"),
        published=(("MoleculeNet MPNN (Wu et al. 2018)", 1.15), ("Chemprop D-MPNN (Yang et al. 2019)", 1.08)),
        reference_points=(("GAFF calculation, all rows (not held out)", 1.54),),
    ),
    "lipophilicity": PropertySpec(
        name="lipophilicity",
        label="Lipophilicity logD at pH 7.4 (AstraZeneca)",
        unit="log10 (unitless)",
        file="lipophilicity.csv",
        kind="molecule",
        source="AstraZeneca ChEMBL deposit via leojklarner/GNN@d4c0344:lipophilicity.csv",
        license="CC BY-SA 3.0 (ChEMBL data license; ShareAlike applies to derived data, this model and card included)",
        citation="AstraZeneca (2016), ChEMBL deposited dataset, doi:10.6019/CHEMBL3301361; "
        "MoleculeNet (Wu et al. 2018)",
        aliases=("lipo", "logd"),
        published=(
            ("MoleculeNet GraphConv (Wu et al. 2018)", 0.655),
            ("Chemprop D-MPNN (Yang et al. 2019)", 0.56),
        ),
    ),
    "tg": PropertySpec(
        name="tg",
        label="Polymer glass transition temperature Tg (Bicerano)",
        unit="K",
        file="polymer_tg.csv",
        kind="polymer",
        source="OpenBioML/chemnlp@1614177:data/tabular/bicerano_dataset/HT_MD_polymer_properties.csv",
        license="CC BY 4.0 (per the dataset's meta.yaml in chemnlp; not confirmed with the publisher)",
        citation="Afzal et al. ACS Appl. Polym. Mater. 2021, 3, 620-630, doi:10.1021/acsapm.0c00524; "
        "Bicerano, Prediction of Polymer Properties, 3rd ed., 2002",
        aliases=("glass_transition", "polymer_tg"),
        reference_points=(("MD (OPLS3e) Tg, all rows (not held out)", 98.0),),
    ),
}


def resolve(name: str) -> PropertySpec:
    """Find a property by name or alias, case-insensitively (`logS` -> esol, `Tg` -> tg)."""
    from tools.properties.errors import UnknownProperty

    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    for spec in SPECS.values():
        if key == spec.name or key in spec.aliases:
            return spec
    raise UnknownProperty(f"Unknown property {name!r}; choose from {', '.join(SPECS)} (or logS, logD, Tg).")


def load(name: str) -> pd.DataFrame:
    """The training table for a property: columns `smiles`, `value` (in the property's unit), `name`.

    Poly(vinyl acetal) is dropped from the Tg set: it has the same repeat unit as poly(vinyl acetate)
    with a different Tg, and its structure is wrong in the source (see the data README).
    """
    spec = resolve(name)
    df = pd.read_csv(spec.path)
    if "name" not in df.columns:
        df["name"] = df.get("chembl_id", df.get("id", pd.Series(range(len(df))).astype(str)))
    if spec.name == "tg":
        df = df[df["name"] != "Poly(vinyl acetal)"]
    return df[["name", "smiles", "value"]].reset_index(drop=True)
