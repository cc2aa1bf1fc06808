"""Build ``name_table.csv`` (drugs, reagents, solvents, catalysts -> structures) from its open sources, once.

Run by a maintainer when a source changes, never at run time; the CSV it writes is what ships.

    pip install chemicals==1.5.2 --no-deps      # PubChem-derived identifiers (MIT), for drug synonyms
    pip install wordfreq==3.1.1                 # English word frequencies: keeps "dust", "rise" out of synonyms
    python tools/chem/data/build_name_table.py \\
        --drugcentral structures.smiles.tsv --approvals drugcen/static/   # from unmtransinfo/DrugCentral-2023

Inputs (see PROVENANCE.md for versions, commits and licenses):
- DrugCentral 2023 ``structures.smiles.tsv``: one row per active ingredient with its INN, SMILES, InChIKey and
  CAS number (CC BY-SA 4.0); ``FDA_Approved.csv``, ``EMA_Approved.csv``, ``PMDA_Approved.csv`` say which agency
  approved it. A row whose SMILES does not give DrugCentral's own InChIKey under RDKit is left out.
- ``chemicals`` 1.5.2 (Caleb Bell, MIT): its PubChem identifier tables give common names, US names and brand
  names (synonyms) for the drugs whose full InChIKey (stereo included) matches.
- ``drug_synonyms_curated.csv`` (this folder): US, British and common names PubChem does not give here
  (aspirin, cholecalciferol, valacyclovir, heroin), curated by chemassist.
- ``reagents_curated.csv`` (this folder): reagents, solvents and catalysts with their abbreviations, curated by
  chemassist; each structure says how it is checked (``check`` column, verified by the unit tests).
- ``safety_list.csv``: its names and aliases are never taken as synonyms here (the safety list owns them).
- ``wordfreq``: a PubChem synonym that is an everyday English word (street and brand names such as "dust",
  "rise", "target") is left out, so that a sentence is not read as naming a drug; one of the two first PubChem
  names (usually the common name: "heroin", "aspirin") is kept unless the word is very common.

Written by hand because no library merges these sources; RDKit computes every InChIKey.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import re
import sys
from collections import defaultdict
from pathlib import Path

from rdkit import Chem, rdBase

HERE = Path(__file__).parent
OUT = HERE / "name_table.csv"
FIELDS = ["name", "kind", "smiles", "inchikey", "cas", "abbreviations", "synonyms", "approved", "check", "source"]
MAX_SYNONYMS = 8
# PubChem synonyms that are ordinary words or too vague to name one compound.
_GENERIC_TEXT = (
    "alcohol spirit salt water ether acid base oil gas ice speed crystal snow glass sugar vinegar chalk lime "
    "soda gold silver iron zinc copper lead tin vitamin hormone insulin dextrose brine bleach"
)
GENERIC = frozenset(_GENERIC_TEXT.split())
_CAS = re.compile(r"^\d{2,7}-\d{2}-\d$")
_CODE = re.compile(
    r"^[a-z]{1,7}[- ]?\d[\d\-]*[a-z]?$|\d{4,}|\b(ci|unii|nsc|ccris|hsdb|einecs|brn|chebi|dtxsid)\b|^compound\b"
)
_STEREO_PREFIX = re.compile(r"^\((?:[rs]|[+-]|±|rs|[rs],[rs])\)-")


def _fold(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip()).casefold()


def _inchikey(smiles: str) -> str:
    mol = Chem.MolFromSmiles(smiles)
    return Chem.MolToInchiKey(mol) if mol is not None else ""


def _good_synonym(name: str, position: int) -> bool:
    """A PubChem synonym worth keeping: a word a chemist would type, not a registry code, a vague word or an
    everyday English word (``position`` 0 and 1 are PubChem's first names for the compound)."""
    from wordfreq import zipf_frequency

    if not 4 <= len(name) <= 60 or name in GENERIC or _CAS.match(name) or _CODE.search(name):
        return False
    core = _STEREO_PREFIX.sub("", name)
    if re.search(r"[\[\]{}();:/|]", core) or not re.search(r"[a-z]{4}", core):
        return False  # registry codes mix digits with short letter runs: 206gf3gb41, agn-pc-00s4tf
    return zipf_frequency(name, "en") < (4.5 if position < 2 else 3.0)


def pubchem_names(chemicals_dir: Path) -> dict[str, list[str]]:
    """InChIKey -> names from the ``chemicals`` PubChem tables (common name first, IUPAC-style name skipped)."""
    names: dict[str, list[str]] = {}
    for file in ("chemical identifiers pubchem small.tsv", "chemical identifiers pubchem large.tsv"):
        with open(chemicals_dir / file, encoding="utf-8") as fh:
            for line in fh:
                cols = line.rstrip("\n").split("\t")
                if len(cols) > 8 and cols[6]:
                    names.setdefault(cols[6], cols[8:])
    return names


def approvals(folder: Path | None) -> dict[str, list[str]]:
    """DrugCentral id -> agencies that approved it (FDA, EMA, PMDA)."""
    found: dict[str, list[str]] = defaultdict(list)
    if folder is None:
        return found
    for agency in ("FDA", "EMA", "PMDA"):
        path = folder / f"{agency}_Approved.csv"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    found[line.split(",", 1)[0].strip()].append(agency)
    return found


def safety_names() -> dict[str, str]:
    """Folded name or alias on the safety list -> InChIKey of its listed structure."""
    with open(HERE / "safety_list.csv", newline="", encoding="utf-8") as fh:
        return {
            _fold(n): _inchikey(r["smiles"])
            for r in csv.DictReader(fh)
            for n in [r["name"], *r["aliases"].split("|")]
            if n.strip()
        }


def curated_rows() -> list[dict[str, str]]:
    rows = []
    with open(HERE / "reagents_curated.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            key = r["inchikey"] or _inchikey(r["smiles"])
            if not key:
                raise SystemExit(f"reagents_curated.csv: RDKit cannot read the SMILES of {r['name']!r}")
            origin = {"pubchem": "PubChem via chemicals 1.5.2", "opsin": "OPSIN for its systematic name"}.get(
                r["check"].split(":", 1)[0], "written by hand, molecular formula checked"
            )
            rows.append(
                {
                    "name": r["name"],
                    "kind": r["kind"],
                    "smiles": r["smiles"],
                    "inchikey": key,
                    "cas": r["cas"],
                    "abbreviations": r["abbreviations"],
                    "synonyms": r["synonyms"],
                    "approved": "",
                    "check": r["check"],
                    "source": f"chemassist curation; structure from {origin}",
                }
            )
    return rows


def drug_rows(tsv: Path, approved: dict[str, list[str]]) -> tuple[list[dict[str, str]], list[str]]:
    rows, skipped = [], []
    with open(tsv, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            if _inchikey(r["SMILES"]) != r["InChIKey"]:
                skipped.append(r["INN"])  # RDKit reads the SMILES as another stereo form: not verifiable
                continue
            rows.append(
                {
                    "name": r["INN"],
                    "kind": "drug",
                    "smiles": r["SMILES"],
                    "inchikey": r["InChIKey"],
                    "cas": r["CAS_RN"],
                    "abbreviations": "",
                    "synonyms": "",
                    "approved": "|".join(approved[r["ID"]]),
                    "check": "source-inchikey",
                    "source": f"DrugCentral 2023, id {r['ID']}",
                }
            )
    return rows, skipped


def build(drugcentral: Path, approvals_dir: Path | None, chemicals_dir: Path) -> list[dict[str, str]]:
    rdBase.DisableLog("rdApp.*")
    curated = curated_rows()
    drugs, skipped = drug_rows(drugcentral, approvals(approvals_dir))
    print(f"DrugCentral rows left out (SMILES and InChIKey disagree under RDKit): {len(skipped)}: {skipped}")
    reserved = safety_names()
    owner: dict[str, str] = {}  # folded name -> InChIKey of the row that holds it

    def claim(name: str, key: str, *, synonym: bool = False) -> bool:
        """Give a name to a structure unless another structure holds it. A name on the safety list may only
        name the listed structure, and is never taken from PubChem's synonyms (the safety list owns it)."""
        folded = _fold(name)
        if not folded or owner.get(folded, key) != key or reserved.get(folded, key) != key:
            return False
        if synonym and folded in reserved:
            return False
        owner[folded] = key
        return True

    for row in curated:  # curated names first: they are what chemists call reagents
        for name in [row["name"], *filter(None, row["synonyms"].split("|"))]:
            if not claim(name, row["inchikey"]):
                raise SystemExit(f"reagents_curated.csv: {name!r} is taken by another structure or the safety list")
    by_key = {row["inchikey"]: row for row in curated}
    kept = []
    for row in drugs:
        twin = by_key.get(row["inchikey"])
        if twin is not None:  # a drug that is also a curated reagent or solvent (DMSO, ethanol): one row
            if _fold(row["name"]) not in owner:
                twin["synonyms"] = "|".join(filter(None, [twin["synonyms"], row["name"]]))
                claim(row["name"], twin["inchikey"])
            continue
        if claim(row["name"], row["inchikey"]):
            kept.append(row)
        else:
            print(f"left out: DrugCentral {row['name']!r} (the name belongs to another structure)")
    by_name = {_fold(row["name"]): row for row in kept}
    with open(HERE / "drug_synonyms_curated.csv", newline="", encoding="utf-8") as fh:
        for extra in csv.DictReader(fh):
            found_row = by_name.get(_fold(extra["inn"]))
            if found_row is None or not claim(extra["synonym"], found_row["inchikey"]):
                raise SystemExit(f"drug_synonyms_curated.csv: cannot give {extra['synonym']!r} to {extra['inn']!r}")
            found_row["synonyms"] = "|".join(filter(None, [found_row["synonyms"], extra["synonym"]]))
    names = pubchem_names(chemicals_dir)
    for row in kept:
        found: list[str] = []
        for position, name in enumerate(names.get(row["inchikey"], [])):
            if len(found) >= MAX_SYNONYMS:
                break
            if (
                _good_synonym(name, position)
                and _fold(name) != _fold(row["name"])
                and claim(name, row["inchikey"], synonym=True)
            ):
                found.append(name)
        row["synonyms"] = "|".join(filter(None, [row["synonyms"], *found]))
    abbreviations: dict[str, str] = {}
    for row in curated:
        for abbreviation in filter(None, row["abbreviations"].split("|")):
            if abbreviations.setdefault(abbreviation, row["name"]) != row["name"]:
                raise SystemExit(f"abbreviation {abbreviation!r} is used twice")
    order = {"drug": 0, "reagent": 1, "solvent": 2, "catalyst": 3}
    return sorted(curated + kept, key=lambda r: (order[r["kind"]], r["name"].casefold()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drugcentral", type=Path, required=True, help="DrugCentral structures.smiles.tsv")
    parser.add_argument("--approvals", type=Path, help="folder with DrugCentral's FDA/EMA/PMDA_Approved.csv")
    parser.add_argument("--chemicals-dir", type=Path, help="chemicals/Identifiers (default: the installed package)")
    args = parser.parse_args(argv)
    chemicals_dir = args.chemicals_dir
    if chemicals_dir is None:
        spec = importlib.util.find_spec("chemicals")
        if spec is None or not spec.submodule_search_locations:
            sys.exit("pip install chemicals==1.5.2 --no-deps, or pass --chemicals-dir")
        chemicals_dir = Path(next(iter(spec.submodule_search_locations))) / "Identifiers"
    rows = build(args.drugcentral, args.approvals, chemicals_dir)
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["kind"]] += 1
    print(f"wrote {OUT.name}: {len(rows)} rows {dict(counts)}")


if __name__ == "__main__":
    main()
