"""Chemical name -> structure, offline: a synonym table first, then OPSIN for systematic (IUPAC) names.

Lookup order (first hit wins), all case- and whitespace-insensitive:
1. ``data/name_to_smiles.csv``: 1765 names from FreeSolv and ESOL (see data/PROVENANCE.md);
2. ``data/common_names.csv``: a short curated list of common/trivial names (each structure checked against
   OPSIN's structure for the systematic name in the same row, see the tests);
3. ``data/safety_list.csv`` names, so that a question about a listed agent is recognised and screened;
4. OPSIN 2.9 via ``py2opsin`` (bundles the jar, runs on the local Java 17; about 1-2 s per call).
"""

from __future__ import annotations

import csv
import re
import tempfile
import warnings
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path

from tools.chem.errors import UnknownName

DATA_DIR = Path(__file__).parent / "data"
MAX_NAME_LENGTH = 500


@dataclass(frozen=True)
class NameMatch:
    """A resolved name: the SMILES found and where it came from."""

    name: str
    smiles: str
    source: str


def normalize_name(name: str) -> str:
    """Case-fold and collapse whitespace, so 'Acetylsalicylic  Acid' matches 'acetylsalicylic acid'."""
    return re.sub(r"\s+", " ", name.strip()).casefold()


@cache
def synonym_table() -> dict[str, NameMatch]:
    """All offline names -> structures, keyed by normalized name (earlier sources win on clashes)."""
    table: dict[str, NameMatch] = {}

    def add(name: str, smiles: str, source: str) -> None:
        table.setdefault(normalize_name(name), NameMatch(name=name, smiles=smiles, source=source))

    with open(DATA_DIR / "name_to_smiles.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            origin = "FreeSolv v0.52" if row["source"] == "freesolv" else "ESOL (Delaney 2004)"
            add(row["name"], row["smiles"], f"synonym table ({origin})")
    with open(DATA_DIR / "common_names.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            add(row["name"], row["smiles"], "synonym table (chemassist curated common names)")
    with open(DATA_DIR / "safety_list.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for alias in [row["name"], *filter(None, row["aliases"].split("|"))]:
                add(alias, row["smiles"], "safety list (tools/chem/data/safety_list.csv)")
    return table


def _opsin_version() -> str:
    try:
        return f"OPSIN 2.9.0 via py2opsin {metadata.version('py2opsin')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - py2opsin is a dependency
        return "OPSIN"


@lru_cache(maxsize=4096)
def _opsin(name: str) -> str:
    from py2opsin import py2opsin

    # py2opsin passes the name through a file, by default one fixed file in the working directory, so two
    # lookups at once (two users, two threads) could read each other's answer: each call gets its own file.
    with tempfile.TemporaryDirectory(prefix="opsin-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # OPSIN's "unparsable" warning becomes our UnknownName
        try:
            return py2opsin(name, tmp_fpath=str(Path(tmp) / "input.txt")) or ""
        except (OSError, RuntimeError):  # Java missing or the jar failed: same as "not found"
            return ""


def resolve_name(name: str, *, use_opsin: bool = True) -> NameMatch:
    """Find the structure for a chemical name.

    Raises UnknownName when neither the offline synonym table nor OPSIN (systematic IUPAC names) knows it.
    """
    key = normalize_name(name)
    if not key:
        raise UnknownName("Empty name: give a chemical name, SMILES, InChI or mol block.")
    if len(key) > MAX_NAME_LENGTH:
        raise UnknownName(f"Name is {len(key)} characters long; names over {MAX_NAME_LENGTH} are not looked up.")
    hit = synonym_table().get(key)
    if hit is not None:
        return hit
    if use_opsin:
        smiles = _opsin(name.strip())
        if smiles:
            return NameMatch(name=name.strip(), smiles=smiles, source=_opsin_version())
    raise UnknownName(
        f"Unknown name {name.strip()!r}: not in the offline synonym table"
        + (" and OPSIN could not parse it as a systematic (IUPAC) name" if use_opsin else "")
        + ". Check the spelling, use the IUPAC name, or give a SMILES."
    )
