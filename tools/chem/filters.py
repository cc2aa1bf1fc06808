"""Rule-of-thumb filters (Lipinski, Veber, Ghose, lead-likeness): which rules a molecule fails.

HBD/HBA for Lipinski use Lipinski's own definitions (N-H + O-H count; N + O count, RDKit
CalcNumLipinskiHBD/HBA), which differ from the HBD/HBA descriptors in tools.chem.descriptors.
Repeat units with ``*`` are judged on the H-capped unit (tools.chem.polymer), which is rarely meaningful.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rdkit import Chem
from rdkit.Chem import Descriptors, rdMolDescriptors

from tools.chem.polymer import cap, is_polymer
from tools.chem.provenance import PROVENANCE


@dataclass(frozen=True)
class RuleResult:
    """One filter: passed (Lipinski allows one violation), the failed rules in words, and the reference."""

    name: str
    passed: bool
    violations: int
    failed: list[str] = field(default_factory=list)
    reference: str = ""
    provenance: str = PROVENANCE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _mw(mol: Chem.Mol) -> float:
    return float(Descriptors.MolWt(mol))  # type: ignore[attr-defined]  # generated at import by RDKit


def _rules(name: str, checks: list[tuple[bool, str]], reference: str, allowed: int = 0) -> RuleResult:
    failed = [text for ok, text in checks if not ok]
    return RuleResult(name, len(failed) <= allowed, len(failed), failed, reference)


def lipinski(mol: Chem.Mol) -> RuleResult:
    """Lipinski rule of five: MW <= 500 g/mol, logP <= 5, HBD (NH+OH) <= 5, HBA (N+O) <= 10; 1 miss ok."""
    mw, logp = _mw(mol), rdMolDescriptors.CalcCrippenDescriptors(mol)[0]
    hbd, hba = rdMolDescriptors.CalcNumLipinskiHBD(mol), rdMolDescriptors.CalcNumLipinskiHBA(mol)
    return _rules(
        "lipinski",
        [
            (mw <= 500, f"MW {mw:.1f} > 500 g/mol"),
            (logp <= 5, f"logP {logp:.2f} > 5"),
            (hbd <= 5, f"H-bond donors {hbd} > 5"),
            (hba <= 10, f"H-bond acceptors {hba} > 10"),
        ],
        "Lipinski et al., Adv. Drug Deliv. Rev. 1997, 23, 3",
        allowed=1,
    )


def veber(mol: Chem.Mol) -> RuleResult:
    """Veber oral bioavailability: rotatable bonds <= 10 and TPSA <= 140 A^2."""
    rot, tpsa = rdMolDescriptors.CalcNumRotatableBonds(mol), rdMolDescriptors.CalcTPSA(mol)
    return _rules(
        "veber",
        [(rot <= 10, f"rotatable bonds {rot} > 10"), (tpsa <= 140, f"TPSA {tpsa:.1f} > 140 A^2")],
        "Veber et al., J. Med. Chem. 2002, 45, 2615",
    )


def ghose(mol: Chem.Mol) -> RuleResult:
    """Ghose: MW 160-480 g/mol, logP -0.4 to 5.6, MR 40-130 cm^3/mol, 20-70 atoms (hydrogens included)."""
    mw = _mw(mol)
    logp, mr = rdMolDescriptors.CalcCrippenDescriptors(mol)
    atoms = Chem.AddHs(mol).GetNumAtoms()
    return _rules(
        "ghose",
        [
            (160 <= mw <= 480, f"MW {mw:.1f} outside 160-480 g/mol"),
            (-0.4 <= logp <= 5.6, f"logP {logp:.2f} outside -0.4 to 5.6"),
            (40 <= mr <= 130, f"molar refractivity {mr:.1f} outside 40-130"),
            (20 <= atoms <= 70, f"atom count {atoms} outside 20-70"),
        ],
        "Ghose et al., J. Comb. Chem. 1999, 1, 55",
    )


def lead_like(mol: Chem.Mol) -> RuleResult:
    """Lead-likeness: MW 250-350 g/mol, logP <= 3.5, rotatable bonds <= 7."""
    mw, logp = _mw(mol), rdMolDescriptors.CalcCrippenDescriptors(mol)[0]
    rot = rdMolDescriptors.CalcNumRotatableBonds(mol)
    return _rules(
        "lead_like",
        [
            (250 <= mw <= 350, f"MW {mw:.1f} outside 250-350 g/mol"),
            (logp <= 3.5, f"logP {logp:.2f} > 3.5"),
            (rot <= 7, f"rotatable bonds {rot} > 7"),
        ],
        "Teague et al., Angew. Chem. Int. Ed. 1999, 38, 3743; Oprea, J. Comput. Aided Mol. Des. 2000, 14, 251",
    )


def rule_filters(mol: Chem.Mol) -> dict[str, RuleResult]:
    """All four filters, keyed 'lipinski', 'veber', 'ghose', 'lead_like'."""
    if is_polymer(mol):
        mol = cap(mol, "H")[0]
    return {r.name: r for r in (lipinski(mol), veber(mol), ghose(mol), lead_like(mol))}
