"""Identifiers of a structure: canonical SMILES, InChI, InChIKey, formula and masses."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rdkit import Chem, rdBase
from rdkit.Chem import Descriptors, rdMolDescriptors

from tools.chem.polymer import is_polymer
from tools.chem.provenance import PROVENANCE


@dataclass(frozen=True)
class Identifiers:
    """Identity of one structure.

    canonical_smiles: RDKit canonical isomeric SMILES (``*`` kept for repeat units).
    inchi / inchikey: standard InChI 1S and its key; None for ``*`` repeat units (not in std InChI).
    formula: Hill formula (``C8H8*2`` for a polystyrene repeat unit).
    average_mass: average molecular mass from standard atomic weights, g/mol.
    exact_mass: monoisotopic mass (most abundant isotopes), Da.
    """

    canonical_smiles: str
    inchi: str | None
    inchikey: str | None
    formula: str
    average_mass: float
    exact_mass: float
    provenance: str = PROVENANCE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def inchi_and_key(mol: Chem.Mol) -> tuple[str | None, str | None]:
    """Standard InChI and InChIKey, or (None, None) when InChI cannot represent the structure."""
    if is_polymer(mol):
        return None, None
    with rdBase.BlockLogs():
        inchi = Chem.MolToInchi(mol)
    if not inchi:
        return None, None
    return inchi, Chem.InchiToInchiKey(inchi)


def identifiers(mol: Chem.Mol) -> Identifiers:
    """Canonical SMILES, InChI, InChIKey, formula, average and exact mass of ``mol``."""
    inchi, key = inchi_and_key(mol)
    return Identifiers(
        canonical_smiles=Chem.MolToSmiles(mol),
        inchi=inchi,
        inchikey=key,
        formula=rdMolDescriptors.CalcMolFormula(mol),
        average_mass=Descriptors.MolWt(mol),  # type: ignore[attr-defined]
        exact_mass=rdMolDescriptors.CalcExactMolWt(mol),
    )
