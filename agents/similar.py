"""Similarity search over molecules a chemist can act on: the name table's drugs, reagents and common
chemicals, the measured molecules behind the property models, and the building-block stock.

Hits are distinct molecules: never the query itself or one of its stereoisomers, tautomers, salts or charge
states (same first InChIKey block: InChI reads mobile hydrogens and protonation as one molecule), and each
molecule once. Each hit says where it comes from (a named drug, a measured data set with its value, a
purchasable building block).
"""

from __future__ import annotations

import csv
import gzip
import pickle
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rdkit import Chem, DataStructs, rdBase
from rdkit.Chem import rdFingerprintGenerator

from tools.cache import cache_dir

MAX_SIMILAR = 20
_LOCK = threading.Lock()
_GENERATOR = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)


@dataclass
class Reference:
    smiles: str
    skeleton: str  # canonical non-isomeric SMILES of the largest fragment
    name: str = ""
    sources: tuple[str, ...] = ()
    measured: tuple[str, ...] = ()


def _skeleton(mol: Chem.Mol) -> str:
    """The molecule without stereo, charges' counter-ions or isotopes: canonical SMILES of its largest
    fragment, non-isomeric (fast enough for 55,000 molecules at first use, unlike an InChIKey per molecule)."""
    fragments = Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=False)
    largest = max(fragments, key=lambda f: f.GetNumHeavyAtoms()) if len(fragments) > 1 else mol
    return Chem.MolToSmiles(largest, isomericSmiles=False)


def _rows() -> list[tuple[str, str, str, str]]:
    """(smiles, name, source, measured) from every shipped set, named sets first."""
    from tools.chem.names import DATA_DIR as NAMES_DIR
    from tools.properties import datasets
    from tools.synthesis.library import DATA_DIR as SYNTHESIS_DIR

    rows: list[tuple[str, str, str, str]] = []
    with open(NAMES_DIR / "name_table.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            source = "DrugCentral drug" if row["kind"] == "drug" else f"common {row['kind'] or 'chemical'}"
            rows.append((row["smiles"], row["name"], source, ""))
    with open(NAMES_DIR / "common_names.csv", newline="", encoding="utf-8") as fh:
        rows += [(row["smiles"], row["name"], "common chemical", "") for row in csv.DictReader(fh)]
    for name in ("esol", "freesolv", "lipophilicity"):
        spec = datasets.resolve(name)
        for record in datasets.load(name).itertuples():
            label = record.name if isinstance(record.name, str) and record.name != record.smiles else ""
            rows.append((record.smiles, label, spec.label, f"{spec.label}: {record.value} {spec.unit}"))
    with gzip.open(SYNTHESIS_DIR / "stock.csv.gz", "rt", encoding="utf-8") as fh:
        rows += [(row["smiles"], "", "USPTO-50k building block", "") for row in csv.DictReader(fh)]
    return rows


@cache
def reference_set() -> tuple[list[Reference], list[Any]]:
    """Every reference molecule once (by skeleton), with its Morgan fingerprint: built once per machine (about
    half a minute) and then read from the cache directory in a second."""
    with _LOCK:
        cached = _read_cache()
        if cached is not None:
            return cached
        refs, fps = _build()
        _write_cache(refs, fps)
        return refs, fps


def _cache_path() -> Path:
    import hashlib

    from tools.chem.names import DATA_DIR as NAMES_DIR
    from tools.synthesis.library import DATA_DIR as SYNTHESIS_DIR

    digest = hashlib.sha256()
    for path in (NAMES_DIR / "name_table.csv", NAMES_DIR / "common_names.csv", SYNTHESIS_DIR / "stock.csv.gz"):
        digest.update(path.read_bytes())
    digest.update(rdBase.rdkitVersion.encode())
    return cache_dir() / f"similar-{digest.hexdigest()[:16]}.pkl"


def _read_cache() -> tuple[list[Reference], list[Any]] | None:
    try:
        with open(_cache_path(), "rb") as fh:
            refs, blobs = pickle.load(fh)  # our own file, written below
    except (OSError, pickle.PickleError, EOFError, ValueError):
        return None
    return refs, [DataStructs.ExplicitBitVect(b) for b in blobs]


def _write_cache(refs: list[Reference], fps: list[Any]) -> None:
    path = _cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump((refs, [fp.ToBinary() for fp in fps]), fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass  # a read-only home still works, it rebuilds the set in each process


def _build() -> tuple[list[Reference], list[Any]]:
    by_key: dict[str, Reference] = {}
    fps: dict[str, Any] = {}
    for smiles, name, source, measured in _rows():
        with rdBase.BlockLogs():
            mol = Chem.MolFromSmiles(smiles)
        if mol is None or mol.GetNumHeavyAtoms() < 2:
            continue
        key = _skeleton(mol)
        ref = by_key.get(key)
        if ref is None:
            by_key[key] = Reference(Chem.MolToSmiles(mol), key, name, (source,), (measured,) if measured else ())
            fps[key] = _GENERATOR.GetFingerprint(mol)
            continue
        if name and not ref.name:
            ref.name = name
        if source not in ref.sources:
            ref.sources += (source,)
        if measured and measured not in ref.measured:
            ref.measured += (measured,)
    refs = list(by_key.values())
    return refs, [fps[r.skeleton] for r in refs]


def _identity(mol: Chem.Mol | None) -> str:
    """The first block of the InChIKey of the largest fragment: one value for a molecule's stereoisomers,
    tautomers (InChI's mobile hydrogens) and charge states (its protonation layer), which the skeleton's SMILES
    tells apart. Computed at query time for the few candidates a search looks at, not for the whole set."""
    if mol is None:
        return ""
    with rdBase.BlockLogs():
        key = Chem.MolToInchiKey(mol)
    return key.split("-")[0] if key else _skeleton(mol)


def similar(mol: Chem.Mol, k: int = 5) -> list[dict[str, Any]]:
    """The ``k`` most similar distinct reference molecules (Tanimoto on Morgan radius 2, 2048 bits)."""
    refs, fps = reference_set()
    query = _skeleton(mol)
    identity = _identity(mol)
    scores = DataStructs.BulkTanimotoSimilarity(_GENERATOR.GetFingerprint(mol), fps)
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    hits = []
    seen = {identity}
    for i in order:
        ref = refs[i]
        if ref.skeleton == query:
            continue  # the molecule itself, as another stereoisomer or salt
        with rdBase.BlockLogs():
            other = _identity(Chem.MolFromSmiles(ref.smiles))
        if other in seen:
            continue  # the query, or a hit already listed, as a tautomer or charge state (a carboxylate, an ion)
        seen.add(other)
        hits.append(
            {
                "smiles": ref.smiles,
                "name": ref.name,
                "similarity": round(scores[i], 3),
                "source": "; ".join(ref.sources),
                "measured": "; ".join(ref.measured),
            }
        )
        if len(hits) >= min(k, MAX_SIMILAR):
            break
    return hits
