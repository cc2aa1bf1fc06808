"""One table of the quantities chemassist reports: the label a chemist reads, the unit and how many digits.

Every renderer (chat answers, cards, exports, the CLI) takes labels and units from here, so "TPSA" is
"TPSA, Å²" everywhere and never ``tpsa`` or "Angstrom^2".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Quantity:
    key: str
    label: str
    unit: str = ""
    digits: int | None = None  # None: counts and text, written as they are
    long: str = ""  # the label where a table has room ("Molecular weight (average)"); `label` otherwise

    @property
    def heading(self) -> str:
        return self.long or self.label[:1].upper() + self.label[1:]

    def number(self, value: Any) -> str:
        """The value without its unit, to this quantity's digits: '63.6', '180.16', '3' (counts) or 'n/a'."""
        if value is None:
            return "n/a"
        if isinstance(value, float) and self.digits is not None:
            return f"{value:.{self.digits}f}".rstrip("0").rstrip(".") if self.digits else f"{value:.0f}"
        return str(value)

    def format(self, value: Any) -> str:
        """'63.6 Å²', '180.16 g/mol', '3' (counts) or 'n/a'."""
        text = self.number(value)
        return text if value is None else f"{text} {self.unit}".strip()


DESCRIPTORS: dict[str, Quantity] = {
    q.key: q
    for q in (
        Quantity("formula", "molecular formula"),
        Quantity("mol_weight", "molecular weight", "g/mol", 3, "Molecular weight (average)"),
        Quantity("exact_mass", "exact (monoisotopic) mass", "Da", 4, "Exact mass (monoisotopic)"),
        Quantity("logp", "Crippen logP", "", 3, "logP (Crippen)"),
        Quantity("tpsa", "TPSA", "Å²", 2, "Topological polar surface area"),
        Quantity("hbd", "H-bond donors"),
        Quantity("hba", "H-bond acceptors"),
        Quantity("rotatable_bonds", "rotatable bonds"),
        Quantity("ring_count", "rings", long="Rings"),
        Quantity("aromatic_rings", "aromatic rings"),
        Quantity("heavy_atoms", "heavy atoms"),
        Quantity("fsp3", "Fsp3", "", 3, "Fraction sp3 carbons (Fsp3)"),
        Quantity("molar_refractivity", "molar refractivity", "cm³/mol", 3, "Molar refractivity (Crippen)"),
        Quantity("formal_charge", "formal charge", "e"),
        Quantity("qed", "QED drug-likeness", "", 3),
        Quantity("sa_score", "SA score (1 easy - 10 hard)", "", 2, "Synthetic accessibility (SA score)"),
        Quantity("canonical_smiles", "canonical SMILES"),
        Quantity("inchi", "InChI"),
        Quantity("inchikey", "InChIKey"),
        Quantity("lipinski_violations", "Lipinski violations"),
    )
}
UNITS: dict[str, str] = {key: q.unit for key, q in DESCRIPTORS.items() if q.unit}
# The numeric descriptors of a molecule report in the order the Molecules page lists them (and a workshop's
# molecule window may bound), and the shorter table a chat answer and an export show.
NUMERIC = (
    "mol_weight",
    "exact_mass",
    "logp",
    "molar_refractivity",
    "tpsa",
    "hbd",
    "hba",
    "rotatable_bonds",
    "ring_count",
    "aromatic_rings",
    "heavy_atoms",
    "fsp3",
    "formal_charge",
    "qed",
    "sa_score",
)
SUMMARY = (
    "mol_weight",
    "exact_mass",
    "logp",
    "tpsa",
    "hbd",
    "hba",
    "rotatable_bonds",
    "aromatic_rings",
    "fsp3",
    "qed",
    "sa_score",
    "lipinski_violations",
)


def label(key: str) -> str:
    return DESCRIPTORS[key].label if key in DESCRIPTORS else key.replace("_", " ")


KELVIN_OFFSET = 273.15


def celsius(kelvin: float) -> float:
    return kelvin - KELVIN_OFFSET


# -- predicted properties ---------------------------------------------------------------------------------------
# Where chemists differ on the unit, they pick it (Properties page); every table, card and structure legend then
# converts and rounds through `convert` and writes through `format_predicted`, so a screen row, its window and
# the grid under it show the same number.

TEMPERATURE_UNITS = ("°C", "K")
SOLUBILITY_UNITS = ("logS", "mg/mL")


@dataclass(frozen=True, slots=True)
class Units:
    """The units a chemist picked: temperatures in °C or K, solubility as logS or mg/mL."""

    temperature: str = "°C"
    solubility: str = "logS"

    def __post_init__(self) -> None:
        if self.temperature not in TEMPERATURE_UNITS:
            raise ValueError(f"temperature unit {self.temperature!r}: choose {' or '.join(TEMPERATURE_UNITS)}")
        if self.solubility not in SOLUBILITY_UNITS:
            raise ValueError(f"solubility unit {self.solubility!r}: choose {' or '.join(SOLUBILITY_UNITS)}")


PREDICTED: dict[str, Quantity] = {
    q.key: q
    for q in (
        Quantity("esol", "aqueous solubility logS", "log10(mol/L)", 2),
        Quantity("freesolv", "hydration free energy", "kcal/mol", 2),
        Quantity("lipophilicity", "logD (pH 7.4)", "", 2),
        Quantity("tg", "glass transition temperature Tg", "K", 1),
    )
}
SHORT_NAMES = {"esol": "logS", "freesolv": "ΔG hydration", "lipophilicity": "logD", "tg": "Tg"}


