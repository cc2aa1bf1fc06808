"""Physicochemical and drug-likeness descriptors, each with its unit, computed by RDKit.

The synthetic accessibility score uses RDKit's own Contrib implementation
(``rdkit/Contrib/SA_Score/sascorer.py``, with its fragment-score file ``fpscores.pkl.gz``, shipped in the
rdkit wheel and located via ``RDConfig.RDContribDir``):
Ertl & Schuffenhauer, J. Cheminform. 2009, 1, 8, doi:10.1186/1758-2946-1-8.

Repeat units with ``*``: see tools.chem.polymer (mass, heavy atoms: the unit; the rest: H-capped).
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from rdkit import Chem, RDConfig
from rdkit.Chem import QED, Descriptors, rdMolDescriptors

from tools.chem.errors import ChemError
from tools.chem.polymer import attachment_points, cap
from tools.chem.provenance import PROVENANCE


@dataclass(frozen=True)
class MolDescriptors:
    """Descriptors of one molecule (repeat units: see ``capped_smiles`` and tools.chem.polymer).

    mol_weight: average molecular weight, g/mol.  exact_mass: monoisotopic mass, Da.
    logp: Wildman-Crippen logP (octanol/water, log10, unitless).
    molar_refractivity: Crippen MR, cm^3/mol.
    tpsa: topological polar surface area (Ertl; N and O only), Angstrom^2.
    hbd / hba: H-bond donors / acceptors (RDKit's CalcNumHBD / CalcNumHBA definitions), counts.
    rotatable_bonds: RDKit strict definition, count.  ring_count / aromatic_rings: SSSR rings, counts.
    heavy_atoms: non-hydrogen atoms (``*`` excluded), count.  fsp3: fraction of sp3 carbons, 0-1.
    formal_charge: net formal charge, elementary charges.  qed: quantitative estimate of drug-likeness
    (Bickerton 2012), 0 (unfavourable) to 1 (favourable).  sa_score: synthetic accessibility (Ertl 2009),
    1 (easy) to 10 (hard).  attachment_points: number of ``*`` (0 for ordinary molecules).
    """

    mol_weight: float
    exact_mass: float
    logp: float
    molar_refractivity: float
    tpsa: float
    hbd: int
    hba: int
    rotatable_bonds: int
    ring_count: int
    aromatic_rings: int
    heavy_atoms: int
    fsp3: float
    formal_charge: int
    qed: float
    sa_score: float
    attachment_points: int = 0
    capped_smiles: str | None = None
    provenance: str = PROVENANCE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _sascorer() -> ModuleType:
    path = Path(RDConfig.RDContribDir) / "SA_Score" / "sascorer.py"
    if not path.exists():
        raise ChemError(f"RDKit Contrib SA_Score not found at {path}; install an rdkit wheel that ships Contrib.")
    spec = importlib.util.spec_from_file_location("rdkit_contrib_sascorer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.readFragmentScores()  # load the fragment scores once per process, not on the first call
    return module


def sa_score(mol: Chem.Mol) -> float:
    """Synthetic accessibility score (Ertl & Schuffenhauer 2009): 1 = easy to make, 10 = very hard."""
    return float(_sascorer().calculateScore(mol))


def qed(mol: Chem.Mol) -> float:
    """Quantitative estimate of drug-likeness (Bickerton et al., Nat. Chem. 2012), 0-1."""
    return float(QED.qed(mol))


def descriptors(mol: Chem.Mol) -> MolDescriptors:
    """All descriptors of ``mol`` (units: see MolDescriptors; ``*`` units: tools.chem.polymer)."""
    n_star = len(attachment_points(mol))
    calc = cap(mol, "H")[0] if n_star else mol
    logp, mr = rdMolDescriptors.CalcCrippenDescriptors(calc)
    return MolDescriptors(
        mol_weight=Descriptors.MolWt(mol),  # type: ignore[attr-defined]
        exact_mass=rdMolDescriptors.CalcExactMolWt(mol),
        logp=logp,
        molar_refractivity=mr,
        tpsa=rdMolDescriptors.CalcTPSA(calc),
        hbd=rdMolDescriptors.CalcNumHBD(calc),
        hba=rdMolDescriptors.CalcNumHBA(calc),
        rotatable_bonds=rdMolDescriptors.CalcNumRotatableBonds(calc),
        ring_count=rdMolDescriptors.CalcNumRings(calc),
        aromatic_rings=rdMolDescriptors.CalcNumAromaticRings(calc),
        heavy_atoms=mol.GetNumHeavyAtoms(),  # RDKit does not count * as heavy
        fsp3=rdMolDescriptors.CalcFractionCSP3(calc),
        formal_charge=Chem.GetFormalCharge(mol),
        qed=qed(calc),
        sa_score=sa_score(calc),
        attachment_points=n_star,
        capped_smiles=Chem.MolToSmiles(calc) if n_star else None,
    )
