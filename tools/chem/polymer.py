"""Polymer repeat units: SMILES with ``*`` attachment points (e.g. polystyrene ``*CC(*)c1ccccc1``).

How ``*`` is treated (documented once here, used by descriptors, alerts, fingerprints and 3D):
- Identity of the repeat unit keeps the ``*``: canonical SMILES ``*CC(*)c1ccccc1``, formula ``C8H8*2``.
  Mass (average and exact) is the mass of the repeat unit itself: ``*`` has no mass (polystyrene
  104.15 g/mol).
  InChI/InChIKey are None: standard InChI has no representation for open attachment points.
- Every other descriptor (logP, MR, TPSA, HBD/HBA, rotatable bonds, QED, SA score), the rule filters, alerts,
  safety motifs and 3D conformers are computed on the *capped* unit, because their atom-contribution
  tables have no parameters for dummy atoms. The default cap is hydrogen (``*CC(*)c1ccccc1`` ->
  ethylbenzene); ``cap="methyl"`` caps with CH3 instead (closer to the chain
  environment). A ``*`` on a double bond is capped with CH2.
"""

from __future__ import annotations

from typing import Literal

from rdkit import Chem

Cap = Literal["H", "methyl"]


def attachment_points(mol: Chem.Mol) -> list[int]:
    """Atom indices of the ``*`` (atomic number 0) attachment points, in atom order."""
    return [atom.GetIdx() for atom in mol.GetAtoms() if atom.GetAtomicNum() == 0]


def is_polymer(mol: Chem.Mol) -> bool:
    """True when the molecule has at least one ``*`` attachment point (a repeat unit or fragment)."""
    return any(atom.GetAtomicNum() == 0 for atom in mol.GetAtoms())


def cap(mol: Chem.Mol, cap: Cap = "H") -> tuple[Chem.Mol, dict[int, int]]:
    """Replace each ``*`` by a cap and return (capped molecule, map old atom index -> new atom index).

    With ``cap="H"`` the ``*`` atoms disappear (become implicit hydrogens), so atom indices after them shift;
    the map lets callers translate matches on the capped molecule back to the original drawing.
    With ``cap="methyl"`` indices are unchanged.
    """
    dummies = attachment_points(mol)
    if not dummies:
        return mol, {i: i for i in range(mol.GetNumAtoms())}
    rw = Chem.RWMol(mol)
    for atom in rw.GetAtoms():
        atom.SetIntProp("_chem_orig_idx", atom.GetIdx())
    for idx in dummies:
        atom = rw.GetAtomWithIdx(idx)
        single = all(b.GetBondType() == Chem.BondType.SINGLE for b in atom.GetBonds())
        atom.SetAtomicNum(1 if cap == "H" and single else 6)
        atom.SetIsotope(0)
        atom.SetNoImplicit(False)
        atom.SetFormalCharge(0)
    capped = rw.GetMol()
    Chem.SanitizeMol(capped)
    if cap == "H":
        capped = Chem.RemoveHs(capped, sanitize=True)
    mapping = {atom.GetIntProp("_chem_orig_idx"): atom.GetIdx() for atom in capped.GetAtoms()}
    for atom in capped.GetAtoms():
        atom.ClearProp("_chem_orig_idx")
    return capped, mapping
