"""Chemical name -> structure, offline: the names chemists use first, then OPSIN for systematic (IUPAC) names.

Lookup order (first hit wins), case- and whitespace-insensitive unless said otherwise:
1. ``data/name_table.csv``, the chemassist name table (built by ``data/build_name_table.py``, sources and
   licenses in data/PROVENANCE.md): 3,905 drugs from DrugCentral 2023 (INN, CAS number, and US, common and
   brand names from PubChem), racemates without stereo and single enantiomers with it, as DrugCentral records
   them; and 740 reagents, solvents and catalysts with their abbreviations, curated by chemassist. It also
   answers CAS numbers (check digit verified: 50-78-2) and abbreviations: as written (NBS, TEA, DEAD) and,
   when no other abbreviation folds to the same letters, in any case (thf, dcm);
2. ``data/common_names.csv``: 908 curated common/trivial names (natural products, biomolecules, flavours,
   dyes, pesticides, monomers and additives, textbook molecules), each checked against OPSIN's structure
   for the systematic name in the same row;
3. ``data/name_to_smiles.csv``: 1765 names from FreeSolv and ESOL;
4. ``data/safety_list.csv`` names, so that a question about a listed agent is recognised and screened;
5. a drug salt written with its counter-ion ("sildenafil citrate") gives the parent drug, and says so;
6. OPSIN 2.9 via ``py2opsin`` (bundles the jar, runs on the local Java 17; about 1-2 s per call).

Every match says how the text was read (``NameMatch.reading``). An unknown name raises UnknownName with up to
three close names from the tables.

A short token can be both an abbreviation and valid SMILES ("NBS" parses as H4BNS, "PCC" as a phosphine).
``abbreviation_first(text)`` answers such a token with the table's reagent: the table holds acronyms and
shorthand as chemists write them, never a formula that is valid SMILES of another molecule (the tests check
this), so "CO" and "NO" are not in it and stay SMILES (methanol, HNO); write "carbon monoxide".

Written here rather than taken from a library: no offline package maps drug, reagent and abbreviation names
to structures; the lookups are plain dicts built once (about 0.1 s), so a name costs a dict access.
"""

from __future__ import annotations

import csv
import difflib
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
NAME_TABLE = "chemassist name table"

_CAS = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")
# Counter-ions and hydrates written after a drug name ("metformin hydrochloride", "morphine sulfate
# pentahydrate"). Esters (acetate, propionate, valerate) are not here: they change the molecule itself.
_SALT_TEXT = (
    "hydrochloride dihydrochloride trihydrochloride hcl hydrobromide hbr hydroiodide sodium disodium potassium "
    "dipotassium calcium magnesium zinc lithium citrate mesylate mesilate dimesylate besylate besilate maleate "
    "dimaleate fumarate hemifumarate tartrate bitartrate hemitartrate succinate sulfate sulphate bisulfate "
    "hemisulfate phosphate diphosphate tosylate tosilate hyclate lactate gluconate pamoate embonate malate "
    "oxalate napsylate nitrate bromide chloride iodide trometamol tromethamine meglumine hydrate monohydrate "
    "dihydrate trihydrate tetrahydrate pentahydrate hexahydrate hemihydrate sesquihydrate anhydrous"
)
_SALT_WORDS = frozenset(_SALT_TEXT.split())


@dataclass(frozen=True, slots=True)
class NameMatch:
    """A resolved name: the SMILES found, where it came from, and how the text was read.

    ``name`` is the name as the table writes it; ``entry`` the table's main name for the structure (NBS ->
    N-bromosuccinimide); ``read_as`` one of "name", "synonym", "abbreviation", "CAS number", "salt",
    "systematic name" (OPSIN); ``kind`` drug, reagent, solvent or catalyst where the name table knows it.
    """

    name: str
    smiles: str
    source: str
    entry: str = ""
    read_as: str = "name"
    kind: str = ""
    cas: str = ""
    text: str = ""

    @property
    def reading(self) -> str:
        """One sentence on how the input was read, for the answer ("read 'NBS' as the abbreviation ...")."""
        typed = self.text or self.name
        what = f"{self.entry} ({self.kind})" if self.kind else (self.entry or self.name)
        if self.read_as == "systematic name":
            return f"read {typed!r} as a systematic (IUPAC) name with {self.source}"
        if self.read_as == "salt":
            return f"read {typed!r} as the parent drug {what}: the structure leaves out the counter-ion"
        if self.read_as in ("abbreviation", "CAS number", "synonym"):
            return f"read {typed!r} as the {self.read_as} of {what}, from the {self.source}"
        return f"read {typed!r} as the name {what}, from the {self.source}"


def normalize_name(name: str) -> str:
    """Case-fold and collapse whitespace, so 'Acetylsalicylic  Acid' matches 'acetylsalicylic acid'."""
    return re.sub(r"\s+", " ", name.strip()).casefold()


