"""syntheseus's Retro* and MCTS on chemassist's expansion model and stock.

The model is wrapped as a ``BackwardReactionModel`` (suggestion score -> reaction ``probability``, which Retro*'s
cost -log p and MCTS's policy read) and the stock as a ``BaseMolInventory`` (chemassist's own InChIKey lookup, the
target excluded as chemassist and AiZynthFinder exclude it). Settings are syntheseus's own CLI defaults (Retro*-0:
constant value 0; MCTS: value 0.5, reward "has solution", PUCB with constant 1, policy from the model's
probabilities), with chemassist's depth, top-k and time limit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from syntheseus.interface.bag import Bag
from syntheseus.interface.models import BackwardReactionModel
from syntheseus.interface.molecule import Molecule
from syntheseus.interface.reaction import SingleProductReaction
from syntheseus.search.algorithms.best_first.retro_star import RetroStarSearch
from syntheseus.search.algorithms.mcts.base import pucb_bound
from syntheseus.search.algorithms.mcts.molset import MolSetMCTS
from syntheseus.search.analysis.route_extraction import iter_routes_cost_order, iter_routes_time_order
from syntheseus.search.analysis.solution_time import get_first_solution_time
from syntheseus.search.mol_inventory import BaseMolInventory
from syntheseus.search.node_evaluation.common import (
    ConstantNodeEvaluator,
    HasSolutionValueFunction,
    ReactionModelLogProbCost,
    ReactionModelProbPolicy,
)

from tools.synthesis.molecules import inchikey
from tools.synthesis.peers.common import PeerResult, distinct, route_key
from tools.synthesis.search import SearchLimits
from tools.synthesis.single_step import ExpansionModel
from tools.synthesis.stock import Stock

ALGORITHMS = ("retro*", "mcts")


class ChemassistBackwardModel(BackwardReactionModel):
    """chemassist's single-step model as a syntheseus backward model (cached per molecule, like chemassist's
    search); ``deadline`` (time.monotonic()) is handed to the model as chemassist's search hands it."""

    def __init__(self, model: ExpansionModel, **kwargs: Any) -> None:
        super().__init__(use_cache=True, **kwargs)
        self.model = model
        self.deadline: float | None = None

    def _get_reactions(self, inputs: list[Molecule], num_results: int) -> list[Sequence[SingleProductReaction]]:
        out: list[Sequence[SingleProductReaction]] = []
        for mol in inputs:
            suggestions = self.model.propose(mol.smiles, num_results, deadline=self.deadline)
            out.append(
                [
                    SingleProductReaction(
                        product=mol,
                        reactants=Bag([Molecule(r) for r in s.reactants]),
                        metadata={"probability": max(min(s.score, 1.0), 1e-10), "template_id": s.template_id},
                    )
                    for s in suggestions
                ]
            )
        return out

    def get_parameters(self) -> list:
        return []


class ChemassistInventory(BaseMolInventory):
    """chemassist's stock as a syntheseus inventory; molecules with an InChIKey in ``excluded`` are not in it."""

    def __init__(self, stock: Stock, excluded: set[str] | None = None) -> None:
        self.stock = stock
        self.excluded = excluded or set()

    def is_purchasable(self, mol: Molecule) -> bool:
        return self.stock.in_stock(mol.smiles) and inchikey(mol.smiles) not in self.excluded


def _algorithm(name: str, model: ChemassistBackwardModel, inventory: ChemassistInventory, limits: SearchLimits) -> Any:
    common: dict[str, Any] = {
        "reaction_model": model,
        "mol_inventory": inventory,
        "time_limit_s": limits.time_limit_s,
        "max_expansion_depth": limits.max_depth,
        "limit_iterations": 10**9,
        "prevent_repeat_mol_in_trees": True,  # chemassist and AiZynthFinder prune cycles too
        "stop_on_first_solution": limits.max_routes == 1,  # as chemassist stops at max_routes
    }
    if name == "retro*":
        return RetroStarSearch(
            value_function=ConstantNodeEvaluator(0.0), and_node_cost_fn=ReactionModelLogProbCost(), **common
        )
    if name == "mcts":
        # typed for AND/OR and MolSet nodes alike; syntheseus's annotation names only the first
        policy: Any = ReactionModelProbPolicy()
        return MolSetMCTS(
            value_function=ConstantNodeEvaluator(0.5),
            reward_function=HasSolutionValueFunction(),
            policy=policy,
            bound_function=pucb_bound,
            bound_constant=1.0,
            **common,
        )
    raise ValueError(f"Unknown syntheseus algorithm '{name}': use one of {', '.join(ALGORITHMS)}.")


def syntheseus_search(
    target: str, model: ExpansionModel, stock: Stock, limits: SearchLimits, algorithm: str = "retro*"
) -> PeerResult:
    """syntheseus ``algorithm`` ("retro*" or "mcts") from ``target`` to ``stock``; up to ``limits.max_routes``
    distinct solved routes (Retro*: cheapest, sum of -log p, first; MCTS: in the order found). The search runs to
    the time limit, or to its first solved route when ``limits.max_routes`` is 1."""
    wrapped = ChemassistBackwardModel(model, default_num_results=limits.expansion_top_k)
    inventory = ChemassistInventory(stock, {k} if (k := inchikey(target)) else set())
    alg = _algorithm(algorithm, wrapped, inventory, limits)
    start = time.monotonic()
    wrapped.deadline = start + limits.time_limit_s
    graph, _ = alg.run_from_mol(Molecule(target))
    elapsed = time.monotonic() - start
    solved = bool(graph.root_node.has_solution)
    first = None
    routes = []
    if solved:
        for node in graph.nodes():
            node.data["analysis_time"] = (node.creation_time - graph.root_node.creation_time).total_seconds()
        first = float(get_first_solution_time(graph))
        found = iter_routes_cost_order(graph, max_routes=limits.max_routes * 4, max_time_s=5.0)
        if algorithm == "mcts":  # MolSet routes carry no additive cost; take them in the order they were made
            found = iter_routes_time_order(graph, max_routes=limits.max_routes * 4, max_time_s=5.0)
        keys = []
        for nodes in found:
            synthesis_graph = graph.to_synthesis_graph(nodes)
            keys.append(route_key((r.product.smiles, [m.smiles for m in r.reactants]) for r in synthesis_graph.nodes()))
        routes = distinct(keys, limits.max_routes)
    name = "syntheseus Retro*" if algorithm == "retro*" else "syntheseus MCTS"
    return PeerResult(name, target, solved, first, elapsed, routes)
