"""Routes as returned by the search: ordered steps plus the tree view, exportable as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tools.synthesis.single_step import Suggestion
from tools.synthesis.stock import StockHit


@dataclass(frozen=True)
class Route:
    """A synthesis route for ``target``: steps from the target down, and every leaf with its stock status."""

    target: str
    steps: tuple[Suggestion, ...]
    leaves: dict[str, StockHit | None]
    score: float

    @property
    def solved(self) -> bool:
        return all(hit is not None for hit in self.leaves.values())

    @property
    def n_steps(self) -> int:
        return len(self.steps)

    @property
    def depth(self) -> int:
        made_by = {s.product: s for s in self.steps}

        def depth_of(smiles: str) -> int:
            step = made_by.get(smiles)
            return 0 if step is None else 1 + max(depth_of(r) for r in step.reactants)

        return depth_of(self.target)

    def tree(self) -> dict[str, Any]:
        """Nested molecule -> reaction -> molecules dict (AiZynthFinder's route-dict shape)."""
        made_by = {s.product: s for s in self.steps}

        def node(smiles: str) -> dict[str, Any]:
            step = made_by.get(smiles)
            hit = self.leaves.get(smiles)
            out: dict[str, Any] = {"type": "mol", "smiles": smiles}
            if step is None:
                out |= {"in_stock": hit is not None, "stock_source": hit.source if hit else None}
                if hit and hit.name:
                    out["stock_name"] = hit.name
                return out
            reaction = {
                "type": "reaction",
                "template_id": step.template_id,
                "reaction_class": step.reaction_class,
                "score": round(step.score, 4),
                "children": [node(r) for r in step.reactants],
            }
            return out | {"in_stock": False, "children": [reaction]}

        return node(self.target)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "solved": self.solved,
            "score": round(self.score, 4),
            "n_steps": self.n_steps,
            "depth": self.depth,
            "steps": [s.to_dict() for s in self.steps],
            "leaves": [
                {"smiles": smi, "in_stock": hit is not None, "source": hit.source if hit else None}
                | ({"name": hit.name} if hit and hit.name else {})
                for smi, hit in self.leaves.items()
            ],
            "tree": self.tree(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


@dataclass
class SearchResult:
    """What a search returns; ``message`` explains the outcome in words (already in stock, nothing applies...).
    ``stopped_mid_expansion``: the time limit interrupted a single-step expansion, whose precursor sets so far
    were kept (``stop_reason`` is then "time limit")."""

    target: str
    routes: list[Route]
    solved: bool
    iterations: int
    expansions: int
    elapsed_s: float
    first_route_s: float | None
    stop_reason: str
    message: str = ""
    stopped_mid_expansion: bool = False
    target_in_stock: bool = False
    algorithm: str = "best-first"
    model: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def time_limited(self) -> bool:
        """Whether the time limit ended the search (routes, if any, are those found by then)."""
        return self.stop_reason == "time limit"

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "solved": self.solved,
            "target_in_stock": self.target_in_stock,
            "message": self.message,
            "stop_reason": self.stop_reason,
            "time_limited": self.time_limited,
            "stopped_mid_expansion": self.stopped_mid_expansion,
            "algorithm": self.algorithm,
            "model": self.model,
            "iterations": self.iterations,
            "expansions": self.expansions,
            "elapsed_s": round(self.elapsed_s, 3),
            "first_route_s": round(self.first_route_s, 3) if self.first_route_s is not None else None,
            "routes": [r.to_dict() for r in self.routes],
        }
