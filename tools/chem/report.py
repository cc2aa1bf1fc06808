"""Everything about one molecule in one call: identifiers, descriptors, filters, alerts, safety screen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdkit import Chem

from tools.chem.alerts import Alert, alerts
from tools.chem.convert import InputKind, parse_input
from tools.chem.descriptors import MolDescriptors, descriptors
from tools.chem.filters import RuleResult, rule_filters
from tools.chem.identifiers import Identifiers, identifiers
from tools.chem.provenance import PROVENANCE
from tools.chem.quantities import UNITS as QUANTITY_UNITS
from tools.chem.safety import SafetyResult, screen
from tools.chem.standardize import standardize


@dataclass(frozen=True)
class MoleculeReport:
    """Everything tools.chem computes for one structure; ``to_record()`` gives the flat JSON form."""

    input: str
    input_kind: str
    input_source: str
    standardized: bool
    identifiers: Identifiers
    descriptors: MolDescriptors
    filters: dict[str, RuleResult]
    alerts: list[Alert]
    safety: SafetyResult
    mol: Chem.Mol = field(repr=False, compare=False)
    provenance: str = PROVENANCE

    def to_record(self) -> dict[str, Any]:
        """Flat dict for JSON/CLI/UI (floats rounded for display; the dataclasses keep full precision)."""
        d, ident = self.descriptors, self.identifiers
        return {
            "input": self.input,
            "input_kind": self.input_kind,
            "input_source": self.input_source,
            "standardized": self.standardized,
            "canonical_smiles": ident.canonical_smiles,
            "inchi": ident.inchi,
            "inchikey": ident.inchikey,
            "formula": ident.formula,
            "mol_weight": round(d.mol_weight, 3),
            "exact_mass": round(d.exact_mass, 5),
            "logp": round(d.logp, 3),
            "molar_refractivity": round(d.molar_refractivity, 3),
            "tpsa": round(d.tpsa, 2),
            "hbd": d.hbd,
            "hba": d.hba,
            "rotatable_bonds": d.rotatable_bonds,
            "ring_count": d.ring_count,
            "aromatic_rings": d.aromatic_rings,
            "heavy_atoms": d.heavy_atoms,
            "fsp3": round(d.fsp3, 3),
            "formal_charge": d.formal_charge,
            "qed": round(d.qed, 3),
            "sa_score": round(d.sa_score, 2),
            "attachment_points": d.attachment_points,
            "capped_smiles": d.capped_smiles,
            "lipinski_violations": self.filters["lipinski"].violations,
            "filters": {
                name: {"passed": r.passed, "violations": r.violations, "failed": r.failed}
                for name, r in self.filters.items()
            },
            "alerts": [{"catalog": a.catalog, "name": a.name, "atoms": a.atoms} for a in self.alerts],
            "safety": {"flagged": self.safety.flagged, "hits": [h.to_dict() for h in self.safety.hits]},
            "units": UNITS,
            "provenance": (
                f"{PROVENANCE} (Crippen logP/MR, Ertl TPSA, QED, Contrib SA_Score, FilterCatalog); "
                f"structure from {self.input_source}"
            ),
        }


UNITS: dict[str, str] = {
    **QUANTITY_UNITS,
    "exact_mass": "Da (monoisotopic)",
    "logp": "log10 (Wildman-Crippen, unitless)",
    "molar_refractivity": "cm³/mol (Crippen)",
    "fsp3": "fraction 0-1",
    "qed": "0-1 (higher = more drug-like)",
    "sa_score": "1 (easy) - 10 (hard)",
}


def analyse_mol(
    mol: Chem.Mol,
    *,
    text: str = "",
    kind: str = "mol",
    source: str = "RDKit molecule",
    standardized: bool = False,
) -> MoleculeReport:
    """Report for an already parsed molecule."""
    return MoleculeReport(
        input=text or Chem.MolToSmiles(mol),
        input_kind=kind,
        input_source=source,
        standardized=standardized,
        identifiers=identifiers(mol),
        descriptors=descriptors(mol),
        filters=rule_filters(mol),
        alerts=alerts(mol),
        safety=screen(mol),
        mol=mol,
    )


def analyse(
    text: str, *, kind: InputKind = "auto", standardize_input: bool = False, canonical_tautomer: bool = False
) -> MoleculeReport:
    """Parse ``text`` (SMILES, InChI, mol block or name), optionally standardise it, and report on it.

    Raises a tools.chem.errors.ChemError subclass with a clear message for bad input.
    """
    parsed = parse_input(text, kind=kind)
    mol = parsed.mol
    if standardize_input or canonical_tautomer:
        mol = standardize(mol, canonical_tautomer=canonical_tautomer)
    return analyse_mol(
        mol,
        text=parsed.text.strip() if parsed.kind != "molblock" else "mol block",
        kind=parsed.kind,
        source=parsed.source,
        standardized=standardize_input or canonical_tautomer,
    )
