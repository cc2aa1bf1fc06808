"""2D depiction: SVG or PNG of one molecule or a grid, with highlighted atoms and legends."""

from __future__ import annotations

from collections.abc import Sequence

from rdkit import Chem
from rdkit.Chem import Draw, rdDepictor
from rdkit.Chem.Draw import rdMolDraw2D


def _prepared(mol: Chem.Mol) -> Chem.Mol:
    mol = Chem.Mol(mol)
    if mol.GetNumConformers() == 0 or mol.GetConformer().Is3D():
        rdDepictor.Compute2DCoords(mol)
    return rdMolDraw2D.PrepareMolForDrawing(mol, kekulize=True)


def _highlight_bonds(mol: Chem.Mol, atoms: Sequence[int]) -> list[int]:
    chosen = set(atoms)
    return [b.GetIdx() for b in mol.GetBonds() if b.GetBeginAtomIdx() in chosen and b.GetEndAtomIdx() in chosen]


def _draw(drawer: rdMolDraw2D.MolDraw2D, mol: Chem.Mol, highlight: Sequence[int], legend: str) -> None:
    prepared = _prepared(mol)
    highlight = [i for i in highlight if 0 <= i < prepared.GetNumAtoms()]
    drawer.DrawMolecule(
        prepared,
        legend=legend,
        highlightAtoms=list(highlight),
        highlightBonds=_highlight_bonds(prepared, highlight),
    )
    drawer.FinishDrawing()


def to_svg(
    mol: Chem.Mol, *, size: tuple[int, int] = (350, 300), highlight: Sequence[int] = (), legend: str = ""
) -> str:
    """SVG text of ``mol``; ``highlight`` = atom indices to highlight (and the bonds between them)."""
    drawer = rdMolDraw2D.MolDraw2DSVG(*size)
    _draw(drawer, mol, highlight, legend)
    return drawer.GetDrawingText()


def to_png(
    mol: Chem.Mol, *, size: tuple[int, int] = (350, 300), highlight: Sequence[int] = (), legend: str = ""
) -> bytes:
    """PNG bytes of ``mol`` (Cairo renderer), with optional highlighted atoms and legend."""
    drawer = rdMolDraw2D.MolDraw2DCairo(*size)
    _draw(drawer, mol, highlight, legend)
    return drawer.GetDrawingText()


def grid(
    mols: Sequence[Chem.Mol],
    *,
    legends: Sequence[str] | None = None,
    highlights: Sequence[Sequence[int]] | None = None,
    per_row: int = 4,
    size: tuple[int, int] = (250, 200),
    svg: bool = True,
) -> str | bytes:
    """A grid picture of ``mols`` (SVG text, or PNG bytes with ``svg=False``), with legends and highlights."""
    prepared = [_prepared(m) for m in mols]
    return Draw.MolsToGridImage(
        prepared,
        molsPerRow=max(1, per_row),
        subImgSize=size,
        legends=list(legends) if legends is not None else None,
        highlightAtomLists=[list(h) for h in highlights] if highlights is not None else None,
        useSVG=svg,
        returnPNG=not svg,
    )
