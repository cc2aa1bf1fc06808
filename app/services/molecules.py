"""Molecules for the UI: analyse one or many inputs, read uploads, search, depict; chemistry errors become
ValidationFailed with the toolkit's message (pages never import tools/ directly)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import tools.chem as chem
from app.errors import ValidationFailed
from tools import results

Progress = Callable[[int, int], None]
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_UPLOAD_ROWS = 100_000


def _mol(text: str) -> Any:
    try:
        return chem.parse(text)
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None


def analyse(text: str, *, standardize: bool = False, tautomer: bool = False) -> results.MoleculeResult:
    """Everything about one molecule, as the typed result the chat and the exports read (tools.results)."""
    try:
        record = chem.analyse(text, standardize_input=standardize, canonical_tautomer=tautomer).to_record()
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None
    return results.MoleculeResult.model_validate(record)


def artifact_payload(result: results.MoleculeResult, *, svg: str = "") -> dict[str, Any]:
    """The JSON object a session stores for a molecule: the typed result's fields and `kind`, plus its picture."""
    payload = results.dump(result)
    return {**payload, "svg": svg} if svg else payload


def analyse_many(
    texts: Sequence[str], *, progress: Progress | None = None, fast: bool = False, n_jobs: int | None = None
) -> list[dict[str, Any]]:
    """One row per SMILES (bad ones carry an 'error'), on all cores, with ``progress(done, total)``."""
    options = chem.BatchOptions(identifiers=not fast, filters=not fast, alerts=not fast, safety=not fast)
    return chem.analyse_batch(list(texts), options=options, n_jobs=n_jobs, progress=progress)


@dataclass(frozen=True)
class UploadResult:
    """Rows of an analysed upload, plus the failures as 'row N: message' lines."""

    rows: list[dict[str, Any]]
    failures: list[str]

    @property
    def ok_rows(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if not r.get("error")]


def analyse_upload(
    data: bytes,
    filename: str,
    *,
    smiles_column: str | None = None,
    progress: Progress | None = None,
    fast: bool = False,
    max_rows: int = MAX_UPLOAD_ROWS,
) -> UploadResult:
    """Read an uploaded SDF/CSV/SMILES file and analyse every row; bad rows are reported, good rows kept."""
    try:
        records = list(
            chem.read_records(
                data, filename=filename, smiles_column=smiles_column, max_bytes=MAX_UPLOAD_BYTES, parse=False
            )
        )
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None
    if not records:
        raise ValidationFailed(f"{filename} contains no molecules.")
    if len(records) > max_rows:
        raise ValidationFailed(f"{filename} has {len(records):,} molecules; the limit is {max_rows:,}. Split it.")
    options = chem.BatchOptions(identifiers=not fast, filters=not fast, alerts=not fast, safety=not fast)
    rows = chem.analyse_batch(records, options=options, progress=progress)
    failures = [f"row {r['row']}: {r['error']}" for r in rows if r.get("error")]
    return UploadResult(rows, failures)


def svg(text: str, *, highlight: Sequence[int] = (), smarts: str | None = None, size: int = 350) -> str:
    """SVG of a molecule, highlighting atom indices and/or the matches of a SMARTS pattern."""
    mol = _mol(text)
    atoms = set(highlight)
    if smarts:
        try:
            atoms.update(i for m in chem.substructure_matches(mol, smarts) for i in m)
        except chem.ChemError as exc:
            raise ValidationFailed(str(exc)) from None
    return chem.to_svg(mol, size=(size, size), highlight=sorted(atoms))


def grid_svg(smiles: Sequence[str], *, legends: Sequence[str] | None = None, per_row: int = 4) -> str:
    """One SVG grid of several molecules (unreadable SMILES are skipped)."""
    mols, kept = [], []
    for i, s in enumerate(smiles):
        try:
            mols.append(chem.parse(s, kind="smiles"))
            kept.append(i)
        except chem.ChemError:
            continue
    labels = [legends[i] for i in kept] if legends is not None else None
    return str(chem.grid(mols, legends=labels, per_row=per_row))


def conformer(text: str) -> dict[str, Any]:
    """3D conformer (ETKDG + MMFF94): mol block, atom symbols, coordinates (Angstrom), bonds, energy."""
    try:
        return chem.conformer_3d(_mol(text)).to_dict()
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None


