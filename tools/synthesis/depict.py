"""Reaction diagrams for route steps: SVG via RDKit's MolDraw2DSVG (no atom maps, product on the right)."""

from __future__ import annotations

from rdkit.Chem import AllChem, Draw

from tools.synthesis.routes import Route
from tools.synthesis.single_step import Suggestion


def step_svg(step: Suggestion, width: int = 700, height: int = 220) -> str:
    """SVG of one forward step, reactants >> product."""
    rxn = AllChem.ReactionFromSmarts(  # type: ignore[attr-defined]
        f"{step.reactants_smiles}>>{step.product}", useSmiles=True
    )
    drawer = Draw.rdMolDraw2D.MolDraw2DSVG(width, height)
    drawer.DrawReaction(rxn)
    drawer.FinishDrawing()
    return drawer.GetDrawingText()


def route_svgs(route: Route, width: int = 700, height: int = 220) -> list[str]:
    """One SVG per step, in the route's order (target first)."""
    return [step_svg(s, width, height) for s in route.steps]
