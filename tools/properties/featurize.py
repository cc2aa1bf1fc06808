"""Turn SMILES (molecules, or polymer repeat units with `*`) into features: Morgan counts + RDKit descriptors.

Polymer repeat units carry two `[*]` attachment points. Three treatments are implemented and were measured
on the Tg set (see models/model_selection.json): `cap_h` (replace each `*` by H), `dummy` (keep `*` as an
atom of its own) and `trimer` (join three repeat units head to tail, then cap the ends with H, so that the
fingerprint sees the bonds across the repeat-unit boundary). The chosen one is recorded in each model's card.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rdkit import Chem, RDLogger
from rdkit.Chem import Descriptors, rdFingerprintGenerator

from tools.properties.errors import InvalidSmiles, NotApplicable

RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]

FP_SIZE = 2048
FP_RADIUS = 2
POLYMER_MODES = ("cap_h", "dummy", "trimer")
_SKIP = {"qed"}  # slow (~20% of descriptor time), and a blend of descriptors already present
DESCRIPTOR_NAMES: tuple[str, ...] = tuple(name for name, _ in Descriptors._descList if name not in _SKIP)
_DESCRIPTOR_FUNCS = tuple(func for name, func in Descriptors._descList if name not in _SKIP)
_GENERATOR = rdFingerprintGenerator.GetMorganGenerator(radius=FP_RADIUS, fpSize=FP_SIZE)


@dataclass(frozen=True)
class FeatureSet:
    """Features for a batch: `X` rows for the model, `bits` (packed Morgan bits) for the domain check."""

    X: np.ndarray  # float32, (n, FP_SIZE + n_descriptors)
    bits: np.ndarray  # uint8, (n, FP_SIZE // 8), np.packbits of the Morgan bit vector


def parse(smiles: str) -> Chem.Mol:
    """Parse a SMILES with RDKit; raise InvalidSmiles with the reason in words if it fails."""
    text = (smiles or "").strip()
    if not text:
        raise InvalidSmiles("Empty SMILES.")
    mol = Chem.MolFromSmiles(text)
    if mol is None or mol.GetNumAtoms() == 0:
        raise InvalidSmiles(
            f"Invalid SMILES {text!r}: RDKit could not parse it (check brackets, ring closures, valence)."
        )
    return mol


def count_attachment_points(mol: Chem.Mol) -> int:
    return sum(1 for atom in mol.GetAtoms() if atom.GetAtomicNum() == 0)


def is_polymer(smiles: str) -> bool:
    """True for a repeat unit written with `*` attachment points."""
    return count_attachment_points(parse(smiles)) > 0


def _cap_with_h(mol: Chem.Mol) -> Chem.Mol:
    rw = Chem.RWMol(mol)
    for atom in rw.GetAtoms():
        if atom.GetAtomicNum() == 0:
            atom.SetAtomicNum(1)
            atom.SetIsotope(0)
            atom.SetNoImplicit(True)
    out = rw.GetMol()
    Chem.SanitizeMol(out)
    return Chem.RemoveHs(out)


def _oligomer(mol: Chem.Mol, n: int) -> Chem.Mol:
    """Join n copies of a two-`*` repeat unit head to tail (star i of copy k bonds to star j of copy k+1)."""
    stars = [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() == 0]
    if len(stars) != 2:
        raise NotApplicable(f"A polymer repeat unit needs exactly two [*] attachment points, found {len(stars)}.")
    head, tail = stars
    n_atoms = mol.GetNumAtoms()
    combo = mol
    for _ in range(n - 1):
        combo = Chem.CombineMols(combo, mol)
    rw = Chem.RWMol(combo)
    to_remove = []
    for k in range(n - 1):
        tail_star = k * n_atoms + tail
        head_star = (k + 1) * n_atoms + head
        left = rw.GetAtomWithIdx(tail_star).GetNeighbors()[0].GetIdx()
        right = rw.GetAtomWithIdx(head_star).GetNeighbors()[0].GetIdx()
        bond_type = rw.GetBondBetweenAtoms(tail_star, left).GetBondType()
        rw.AddBond(left, right, bond_type)
        to_remove += [tail_star, head_star]
    for idx in sorted(to_remove, reverse=True):
        rw.RemoveAtom(idx)
    out = rw.GetMol()
    Chem.SanitizeMol(out)
    return _cap_with_h(out)


def prepare(smiles: str, polymer_mode: str = "cap_h") -> Chem.Mol:
    """The molecule the model sees: as parsed for molecules; treated per `polymer_mode` for repeat units."""
    mol = parse(smiles)
    if count_attachment_points(mol) == 0:
        return mol
    if polymer_mode == "dummy":
        return mol
    if polymer_mode == "cap_h":
        return _cap_with_h(mol)
    if polymer_mode == "trimer":
        return _oligomer(mol, 3)
    raise ValueError(f"polymer_mode must be one of {POLYMER_MODES}, not {polymer_mode!r}")


def descriptors(mol: Chem.Mol) -> np.ndarray:
    """RDKit's 2D descriptors (Descriptors._descList order) as float32; failures and infinities become NaN.

    `Ipc` spans hundreds of orders of magnitude, so it is log10-scaled.
    """
    values = np.full(len(_DESCRIPTOR_FUNCS), np.nan, dtype=np.float64)
    for i, func in enumerate(_DESCRIPTOR_FUNCS):
        try:
            values[i] = float(func(mol))
        except Exception:  # noqa: BLE001 - a descriptor that fails on an odd molecule is just missing
            continue
    ipc = DESCRIPTOR_NAMES.index("Ipc")
    if np.isfinite(values[ipc]):
        values[ipc] = math.log10(values[ipc] + 1.0)
    values[~np.isfinite(values)] = np.nan
    values = np.clip(values, -1e30, 1e30)
    return values.astype(np.float32)


def morgan_counts(mol: Chem.Mol) -> np.ndarray:
    return np.minimum(_GENERATOR.GetCountFingerprintAsNumPy(mol), 255).astype(np.float32)


def morgan_bits(mol: Chem.Mol) -> np.ndarray:
    """Packed Morgan bit vector (radius 2, 2048 bits) used for Tanimoto similarity."""
    return np.packbits(_GENERATOR.GetFingerprintAsNumPy(mol).astype(bool))


def featurize_mols(mols: Iterable[Chem.Mol]) -> FeatureSet:
    mols = list(mols)
    n_feat = FP_SIZE + len(DESCRIPTOR_NAMES)
    X = np.empty((len(mols), n_feat), dtype=np.float32)
    bits = np.empty((len(mols), FP_SIZE // 8), dtype=np.uint8)
    for i, mol in enumerate(mols):
        X[i, :FP_SIZE] = morgan_counts(mol)
        X[i, FP_SIZE:] = descriptors(mol)
        bits[i] = morgan_bits(mol)
    return FeatureSet(X=X, bits=bits)


def featurize(smiles: Iterable[str], polymer_mode: str = "cap_h") -> FeatureSet:
    """Features for valid SMILES (raises InvalidSmiles on the first bad one; `predict` checks items first)."""
    return featurize_mols(prepare(s, polymer_mode) for s in smiles)


def feature_names() -> list[str]:
    return [f"morgan_{i}" for i in range(FP_SIZE)] + list(DESCRIPTOR_NAMES)
