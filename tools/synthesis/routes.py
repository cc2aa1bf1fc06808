"""Routes as returned by the search: ordered steps plus the tree view, exportable as JSON, with what a chemist
judges a route by: steps, longest linear sequence, convergence, and the score broken into its parts."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from tools.synthesis.single_step import Suggestion
from tools.synthesis.stock import StockHit

# A route's score is exp(-cost), cost = sum over steps of (-log(step score) + STEP_PENALTY): the product of the step
# scores (each floored at MIN_SCORE) times exp(-STEP_PENALTY) per step; the search ranks partial routes by that cost.
STEP_PENALTY = 0.1
MIN_SCORE = 1e-3


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

    @property
    def longest_linear_sequence(self) -> int:
        """Steps on the longest path from a starting material to the target (the route's depth)."""
        return self.depth

    @property
    def convergent(self) -> bool:
        """Whether two or more branches are made separately and joined: more steps than the longest linear
        sequence (in a tree of steps that happens exactly when some step combines two made intermediates)."""
        return self.n_steps > self.longest_linear_sequence

    def score_parts(self) -> dict[str, Any]:
        """The score as the product it is: the step scores, their product, and the per-step length penalty."""
        scores = [max(s.score, MIN_SCORE) for s in self.steps]
        product = math.prod(scores)
        penalty = math.exp(-STEP_PENALTY * len(scores))
        return {
            "step_scores": [round(x, 4) for x in scores],
            "product_of_step_scores": round(product, 4),
            "length_penalty": round(penalty, 4),
            "length_penalty_per_step": round(math.exp(-STEP_PENALTY), 4),
            "score": round(product * penalty, 4),
        }

    def score_text(self) -> str:
        """'0.389 = 0.430 (step scores) × 0.905 (length penalty, 0.905 per step)'."""
        parts = self.score_parts()
        steps = " × ".join(f"{x:.3f}" for x in parts["step_scores"]) or "1"
        return (
            f"{parts['score']:.3f} = {steps} (step score{'s' if len(parts['step_scores']) != 1 else ''}) × "
            f"{parts['length_penalty']:.3f} (length penalty, {parts['length_penalty_per_step']:.3f} per step)"
        )

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
                "reaction_class_name": step.reaction_class_name,
                "reaction_class_source": step.reaction_class_source,
                "template_count": step.template_count,
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
            "longest_linear_sequence": self.longest_linear_sequence,
            "convergent": self.convergent,
            "score_parts": self.score_parts(),
            "score_text": self.score_text(),
            "rare_steps": sum(1 for s in self.steps if s.rare_template),
            "protection_steps": sum(1 for s in self.steps if s.protection),
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
    """What a search returns; ``message`` explains the outcome in words (also in stock, nothing applies...).
    ``stopped_mid_expansion``: the time limit interrupted a single-step expansion, whose precursor sets so far
    were kept (``stop_reason`` is then "time limit"). ``target_in_stock`` says the target can be bought
    (``target_stock_source`` says from which stock); its routes then make it from other building blocks, unless the
    search was asked to stop there (``stopped_at_stock``: no routes, the old answer)."""

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
    target_stock_source: str | None = None
    target_stock_name: str | None = None
    stopped_at_stock: bool = False
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
            "target_stock_source": self.target_stock_source,
            "target_stock_name": self.target_stock_name,
            "stopped_at_stock": self.stopped_at_stock,
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
