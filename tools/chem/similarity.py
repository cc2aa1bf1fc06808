"""Fingerprints, Tanimoto similarity, top-k similarity search, substructure/SMARTS search and MCS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any, Literal

from rdkit import Chem, DataStructs, rdBase
from rdkit.Chem import rdFingerprintGenerator, rdFMCS

from tools.chem.errors import ChemError
from tools.chem.polymer import cap, is_polymer
from tools.chem.provenance import PROVENANCE

FingerprintKind = Literal["morgan", "morgan_count", "feature_morgan", "feature_morgan_count"]


@cache
def _generator(radius: int, n_bits: int, features: bool) -> Any:
    invariants = rdFingerprintGenerator.GetMorganFeatureAtomInvGen() if features else None
    return rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=n_bits, atomInvariantsGenerator=invariants)


def fingerprint(mol: Chem.Mol, kind: FingerprintKind = "morgan", *, radius: int = 2, n_bits: int = 2048) -> Any:
    """Morgan fingerprint (ECFP4-like at radius 2) as an RDKit bit vector, or a count vector for ``*_count``.

    ``feature_morgan`` uses pharmacophoric atom invariants (FCFP-like). ``*`` atoms are H-capped first.
    """
    if is_polymer(mol):
        mol = cap(mol, "H")[0]
    gen = _generator(radius, n_bits, kind.startswith("feature"))
    return gen.GetCountFingerprint(mol) if kind.endswith("count") else gen.GetFingerprint(mol)


def tanimoto(a: Any, b: Any) -> float:
    """Tanimoto similarity (0-1) of two fingerprints of the same kind (bit or count vectors)."""
    return float(DataStructs.TanimotoSimilarity(a, b))


@dataclass(frozen=True)
class SimilarityHit:
    """A search hit: position in the searched set, Tanimoto similarity (0-1), and the hit's SMILES."""

    index: int
    similarity: float
    smiles: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def similarity_search(
    query: Chem.Mol,
    mols: Sequence[Chem.Mol | None],
    *,
    k: int = 10,
    kind: FingerprintKind = "morgan",
    threshold: float = 0.0,
) -> list[SimilarityHit]:
    """The ``k`` molecules most similar to ``query`` (Tanimoto on ``kind`` fingerprints), best first.

    ``None`` entries (unreadable rows) are skipped but keep their index (hits point into the input).
    """
    qfp = fingerprint(query, kind)
    index = [i for i, m in enumerate(mols) if m is not None]
    fps = [fingerprint(mols[i], kind) for i in index]  # type: ignore[arg-type]
    scores = DataStructs.BulkTanimotoSimilarity(qfp, fps) if fps else []
    ranked = sorted(zip(index, scores, strict=True), key=lambda t: (-t[1], t[0]))
    return [SimilarityHit(i, float(s), Chem.MolToSmiles(mols[i])) for i, s in ranked[: max(k, 0)] if s >= threshold]


def pattern(smarts_or_smiles: str) -> Chem.Mol:
    """Query molecule from SMARTS (or a SMILES, read as SMARTS). Raises ChemError with the reason."""
    text = (smarts_or_smiles or "").strip()
    if not text:
        raise ChemError("Empty substructure query: give a SMARTS or SMILES pattern.")
    with rdBase.BlockLogs():
        query = Chem.MolFromSmarts(text)
    if query is None:
        raise ChemError(f"Invalid SMARTS {text!r}: check brackets, ring-closure digits and atom primitives.")
    return query


@dataclass(frozen=True)
class SubstructureHit:
    """A molecule that contains the pattern, with every match as a tuple of atom indices."""

    index: int
    matches: list[tuple[int, ...]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def substructure_matches(mol: Chem.Mol, query: str | Chem.Mol, *, max_matches: int = 100) -> list[tuple[int, ...]]:
    """Atom-index tuples where ``query`` (SMARTS text or query molecule) matches ``mol``; [] if none."""
    q = pattern(query) if isinstance(query, str) else query
    return [tuple(m) for m in mol.GetSubstructMatches(q, maxMatches=max_matches)]


def substructure_search(mols: Sequence[Chem.Mol | None], query: str | Chem.Mol) -> list[SubstructureHit]:
    """The molecules (by index; ``None`` entries skipped) that contain ``query``, with their matched atoms."""
    q = pattern(query) if isinstance(query, str) else query
    hits = []
    for i, mol in enumerate(mols):
        if mol is not None and mol.HasSubstructMatch(q):
            hits.append(SubstructureHit(i, substructure_matches(mol, q)))
    return hits


@dataclass(frozen=True)
class MCSResult:
    """Maximum common substructure: SMARTS, size, and whether the timeout stopped it (not maximal)."""

    smarts: str
    num_atoms: int
    num_bonds: int
    timed_out: bool
    provenance: str = PROVENANCE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mcs(mols: Sequence[Chem.Mol], *, timeout_s: int = 10, ring_matches_ring_only: bool = True) -> MCSResult:
    """Maximum common substructure of two or more molecules (RDKit FMCS), stopped after ``timeout_s`` s."""
    if len(mols) < 2:
        raise ChemError("MCS needs at least two molecules.")
    res = rdFMCS.FindMCS(
        list(mols),
        timeout=max(1, int(timeout_s)),
        ringMatchesRingOnly=ring_matches_ring_only,
        completeRingsOnly=ring_matches_ring_only,
    )
    return MCSResult(res.smartsString, res.numAtoms, res.numBonds, bool(res.canceled))
