"""AiZynthFinder's MCTS on chemassist's expansion model and stock.

The model is wrapped as an ``ExpansionStrategy`` (its suggestions become ``SmilesBasedRetroReaction`` actions, the
model score the prior) and the stock as a ``StockQueryMixin`` (chemassist's own InChIKey lookup), so AiZynthFinder
searches exactly the single steps and building blocks chemassist's search sees. AiZynthFinder checks its time limit
between iterations, so the wrapper hands the same deadline to the model that chemassist's search does: neither can
overrun by a whole slow expansion.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from rdchiral import template_extractor

# AiZynthFinder imports rxnutils, which replaces rdchiral.template_extractor.get_special_groups for the whole
# process at import; chemassist's own template extraction (tools/synthesis/extraction.py) must keep rdchiral's.
_RDCHIRAL_SPECIAL_GROUPS = template_extractor.get_special_groups

from aizynthfinder.aizynthfinder import AiZynthFinder  # noqa: E402
from aizynthfinder.chem import SmilesBasedRetroReaction  # noqa: E402
from aizynthfinder.context.policy import ExpansionStrategy  # noqa: E402
from aizynthfinder.context.stock.queries import StockQueryMixin  # noqa: E402

from tools.synthesis.peers.common import PeerResult, distinct, route_key  # noqa: E402
from tools.synthesis.search import SearchLimits  # noqa: E402
from tools.synthesis.single_step import ExpansionModel, Suggestion  # noqa: E402
from tools.synthesis.stock import Stock  # noqa: E402

template_extractor.get_special_groups = _RDCHIRAL_SPECIAL_GROUPS

KEY = "chemassist"


class ChemassistExpansion(ExpansionStrategy):
    """chemassist's single-step model as an AiZynthFinder expansion policy; results cached per molecule and
    search, like chemassist's own search caches them."""

    def __init__(self, key: str, config: Any, model: ExpansionModel, top_k: int) -> None:
        super().__init__(key, config)
        self.model = model
        self.top_k = top_k
        self.deadline: float | None = None
        self._cache: dict[str, list[Suggestion]] = {}

    def get_actions(self, molecules: Sequence[Any], cache_molecules: Sequence[Any] | None = None) -> tuple[list, list]:
        actions: list = []
        priors: list[float] = []
        for mol in molecules:
            if mol.smiles not in self._cache:
                self._cache[mol.smiles] = self.model.propose(mol.smiles, self.top_k, deadline=self.deadline)
            for s in self._cache[mol.smiles]:
                metadata = {"policy_probability": s.score, "policy_name": self.key, "template_code": s.template_id}
                actions.append(SmilesBasedRetroReaction(mol, metadata=metadata, reactants_str=s.reactants_smiles))
                priors.append(s.score)
        return actions, priors

    def reset_cache(self) -> None:
        self._cache.clear()


class ChemassistStock(StockQueryMixin):
    """chemassist's stock as an AiZynthFinder stock query (the same InChIKey sets and lookup)."""

    def __init__(self, stock: Stock) -> None:
        self.stock = stock

    def __len__(self) -> int:
        return len(self.stock)

    def __contains__(self, mol: Any) -> bool:
        return self.stock.in_stock(mol.smiles)


def finder(model: ExpansionModel, stock: Stock, limits: SearchLimits) -> AiZynthFinder:
    """An AiZynthFinder with chemassist's model and stock loaded and selected, MCTS with its default settings
    (C 1.4, priors from the model), ``limits``' depth and time limit; iterations bounded by time only."""
    config = {
        "search": {
            "algorithm": "mcts",
            "max_transforms": limits.max_depth,
            "time_limit": limits.time_limit_s,
            "iteration_limit": 10**9,
            "return_first": limits.max_routes == 1,  # as chemassist stops at max_routes
            "exclude_target_from_stock": True,
        },
        "post_processing": {"all_routes": True, "max_routes": 10**6, "min_routes": 1},
    }
    f = AiZynthFinder(configdict=config)
    f.expansion_policy.load(ChemassistExpansion(KEY, f.config, model, limits.expansion_top_k))
    f.expansion_policy.select(KEY)
    f.stock.load(ChemassistStock(stock), KEY)
    f.stock.select(KEY)
    return f


def aizynth_search(target: str, model: ExpansionModel, stock: Stock, limits: SearchLimits) -> PeerResult:
    """AiZynthFinder MCTS from ``target`` to ``stock``; up to ``limits.max_routes`` distinct solved routes, best
    (AiZynthFinder's state score) first. MCTS runs to the time limit, or to its first solved route when
    ``limits.max_routes`` is 1."""
    f = finder(model, stock, limits)
    f.target_smiles = target
    f.prepare_tree()
    start = time.monotonic()
    f.expansion_policy[KEY].deadline = start + limits.time_limit_s
    f.tree_search()
    elapsed = time.monotonic() - start
    first = f.search_stats.get("first_solution_time")
    f.build_routes()
    solved = [rt for rt in f.routes.reaction_trees if rt.is_solved]
    keys = [route_key((r.mol.smiles, [m.smiles for m in r.reactants[0]]) for r in rt.reactions()) for rt in solved]
    routes = distinct(keys, limits.max_routes)
    return PeerResult("AiZynthFinder MCTS", target, first is not None, first, elapsed, routes)