def cas_check_digit_ok(cas: str) -> bool:
    """True when ``cas`` is written NNNNNNN-NN-N and its last digit is the CAS check digit."""
    m = _CAS.match(cas.strip())
    if not m:
        return False
    digits = (m.group(1) + m.group(2))[::-1]
    return sum(i * int(d) for i, d in enumerate(digits, start=1)) % 10 == int(m.group(3))


def _origin(row: dict[str, str]) -> str:
    return f"{row['source']}, CC BY-SA 4.0" if row["source"].startswith("DrugCentral") else row["source"]


@cache
def _name_table() -> tuple[dict[str, NameMatch], dict[str, NameMatch], dict[str, NameMatch], dict[str, NameMatch]]:
    """The chemassist name table as four dicts: folded names and synonyms, exact abbreviations, folded
    abbreviations (only those no other abbreviation folds to), and CAS numbers."""
    names: dict[str, NameMatch] = {}
    exact: dict[str, NameMatch] = {}
    folded: dict[str, NameMatch | None] = {}
    cas: dict[str, NameMatch] = {}
    with open(DATA_DIR / "name_table.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            base = dict(smiles=row["smiles"], entry=row["name"], kind=row["kind"], cas=row["cas"])
            source = f"synonym table ({NAME_TABLE}; {_origin(row)})"
            acronyms = set(filter(None, row["abbreviations"].split("|")))
            if row["name"] not in acronyms:  # "PIPES", "TEMPO": found as abbreviations, never as the words
                names.setdefault(normalize_name(row["name"]), NameMatch(name=row["name"], source=source, **base))
            for synonym in filter(None, row["synonyms"].split("|")):
                hit = NameMatch(name=synonym, source=source, read_as="synonym", **base)
                names.setdefault(normalize_name(synonym), hit)
            for abbreviation in acronyms:
                hit = NameMatch(name=abbreviation, source=source, read_as="abbreviation", **base)
                exact[abbreviation] = hit
                key = normalize_name(abbreviation)
                earlier = folded.get(key, hit)
                folded[key] = hit if earlier is not None and earlier.entry == hit.entry else None
            if row["cas"]:
                cas.setdefault(row["cas"], NameMatch(name=row["cas"], source=source, read_as="CAS number", **base))
    return names, exact, {k: v for k, v in folded.items() if v is not None}, cas


def _elemental(smiles: str) -> bool:
    """Water and the elements (O2, N2, H2, S8, metals): in a sentence "oxygen" or "water" is seldom a molecule."""
    if smiles in ("O", "[2H]O[2H]", "[HH]", "[H][H]"):
        return True
    symbols = set(re.findall(r"Cl|Br|[A-Z][a-z]?|[cnosp]", re.sub(r"\[\d*([A-Za-z][a-z]?)[^\]]*\]", r"\1", smiles)))
    if len(symbols) != 1:
        return False
    from rdkit import Chem, rdBase

    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    return mol is not None and all(atom.GetTotalNumHs() == 0 for atom in mol.GetAtoms())


@cache
def _lookup_table() -> dict[str, NameMatch]:
    """Every offline name -> structure, keyed by normalized name, in the lookup order of the module docstring."""
    table: dict[str, NameMatch] = dict(_name_table()[0])

    def add(name: str, smiles: str, source: str) -> None:
        table.setdefault(normalize_name(name), NameMatch(name=name, smiles=smiles, source=source, entry=name))

    with open(DATA_DIR / "common_names.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            add(row["name"], row["smiles"], "synonym table (chemassist curated common names)")
    with open(DATA_DIR / "name_to_smiles.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            origin = "FreeSolv v0.52" if row["source"] == "freesolv" else "ESOL (Delaney 2004)"
            add(row["name"], row["smiles"], f"synonym table ({origin})")
    with open(DATA_DIR / "safety_list.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for alias in [row["name"], *filter(None, row["aliases"].split("|"))]:
                add(alias, row["smiles"], "safety list (tools/chem/data/safety_list.csv)")
    return table


@cache
def synonym_table() -> dict[str, NameMatch]:
    """Offline names -> structures for finding molecules named in a sentence: every table name and synonym
    except those of water and the elements ("oxygen", "sodium"), which ``resolve_name`` still answers.
    Abbreviations and CAS numbers are not in it (see ``abbreviation_first``)."""
    return {key: hit for key, hit in _lookup_table().items() if not (hit.kind and _elemental(hit.smiles))}


def abbreviation_first(text: str) -> NameMatch | None:
    """The table's entry when ``text`` is one of its abbreviations written exactly as the table does (NBS,
    DCM, Boc2O, Pd(PPh3)4), else None. A reader of free input asks this before trying SMILES, so that a
    token that is both ("NBS") is read as the reagent; the match's source says it was also valid SMILES."""
    hit = _name_table()[1].get(text.strip())
    if hit is None:
        return None
    from rdkit import Chem, rdBase

    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(hit.name)
    also = ""
    if mol is not None and mol.GetNumAtoms() and Chem.MolToInchiKey(mol) != _inchikey(hit.smiles):
        also = f"; {hit.name} is also valid SMILES of another molecule, read as the abbreviation"
    return _with(hit, text, source=hit.source[:-1] + also + ")")


@lru_cache(maxsize=4096)
def _inchikey(smiles: str) -> str:
    from rdkit import Chem, rdBase

    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    return Chem.MolToInchiKey(mol) if mol is not None else ""


def _with(hit: NameMatch, text: str, *, source: str = "", read_as: str = "") -> NameMatch:
    """The table's match, saying what was typed (positional: this runs once per lookup)."""
    return NameMatch(
        hit.name, hit.smiles, source or hit.source, hit.entry, read_as or hit.read_as, hit.kind, hit.cas, text.strip()
    )


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


def salt_parent(name: str) -> NameMatch | None:
    """The parent drug of a salt written as a drug name and counter-ion words ('sildenafil citrate'), else None."""
    parent = _salt_parent(normalize_name(name))
    return (
        None
        if parent is None
        else _with(parent, name, read_as="salt", source=parent.source[:-1] + "; parent of the salt)")
    )


def _salt_parent(key: str) -> NameMatch | None:
    """'sildenafil citrate' -> sildenafil when the words after a known drug name are counter-ions/hydrates."""
    words = key.split(" ")
    for cut in range(len(words) - 1, max(0, len(words) - 3), -1):
        if all(w in _SALT_WORDS for w in words[cut:]):
            hit = _name_table()[0].get(" ".join(words[:cut]))
            if hit is not None and hit.kind == "drug":
                return hit
    return None


@cache
def _suggestion_pool() -> dict[str, str]:
    """Folded name -> the name as the tables write it, for suggestions."""
    pool = {key: hit.name for key, hit in _lookup_table().items()}
    pool.update({key: hit.name for key, hit in _name_table()[2].items()})
    return pool


def suggest(name: str, n: int = 3) -> list[str]:
    """Up to ``n`` known names closest to ``name``: names that start with it as a word ("fluticasone" ->
    "fluticasone propionate"), then the closest spellings (difflib ratio >= 0.75), best first."""
    key = normalize_name(name)
    if not key:
        return []
    pool = _suggestion_pool()
    longer = sorted((k for k in pool if k.startswith(key + " ")), key=len)
    slack = max(2, len(key) // 4)
    near = [k for k in pool if abs(len(k) - len(key)) <= slack]
    found = longer + difflib.get_close_matches(key, near, n=n, cutoff=0.75)
    return [pool[k] for k in dict.fromkeys(found)][:n]


def resolve_name(name: str, *, use_opsin: bool = True) -> NameMatch:
    """Find the structure for a chemical name, abbreviation or CAS number (lookup order: module docstring).

    Raises UnknownName, with up to three close known names, when neither the offline tables nor OPSIN
    (systematic IUPAC names) know it.
    """
    key = normalize_name(name)
    if not key:
        raise UnknownName("Empty name: give a chemical name, SMILES, InChI or mol block.")
    if len(key) > MAX_NAME_LENGTH:
        raise UnknownName(f"Name is {len(key)} characters long; names over {MAX_NAME_LENGTH} are not looked up.")
    names, exact, folded, cas = _name_table()
    if _CAS.match(key):
        return _resolve_cas(key, cas)
    hit = exact.get(name.strip()) or names.get(key) or folded.get(key) or _lookup_table().get(key)
    if hit is not None:
        return _with(hit, name)
    parent = _salt_parent(key)
    if parent is not None:
        return _with(parent, name, read_as="salt", source=parent.source[:-1] + "; parent of the salt)")
    if use_opsin:
        smiles = _opsin(name.strip())
        if smiles:
            return NameMatch(
                name=name.strip(), smiles=smiles, source=_opsin_version(), read_as="systematic name", text=name.strip()
            )
    close = suggest(name)
    raise UnknownName(
        f"Unknown name {name.strip()!r}: not in the offline name tables"
        + (" and OPSIN could not parse it as a systematic (IUPAC) name" if use_opsin else "")
        + (f". Closest known names: {', '.join(close)}" if close else "")
        + ". Check the spelling, use the IUPAC name, or give a SMILES."
    )


def _resolve_cas(key: str, cas: dict[str, NameMatch]) -> NameMatch:
    if not cas_check_digit_ok(key):
        raise UnknownName(f"{key!r} is not a valid CAS Registry Number: its check digit does not match.")
    hit = cas.get(key)
    if hit is None:
        raise UnknownName(
            f"CAS number {key} is not in the offline {NAME_TABLE} (drugs, reagents, solvents, catalysts); "
            "give the name or a SMILES."
        )
    return _with(hit, key)
