"""3D conformer: ETKDG (v3) embedding then MMFF94 optimisation, returned as a mol block plus coordinates."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rdkit import Chem
from rdkit.Chem import rdDistGeom, rdForceFieldHelpers

from tools.chem.errors import ConformerFailed
from tools.chem.polymer import cap, is_polymer
from tools.chem.provenance import PROVENANCE

MAX_CONFORMER_ATOMS = 300
"""Largest molecule (heavy atoms) for which a 3D conformer is attempted."""


@dataclass(frozen=True)
class Conformer3D:
    """A 3D structure with explicit hydrogens.

    molblock: MDL mol block with 3D coordinates (Angstrom).  symbols / coordinates: per atom, in Angstrom.
    bonds: (begin, end, order) with order 1, 2, 3 or 1.5 (aromatic).  energy: force-field energy, kcal/mol
    (None if the force field had no parameters and the embedded geometry was kept).  force_field: 'MMFF94' or
    'UFF' or 'none'.  converged: whether the optimisation converged.
    """

    molblock: str
    symbols: list[str]
    coordinates: list[tuple[float, float, float]]
    bonds: list[tuple[int, int, float]]
    energy: float | None
    force_field: str
    converged: bool
    provenance: str = PROVENANCE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def conformer_3d(mol: Chem.Mol, *, seed: int = 42, max_iters: int = 2000) -> Conformer3D:
    """Embed one 3D conformer with ETKDGv3 (fixed ``seed`` = reproducible) and optimise it with MMFF94.

    Falls back to UFF when MMFF94 lacks parameters. Repeat units with ``*`` are H-capped first.
    Raises ConformerFailed when embedding fails (e.g. very strained or huge molecules).
    """
    if is_polymer(mol):
        mol = cap(mol, "H")[0]
    if mol.GetNumHeavyAtoms() > MAX_CONFORMER_ATOMS:
        raise ConformerFailed(
            f"{mol.GetNumHeavyAtoms()} heavy atoms: 3D conformers are limited to {MAX_CONFORMER_ATOMS}."
        )
    molh = Chem.AddHs(mol)
    params = rdDistGeom.ETKDGv3()
    params.randomSeed = seed  # type: ignore[assignment]  # RDKit stubs are wrong
    if rdDistGeom.EmbedMolecule(molh, params) != 0:
        params.useRandomCoords = True  # type: ignore[assignment]
        if rdDistGeom.EmbedMolecule(molh, params) != 0:
            raise ConformerFailed("ETKDG could not embed a 3D conformer for this structure.")
    energy: float | None = None
    field, converged = "none", False
    if rdForceFieldHelpers.MMFFHasAllMoleculeParams(molh):
        props = rdForceFieldHelpers.MMFFGetMoleculeProperties(molh)
        ff = rdForceFieldHelpers.MMFFGetMoleculeForceField(molh, props)
        converged, field = ff.Minimize(maxIts=max_iters) == 0, "MMFF94"
        energy = ff.CalcEnergy()
    elif rdForceFieldHelpers.UFFHasAllMoleculeParams(molh):
        ff = rdForceFieldHelpers.UFFGetMoleculeForceField(molh)
        converged, field = ff.Minimize(maxIts=max_iters) == 0, "UFF"
        energy = ff.CalcEnergy()
    pos = molh.GetConformer().GetPositions()
    return Conformer3D(
        molblock=Chem.MolToMolBlock(molh),
        symbols=[a.GetSymbol() for a in molh.GetAtoms()],
        coordinates=[(float(x), float(y), float(z)) for x, y, z in pos],
        bonds=[(b.GetBeginAtomIdx(), b.GetEndAtomIdx(), float(b.GetBondTypeAsDouble())) for b in molh.GetBonds()],
        energy=energy,
        force_field=field,
        converged=converged,
    )
