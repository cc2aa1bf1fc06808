"""One table of the quantities chemassist reports: the label a chemist reads, the unit and how many digits.

Every renderer (chat answers, cards, exports, the CLI) takes labels and units from here, so "TPSA" is
"TPSA, Å²" everywhere and never ``tpsa`` or "Angstrom^2".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Quantity:
    key: str
    label: str
    unit: str = ""
    digits: int | None = None  # None: counts and text, written as they are

    def format(self, value: Any) -> str:
        """'63.6 Å²', '180.16 g/mol', '3' (counts) or 'n/a'."""
        if value is None:
            return "n/a"
        if isinstance(value, float) and self.digits is not None:
            text = f"{value:.{self.digits}f}".rstrip("0").rstrip(".") if self.digits else f"{value:.0f}"
        else:
            text = str(value)
        return f"{text} {self.unit}".strip()


DESCRIPTORS: dict[str, Quantity] = {
    q.key: q
    for q in (
        Quantity("formula", "molecular formula"),
        Quantity("mol_weight", "molecular weight", "g/mol", 3),
        Quantity("exact_mass", "exact (monoisotopic) mass", "Da", 4),
        Quantity("logp", "Crippen logP", "", 3),
        Quantity("tpsa", "TPSA", "Å²", 2),
        Quantity("hbd", "H-bond donors"),
        Quantity("hba", "H-bond acceptors"),
        Quantity("rotatable_bonds", "rotatable bonds"),
        Quantity("ring_count", "rings"),
        Quantity("aromatic_rings", "aromatic rings"),
        Quantity("heavy_atoms", "heavy atoms"),
        Quantity("fsp3", "Fsp3", "", 3),
        Quantity("molar_refractivity", "molar refractivity", "cm³/mol", 3),
        Quantity("formal_charge", "formal charge", "e"),
        Quantity("qed", "QED drug-likeness", "", 3),
        Quantity("sa_score", "SA score (1 easy - 10 hard)", "", 2),
        Quantity("canonical_smiles", "canonical SMILES"),
        Quantity("inchi", "InChI"),
        Quantity("inchikey", "InChIKey"),
        Quantity("lipinski_violations", "Lipinski violations"),
    )
}
UNITS: dict[str, str] = {key: q.unit for key, q in DESCRIPTORS.items() if q.unit}


def label(key: str) -> str:
    return DESCRIPTORS[key].label if key in DESCRIPTORS else key.replace("_", " ")


def celsius(kelvin: float) -> float:
    return kelvin - 273.15