def mg_per_ml(log_s: float, mol_weight: float) -> float:
    """Solubility in mg/mL from logS (log10 mol/L) and the molecular weight (g/mol): 10^logS x MW.

    mol/L x g/mol = g/L = mg/mL. A molecular weight that is not positive has no solubility in mass terms.
    """
    if mol_weight <= 0:
        raise ValueError(f"molecular weight must be positive, got {mol_weight}")
    return 10**log_s * mol_weight


def unit_of(prop: str, units: Units = Units()) -> str:
    """The unit PROP is shown in: 'K' or '°C' for Tg, 'logS' (log10 mol/L) or 'mg/mL' for ESOL, else the model's."""
    if prop == "tg":
        return units.temperature
    if prop == "esol":
        return "mg/mL" if units.solubility == "mg/mL" else PREDICTED["esol"].unit
    return PREDICTED[prop].unit if prop in PREDICTED else ""


def _shown(prop: str, value: float, units: Units, mol_weight: float | None, extra: int) -> float:
    if prop == "tg":
        return round(celsius(value) if units.temperature == "°C" else value, 1 + extra)
    if prop == "esol" and units.solubility == "mg/mL":
        if mol_weight is None:
            raise ValueError("solubility in mg/mL needs the molecular weight")
        return float(f"{mg_per_ml(value, mol_weight):.{3 + extra}g}")
    digits = PREDICTED[prop].digits if prop in PREDICTED else None
    return round(value, (digits if digits is not None else 3) + extra)


def _back(prop: str, shown: float, units: Units, mol_weight: float | None) -> float:
    """A shown number back in the model's unit, to compare with window bounds."""
    if prop == "tg" and units.temperature == "°C":
        return shown + KELVIN_OFFSET
    if prop == "esol" and units.solubility == "mg/mL":
        return math.log10(shown / mol_weight) if shown > 0 and mol_weight else -math.inf
    return shown


def _side(value: float, bound: float) -> int:
    return (value > bound) - (value < bound)


def convert(
    prop: str,
    value: float,
    units: Units = Units(),
    mol_weight: float | None = None,
    bounds: Sequence[float | None] = (),
) -> float:
    """VALUE (in the model's unit) in the picked unit, rounded as it is shown: Tg to 0.1 K or °C, logS, logD
    and kcal/mol to 0.01, mg/mL to 3 significant figures. mg/mL needs MOL_WEIGHT (ValueError without it).

    BOUNDS are window limits in the model's unit: where rounding would put the shown number on a limit or
    across it (393.1 K shown as 120.0 °C against "Tg > 120 °C"), up to two more digits are kept (119.95 °C).
    """
    limits = [b for b in bounds if b is not None]
    for extra in range(3):
        shown = _shown(prop, value, units, mol_weight, extra)
        back = _back(prop, shown, units, mol_weight)
        if all(_side(back, b) == _side(value, b) for b in limits):
            break
    return shown


def digits_of(number: float) -> int:
    """Decimals a rounded number needs: 120.0 -> 1, 119.95 -> 2 (at least one)."""
    text = f"{number:.6f}".rstrip("0")
    return max(1, len(text.split(".")[1]))


def _number(prop: str, value: float, units: Units) -> str:
    if prop == "esol" and units.solubility == "mg/mL":
        return f"{value:.5g}"  # convert() already kept 3 significant figures, or more near a window limit
    digits = PREDICTED[prop].digits if prop in PREDICTED else 3
    return f"{value:.{max(digits or 0, digits_of(value))}f}"


def format_predicted(
    prop: str,
    value: float | None,
    units: Units = Units(),
    mol_weight: float | None = None,
    *,
    other: bool = True,
    ascii_only: bool = False,
    bounds: Sequence[float | None] = (),
) -> str:
    """A predicted value the way the chemist asked for it: '120.0 °C (393.2 K)', '-2.10 logS (1.51 mg/mL)'.

    OTHER adds the other unit in brackets (mg/mL only when MOL_WEIGHT is known). ASCII_ONLY writes 'deg C'
    for RDKit legends, whose font has no degree sign.
    """
    if value is None:
        return "n/a"
    shown = [(units, mol_weight)]
    if other:
        flipped = Units("K" if units.temperature == "°C" else "°C", "mg/mL" if units.solubility == "logS" else "logS")
        if prop == "tg" or (prop == "esol" and mol_weight is not None):
            shown.append((flipped, mol_weight))
    parts = []
    for u, mw in shown:
        unit = unit_of(prop, u)
        unit = "logS" if unit == PREDICTED["esol"].unit else unit
        parts.append(f"{_number(prop, convert(prop, value, u, mw, bounds), u)} {unit}".strip())
    text = parts[0] + (f" ({parts[1]})" if len(parts) > 1 else "")
    return text.replace("°C", "deg C") if ascii_only else text


def window_text(prop: str, low: float | None, high: float | None, units: Units = Units()) -> str:
    """A screening window (bounds in the model's unit) as the chemist reads it: 'Tg ≥ 120 °C'. Temperatures
    follow the picked unit; other windows stay in the model's unit (a logS window has no single mg/mL bound)."""
    name = SHORT_NAMES.get(prop, prop)
    unit = (
        units.temperature
        if prop == "tg"
        else ("" if prop == "esol" else PREDICTED.get(prop, Quantity(prop, prop)).unit)
    )

    def bound(v: float) -> str:
        shown = celsius(v) if prop == "tg" and units.temperature == "°C" else v
        return f"{round(shown, 2):g} {unit}".strip()

    parts = []
    if low is not None:
        parts.append(f"{name} ≥ {bound(low)}")
    if high is not None:
        parts.append(f"{name} ≤ {bound(high)}")
    return " and ".join(parts)
