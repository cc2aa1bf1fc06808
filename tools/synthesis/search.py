"""Multi-step route search: best-first over partial routes (Retro*-0 style), or plain breadth-first as a baseline.

A search state is a partial route: the steps taken so far and the molecules still to be made. Its cost is the
sum of step costs, -log(step score) + a small per-step penalty, plus a constant estimate (3.0) per molecule left
open (Retro*-0 with a flat value; 1.0 wandered into deep routes and solved fewer test targets). The cheapest state
is expanded next by making its largest open molecule with each of the single-step model's top-k suggestions.
Single-step results are cached per molecule, so a molecule met in many partial routes costs one model call. A
state with no open molecules is a solved route; solved routes are distinct by construction (different sets of steps).

Why not syntheseus or AiZynthFinder: both bring their own model wrappers and configuration layers, and the search
here must take our expansion model, stock, cancellation flag and progress callback as plain Python objects; the
whole algorithm is about 100 lines. The search runs in one process: the expensive part, rdchiral template
application, holds the GIL, and the benchmark (not the library) is where both cores are used, one target each.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from rdkit import Chem

from tools.synthesis.errors import InvalidLimits
from tools.synthesis.molecules import inchikey
from tools.synthesis.routes import MIN_SCORE, STEP_PENALTY, Route, SearchResult
from tools.synthesis.single_step import ExpansionModel, Suggestion
from tools.synthesis.stock import Stock


@dataclass(frozen=True)
class SearchLimits:
    time_limit_s: float = 60.0
    max_iterations: int = 2000
    max_depth: int = 6
    expansion_top_k: int = 10
    max_routes: int = 5
    min_step_score: float = 0.0

    def validate(self) -> None:
        if not 0 < self.time_limit_s <= 3600:
            raise InvalidLimits(f"The time limit must be between 0 and 3600 seconds, got {self.time_limit_s}.")
        if not 1 <= self.max_iterations <= 1_000_000:
            raise InvalidLimits(f"Iterations must be between 1 and 1,000,000, got {self.max_iterations}.")
        if not 1 <= self.max_depth <= 15:
            raise InvalidLimits(f"The maximum depth must be between 1 and 15 steps, got {self.max_depth}.")
        if not 1 <= self.expansion_top_k <= 100:
            raise InvalidLimits(f"Expansion top-k must be between 1 and 100, got {self.expansion_top_k}.")
        if not 1 <= self.max_routes <= 100:
            raise InvalidLimits(f"The number of routes must be between 1 and 100, got {self.max_routes}.")


@dataclass(frozen=True)
class SearchProgress:
    iterations: int
    expansions: int
    routes_found: int
    elapsed_s: float
    time_limit_s: float


OPEN_MOLECULE_COST = 3.0


def _step_cost(score: float) -> float:
    return -math.log(max(score, MIN_SCORE)) + STEP_PENALTY


def _heavy_atoms(smiles: str) -> int:
    mol = Chem.MolFromSmiles(smiles)
    return mol.GetNumHeavyAtoms() if mol is not None else 0


@dataclass(frozen=True)
class _State:
    cost: float  # path cost so far
    open: tuple[tuple[str, int], ...]  # (molecule, depth) still to be made, largest first
    steps: tuple[Suggestion, ...]


def search(
    target: str,
    model: ExpansionModel,
    stock: Stock,
    limits: SearchLimits | None = None,
    algorithm: str = "best-first",
    progress: Callable[[SearchProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SearchResult:
    """Search routes from ``target`` (canonical SMILES, already screened) down to ``stock``.

    Stops at the first of: ``limits.max_routes`` solved routes, the time limit, the iteration limit,
    ``should_stop()`` returning True, or no states left. The time limit is a deadline handed down to the single-step
    model as well, which stops applying templates once it passes; the search then uses the precursor sets that
    expansion found so far and stops with ``stop_reason == "time limit"`` and ``stopped_mid_expansion`` set. The
    overrun is one RDKit RunReactants call plus the bookkeeping of that last expansion (measured: 0.3 s past a 2 s
    limit for a 41-unit tert-butyl acrylate oligomer, 0.7 s past 5 s for a 61-unit one), not one whole expansion
    (13 s and 34 s for those two). The protecting-group check of the returned routes' steps then gets at most
    ``PROTECTION_CHECK_S`` (2 s) or a quarter of the time limit, whichever is shorter. ``algorithm`` is
    "best-first" or "breadth-first" (fewest steps first: the baseline).

    The target is never a starting material of its own routes, even when it is in ``stock`` (a chemist asking how
    to make a purchasable compound wants it made from other building blocks); the caller decides whether to search
    at all for a target in stock (Planner.search's ``stop_at_stock``).
    """
    limits = limits or SearchLimits()
    limits.validate()
    if algorithm not in ("best-first", "breadth-first"):
        raise InvalidLimits(f"Unknown search algorithm '{algorithm}': use best-first or breadth-first.")
    start = time.monotonic()
    deadline = start + limits.time_limit_s
    cache: dict[str, list[Suggestion]] = {}
    counter = itertools.count()
    solved: list[_State] = []
    seen_routes: set[frozenset[tuple[str, str]]] = set()
    best_partial: list[tuple[float, int, _State]] = []
    first_route_s: float | None = None
    iterations = 0
    stop_reason = "no more states"
    cut_short: str | None = None  # the molecule whose expansion the deadline interrupted
    size = {target: _heavy_atoms(target)}
    target_key = inchikey(target) or target

    def priority(state: _State) -> float:
        if algorithm == "breadth-first":
            return float(len(state.steps))
        return state.cost + OPEN_MOLECULE_COST * len(state.open)

    def report() -> None:
        if progress:
            progress(SearchProgress(iterations, len(cache), len(solved), time.monotonic() - start, limits.time_limit_s))

    root = _State(0.0, ((target, 0),), ())
    heap: list[tuple[float, int, _State]] = [(priority(root), next(counter), root)]
    while heap:
        if should_stop and should_stop():
            stop_reason = "stopped by the user"
            break
        if time.monotonic() >= deadline:
            stop_reason = "time limit"
            break
        if iterations >= limits.max_iterations:
            stop_reason = "iteration limit"
            break
        _, _, state = heapq.heappop(heap)
        iterations += 1
        (molecule, depth), rest = state.open[0], state.open[1:]
        if molecule not in cache:
            cache[molecule] = model.propose(molecule, limits.expansion_top_k, deadline=deadline)
            if time.monotonic() >= deadline:
                cut_short = molecule
        made_here = {s.product for s in state.steps} | {molecule}
        for suggestion in cache[molecule]:
            if suggestion.score < limits.min_step_score or made_here & set(suggestion.reactants):
                continue  # a step that needs its own product (or an ancestor) goes round in circles
            if any(inchikey(r) == target_key for r in suggestion.reactants):
                continue  # the target written another way (tautomer, charge form): never its own starting material
            new_open = list(rest)
            feasible = True
            for reactant in suggestion.reactants:
                if stock.in_stock(reactant) or any(reactant == m for m, _ in new_open):
                    continue
                if depth + 1 >= limits.max_depth:
                    feasible = False
                    break
                size.setdefault(reactant, _heavy_atoms(reactant))
                new_open.append((reactant, depth + 1))
            if not feasible:
                continue
            new_open.sort(key=lambda md: -size[md[0]])
            child = _State(state.cost + _step_cost(suggestion.score), tuple(new_open), (*state.steps, suggestion))
            if not child.open:
                key = frozenset((s.product, s.reactants_smiles) for s in child.steps)
                if key not in seen_routes:
                    seen_routes.add(key)
                    solved.append(child)
                    first_route_s = first_route_s if first_route_s is not None else time.monotonic() - start
                continue
            heapq.heappush(heap, (priority(child), next(counter), child))
            heapq.heappush(best_partial, (-priority(child), next(counter), child))
            if len(best_partial) > limits.max_routes:
                heapq.heappop(best_partial)
        report()
        if len(solved) >= limits.max_routes:
            stop_reason = "enough routes"
            break
        if cut_short is not None:
            stop_reason = "time limit"
            break

    elapsed = time.monotonic() - start
    solved.sort(key=lambda s: s.cost)
    chosen = solved[: limits.max_routes]
    if not chosen:  # show the most promising partial routes, their open leaves marked not in stock
        chosen = [s for _, _, s in sorted(best_partial, key=lambda t: -t[0])]
    routes = _with_protection(
        [_to_route(target, s, stock) for s in chosen], min(PROTECTION_CHECK_S, limits.time_limit_s / 4)
    )
    message = ""
    if cut_short is not None and stop_reason == "time limit":
        where = "the target" if cut_short == target else "an intermediate"
        message = f"The time limit ({limits.time_limit_s:g} s) was reached while applying templates to {where}; "
        if solved:
            message += "the routes found until then are shown."
        elif routes:
            message += "no route down to stock yet; the best partial routes found until then are shown."
        else:
            message += "no precursors were found before it. Give the search more time."
    elif not cache.get(target) and iterations:
        message = f"No template in the library applies to {target}."
    elif not solved:
        message = f"No route down to stock found ({stop_reason}); the best partial routes are shown."
    return SearchResult(
        target=target,
        routes=routes,
        solved=bool(solved),
        iterations=iterations,
        expansions=len(cache),
        elapsed_s=elapsed,
        first_route_s=first_route_s,
        stop_reason=stop_reason,
        message=message,
        stopped_mid_expansion=cut_short is not None and stop_reason == "time limit",
        algorithm=algorithm,
        model=getattr(model, "name", type(model).__name__),
    )


def _to_route(target: str, state: _State, stock: Stock) -> Route:
    made = {s.product for s in state.steps}
    leaves = {r: stock.lookup(r) for s in state.steps for r in s.reactants if r not in made}
    for molecule, _ in state.open:
        leaves[molecule] = None
    if not state.steps:
        leaves = {target: stock.lookup(target)}
    return Route(target=target, steps=state.steps, leaves=leaves, score=math.exp(-state.cost))


# Time for the protecting-group check of all the routes a search returns, on top of its time limit (at most a
# quarter of it): a few milliseconds per step for drug-sized molecules, but tens of seconds for a 41-unit oligomer;
# a step it does not reach stays unjudged (protection None) and never holds the answer back.
PROTECTION_CHECK_S = 2.0


def _with_protection(routes: list[Route], budget_s: float) -> list[Route]:
    """The routes with each step's protecting-group flags (tools.synthesis.protection), a step shared by several
    routes checked once."""
    deadline = time.monotonic() + budget_s
    checked: dict[tuple[int, str, tuple[str, ...]], Suggestion] = {}
    out = []
    for route in routes:
        steps = []
        for step in route.steps:
            key = (step.template_id, step.product, step.reactants)
            if key not in checked:
                checked[key] = step.with_protection_check(deadline)
            steps.append(replace(step, protection=checked[key].protection))
        out.append(replace(route, steps=tuple(steps)))
    return out
