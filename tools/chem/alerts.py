"""Structural alerts from RDKit's FilterCatalog: PAINS A/B/C, Brenk and NIH, with the matched atoms."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from rdkit import Chem
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

from tools.chem.polymer import cap, is_polymer
from tools.chem.provenance import PROVENANCE

CATALOGS: tuple[str, ...] = ("PAINS_A", "PAINS_B", "PAINS_C", "BRENK", "NIH")
REFERENCES = {
    "PAINS_A": "Baell & Holloway, J. Med. Chem. 2010, 53, 2719",
    "PAINS_B": "Baell & Holloway, J. Med. Chem. 2010, 53, 2719",
    "PAINS_C": "Baell & Holloway, J. Med. Chem. 2010, 53, 2719",
    "BRENK": "Brenk et al., ChemMedChem 2008, 3, 435",
    "NIH": "Jadhav et al., J. Med. Chem. 2010, 53, 37; Doveston et al., BMCL 2015, 25, 4902",
}


@dataclass(frozen=True)
class Alert:
    """One alert: catalog (e.g. 'PAINS_A'), alert name, and the matched atom indices of the input molecule."""

    catalog: str
    name: str
    atoms: list[int]
    reference: str
    provenance: str = PROVENANCE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _catalog(name: str) -> FilterCatalog:
    params = FilterCatalogParams()
    params.AddCatalog(getattr(FilterCatalogParams.FilterCatalogs, name))
    return FilterCatalog(params)


def alerts(mol: Chem.Mol, catalogs: Iterable[str] = CATALOGS) -> list[Alert]:
    """Every alert that matches, with atom indices (of ``mol`` itself, also for ``*`` repeat units)."""
    back: dict[int, int] | None = None
    target = mol
    if is_polymer(mol):
        target, forward = cap(mol, "H")
        back = {new: old for old, new in forward.items()}
    found: list[Alert] = []
    for name in catalogs:
        catalog = _catalog(name.upper())
        for entry in catalog.GetMatches(target):
            atoms: set[int] = set()
            for match in entry.GetFilterMatches(target):
                atoms.update(idx for _, idx in match.atomPairs)
            if back is not None:
                atoms = {back[i] for i in atoms if i in back}
            found.append(Alert(name.upper(), entry.GetDescription(), sorted(atoms), REFERENCES.get(name.upper(), "")))
    return found