def similar(query: str, smiles: Sequence[str], *, k: int = 10, kind: str = "morgan") -> list[dict[str, Any]]:
    """Top-k most similar of ``smiles`` to ``query``: [{index, similarity, smiles}], best first."""
    target = _mol(query)
    mols = [_maybe(s) for s in smiles]
    return [h.to_dict() for h in chem.similarity_search(target, mols, k=k, kind=kind)]  # type: ignore[arg-type]


def substructure(smarts: str, smiles: Sequence[str]) -> list[dict[str, Any]]:
    """Which of ``smiles`` contain the SMARTS pattern: [{index, matches}]."""
    try:
        return [h.to_dict() for h in chem.substructure_search([_maybe(s) for s in smiles], smarts)]
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None


def screen(text: str) -> dict[str, Any]:
    """Safety screen of one molecule: {flagged, hits: [{name, category, source, matched_by, atoms}]}."""
    return chem.screen(_mol(text)).to_dict()


def _maybe(smiles: str) -> Any:
    try:
        return chem.parse(smiles, kind="smiles")
    except chem.ChemError:
        return None


def depict(
    text: str, *, standardize: bool = False, tautomer: bool = False, highlight: Sequence[int] = (), size: int = 350
) -> str:
    """SVG of the molecule exactly as ``analyse`` read it (same options, same atom order), so the atom indices
    of its alerts and safety hits can be highlighted."""
    try:
        mol = chem.parse(text)
        if standardize or tautomer:
            mol = chem.standardize(mol, canonical_tautomer=tautomer)
        return chem.to_svg(mol, size=(size, size), highlight=sorted(set(highlight)))
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None


def highlighted_grid_svg(
    smiles: Sequence[str],
    *,
    legends: Sequence[str] | None = None,
    highlights: Sequence[Sequence[int]] | None = None,
    per_row: int = 4,
    size: int = 220,
) -> str:
    """SVG grid with a legend and highlighted atoms per molecule (unreadable SMILES are skipped)."""
    mols, kept = [], []
    for i, s in enumerate(smiles):
        mol = _maybe(s)
        if mol is not None:
            mols.append(mol)
            kept.append(i)
    if not mols:
        return ""
    return str(
        chem.grid(
            mols,
            legends=[legends[i] for i in kept] if legends is not None else None,
            highlights=[list(highlights[i]) for i in kept] if highlights is not None else None,
            per_row=per_row,
            size=(size, round(size * 0.8)),
        )
    )


def mcs(smiles: Sequence[str], *, timeout_s: int = 10) -> dict[str, Any]:
    """Maximum common substructure of two or more SMILES: {smarts, num_atoms, num_bonds, timed_out, provenance}."""
    mols = [m for m in (_maybe(s) for s in smiles) if m is not None]
    try:
        return chem.mcs(mols, timeout_s=timeout_s).to_dict()
    except chem.ChemError as exc:
        raise ValidationFailed(str(exc)) from None


def thumbnails(smiles: Sequence[str], *, width: int = 140, height: int = 100) -> list[str | None]:
    """Small structure pictures as ``data:image/svg+xml`` URIs for table image columns (None if unreadable)."""
    out: list[str | None] = []
    for s in smiles:
        mol = _maybe(s) if s else None
        if mol is None:
            out.append(None)
            continue
        picture = chem.to_svg(mol, size=(width, height))
        out.append("data:image/svg+xml;base64," + base64.b64encode(picture.encode()).decode())
    return out


def to_sdf(rows: Sequence[dict[str, Any]], *, smiles_key: str = "canonical_smiles") -> str:
    """SDF text of the readable rows, every other column written as an SD property (2D coordinates)."""
    blocks = []
    for row in rows:
        mol = _maybe(str(row.get(smiles_key) or ""))
        if mol is None:
            continue
        lines = chem.to_molblock(mol).split("\n")
        lines[0] = str(row.get("name") or row.get("input") or "")[:80]
        props = "".join(
            f">  <{key}>\n{value}\n\n"
            for key, value in row.items()
            if key != smiles_key and value is not None and value != "" and "\n" not in str(value)
        )
        blocks.append(
            "\n".join(lines).rstrip("\n") + "\n" + f">  <{smiles_key}>\n{row[smiles_key]}\n\n" + props + "$$$$\n"
        )
    return "".join(blocks)


def unreadable(smiles: Sequence[str]) -> list[int]:
    """Positions of the SMILES that do not parse (searches skip them; the page says how many)."""
    return [i for i, s in enumerate(smiles) if _maybe(s) is None]
