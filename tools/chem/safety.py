"""Safety screen: flags chemical-weapon agents and precursors, explosives and explosive precursors.

Two checks, both offline:
- by InChIKey against ``data/safety_list.csv`` (names, categories and sources are curated; the keys are
  computed by RDKit from the listed SMILES when first needed). A full-key match is ``matched_by="inchikey"``;
  a match of the first block only (same skeleton, other stereo/isotopes/protonation) is
  ``"inchikey_skeleton"``.
  The whole input and each fragment (salts, mixtures) are checked.
- by substructure against ``data/safety_motifs.csv`` (SMARTS with a minimum count, e.g. P(=O)F nerve-agent
  motif, three or more aromatic nitro groups), ``matched_by="substructure"`` with the matched atoms.

The screen only identifies; it holds no synthesis information. Callers (the agent, the synthesis planner)
decide what to refuse. A motif hit means "look closer", not "this is a weapon".
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rdkit import Chem, rdBase

from tools.chem.polymer import cap, is_polymer
from tools.chem.provenance import PROVENANCE

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class SafetyHit:
    """Why a structure was flagged: listed name or motif, category, the list's source, and how it matched."""

    name: str
    category: str
    source: str
    matched_by: str
    atoms: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SafetyResult:
    """flagged is True when any hit was found; hits lists each reason (listed substances first)."""

    flagged: bool
    hits: list[SafetyHit]
    provenance: str = f"safety lists in tools/chem/data (see PROVENANCE.md); {PROVENANCE}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Listed:
    name: str
    category: str
    source: str
    inchikey: str


@dataclass(frozen=True)
class _Motif:
    name: str
    query: Chem.Mol
    min_count: int
    category: str
    source: str


def _key(mol: Chem.Mol) -> str:
    with rdBase.BlockLogs():
        return Chem.MolToInchiKey(mol) or ""


@cache
def listed_substances() -> tuple[_Listed, ...]:
    """The curated list with InChIKeys computed by RDKit from its SMILES."""
    out = []
    with open(DATA_DIR / "safety_list.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            mol = Chem.MolFromSmiles(row["smiles"])
            out.append(_Listed(row["name"], row["category"], row["source"], _key(mol)))
    return tuple(out)


@cache
def motifs() -> tuple[_Motif, ...]:
    """The curated substructure motifs (SMARTS + minimum count)."""
    with open(DATA_DIR / "safety_motifs.csv", newline="", encoding="utf-8") as fh:
        return tuple(
            _Motif(r["name"], Chem.MolFromSmarts(r["smarts"]), int(r["min_count"]), r["category"], r["source"])
            for r in csv.DictReader(fh)
        )


def screen(mol: Chem.Mol) -> SafetyResult:
    """Screen one structure (whole and per fragment) against the listed substances and the hazard motifs."""
    target = cap(mol, "H")[0] if is_polymer(mol) else mol
    keys = {_key(target)}
    frags = Chem.GetMolFrags(target, asMols=True, sanitizeFrags=False)
    if len(frags) > 1:
        keys.update(_key(f) for f in frags)
    keys.discard("")
    skeletons = {k[:14] for k in keys}
    hits: list[SafetyHit] = []
    for item in listed_substances():
        if item.inchikey in keys:
            hits.append(SafetyHit(item.name, item.category, item.source, "inchikey"))
        elif item.inchikey[:14] in skeletons:
            hits.append(SafetyHit(item.name, item.category, item.source, "inchikey_skeleton"))
    for motif in motifs():
        matches = target.GetSubstructMatches(motif.query, maxMatches=1000)
        if len(matches) >= motif.min_count:
            atoms = sorted({i for m in matches for i in m})
            if target is not mol:  # report indices of the original repeat unit
                back = {new: old for old, new in cap(mol, "H")[1].items()}
                atoms = [back[i] for i in atoms if i in back]
            hits.append(SafetyHit(motif.name, motif.category, motif.source, "substructure", atoms))
    return SafetyResult(flagged=bool(hits), hits=hits)
