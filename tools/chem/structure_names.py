"""Structure -> name, offline: the reverse of ``tools.chem.names``, over the same shipped name tables.

A drawn structure is matched by standard InChIKey against (first hit wins):
1. ``data/name_table.csv`` (DrugCentral drugs; curated reagents, solvents, catalysts), the entry's main name;
2. ``data/common_names.csv`` (curated common names), with the systematic (IUPAC) name in the same row, which
   the table's build checked against OPSIN's structure for that name;
3. ``data/name_to_smiles.csv`` (FreeSolv and ESOL names, mostly systematic).
When only the connectivity matches (the first InChIKey block: stereo drawn differently or not at all), the
name comes back with ``stereo_match=False`` so that the caller says so. No table names it: None; OPSIN reads
names only, it cannot name a structure.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from rdkit import Chem, rdBase

from tools.chem.names import DATA_DIR, NAME_TABLE


@dataclass(frozen=True, slots=True)
class StructureName:
    """A name for a structure: ``name`` as the table writes it, ``systematic`` the IUPAC name where the
    common-names table has one (else ""), ``source`` the table, ``stereo_match`` False when only the
    connectivity matched (the named compound has other or unspecified stereocentres), ``also`` the common
    name when a second table names the same structure differently (acetylsalicylic acid, also aspirin)."""

    name: str
    systematic: str
    source: str
    stereo_match: bool = True
    also: str = ""


def _key(smiles: str) -> str:
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
        return Chem.MolToInchiKey(mol) if mol is not None else ""


@cache
def _index() -> tuple[dict[str, StructureName], dict[str, StructureName]]:
    """Full InChIKey -> name and connectivity block (first 14 characters) -> name, built once (about 1 s)."""
    entries: list[tuple[str, StructureName]] = []
    with open(DATA_DIR / "name_table.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            kind = f"{row['kind']}, " if row["kind"] else ""
            origin = row["source"] if row["source"].startswith("DrugCentral") else "curated by chemassist"
            source = f"{NAME_TABLE} ({kind}{origin})"
            entries.append((row["inchikey"] or _key(row["smiles"]), StructureName(row["name"], "", source)))
    with open(DATA_DIR / "common_names.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            source = "chemassist curated common names (IUPAC name checked with OPSIN)"
            entries.append((_key(row["smiles"]), StructureName(row["name"], row["systematic_name"], source)))
    with open(DATA_DIR / "name_to_smiles.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            origin = "FreeSolv v0.52" if row["source"] == "freesolv" else "ESOL (Delaney 2004)"
            entries.append((row["inchikey"] or _key(row["smiles"]), StructureName(row["name"], "", origin)))
    exact: dict[str, StructureName] = {}
    skeleton: dict[str, StructureName] = {}
    for key, entry in entries:
        if not key:
            continue
        first = exact.get(key)
        if first is None:
            exact[key] = entry
        elif not first.systematic and entry.systematic:  # a drug also in the common names: keep both names
            also = entry.name if entry.name.casefold() != first.name.casefold() else ""
            exact[key] = StructureName(first.name, entry.systematic, f"{first.source}; {entry.source}", also=also)
        # the systematic name spells out the named compound's stereo, which the drawing does not have
        skeleton.setdefault(key[:14], StructureName(entry.name, "", entry.source, stereo_match=False))
    return exact, skeleton


def name_of(mol: Chem.Mol) -> StructureName | None:
    """The name the shipped tables give this structure (see module docstring), or None when none does."""
    with rdBase.BlockLogs():
        key = Chem.MolToInchiKey(mol) if mol is not None and mol.GetNumAtoms() else ""
    if not key:
        return None
    exact, skeleton = _index()
    return exact.get(key) or skeleton.get(key[:14])
