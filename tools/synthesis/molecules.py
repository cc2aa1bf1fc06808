"""Small RDKit helpers shared by the planner: parsing, canonical SMILES, InChIKeys and fingerprints."""

from __future__ import annotations

from functools import lru_cache

from rdkit import Chem, DataStructs, RDLogger
from rdkit.Chem import rdFingerprintGenerator

from tools.synthesis.errors import InvalidSmiles

RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]

FP_BITS = 2048
_morgan = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=FP_BITS)


def parse(smiles: str) -> Chem.Mol:
    """The molecule for ``smiles``; raises InvalidSmiles for empty or unreadable input."""
    mol = Chem.MolFromSmiles(smiles.strip()) if smiles and smiles.strip() else None
    if mol is None or mol.GetNumAtoms() == 0:
        raise InvalidSmiles(smiles)
    return mol


@lru_cache(maxsize=200_000)
def canonical(smiles: str) -> str | None:
    """RDKit canonical SMILES (fragments in canonical order), or None if unreadable."""
    mol = Chem.MolFromSmiles(smiles)
    return Chem.MolToSmiles(mol) if mol is not None else None


def canonical_or_raise(smiles: str) -> str:
    """Canonical SMILES of a user's input; raises InvalidSmiles."""
    return Chem.MolToSmiles(parse(smiles))


@lru_cache(maxsize=200_000)
def inchikey(smiles: str) -> str | None:
    """Standard InChIKey of a SMILES string, or None if RDKit cannot make one."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    key = Chem.MolToInchiKey(mol)
    return key or None


def fingerprint(smiles_or_mol: str | Chem.Mol) -> DataStructs.ExplicitBitVect:
    """Morgan fingerprint, radius 2, 2048 bits (the RetroSim setting)."""
    mol = Chem.MolFromSmiles(smiles_or_mol) if isinstance(smiles_or_mol, str) else smiles_or_mol
    return _morgan.GetFingerprint(mol)
