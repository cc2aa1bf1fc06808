"""One result type for every searcher in the side-by-side benchmark, and chemassist's own search in it."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from tools.synthesis.molecules import canonical
from tools.synthesis.search import SearchLimits, search
from tools.synthesis.single_step import ExpansionModel
from tools.synthesis.stock import Stock

# A route as a set of reactions (product, sorted reactants joined by "."), canonical SMILES: two searchers' routes
# compare equal when they make the same molecules from the same precursors, whatever their tree layout.
RouteKey = frozenset[tuple[str, str]]


def _canon(smiles: str) -> str:
    return canonical(smiles) or smiles


def route_key(reactions: Iterable[tuple[str, Iterable[str]]]) -> RouteKey:
    """The route's reactions as a frozenset of (product, "reactant.reactant") in canonical SMILES."""
    return frozenset((_canon(p), ".".join(sorted(_canon(r) for r in rs))) for p, rs in reactions)


@dataclass
class PeerResult:
    """What one searcher did on one target: solved or not, seconds to its first solved route (None when
    unsolved), wall seconds in all, and its distinct solved routes (at most the cap asked for), best first."""

    searcher: str
    target: str
    solved: bool
    first_route_s: float | None
    elapsed_s: float
    routes: list[RouteKey] = field(default_factory=list)

    @property
    def n_routes(self) -> int:
        return len(self.routes)

    @property
    def steps(self) -> int | None:
        """Reactions in the searcher's top-ranked solved route."""
        return len(self.routes[0]) if self.routes else None

    def to_dict(self) -> dict:
        return {
            "searcher": self.searcher,
            "target": self.target,
            "solved": self.solved,
            "first_route_s": None if self.first_route_s is None else round(self.first_route_s, 3),
            "elapsed_s": round(self.elapsed_s, 3),
            "n_routes": self.n_routes,
            "steps": self.steps,
        }


def distinct(routes: Iterable[RouteKey], cap: int) -> list[RouteKey]:
    """Routes in order, duplicates dropped, at most ``cap``."""
    out: list[RouteKey] = []
    for r in routes:
        if r and r not in out:
            out.append(r)
        if len(out) >= cap:
            break
    return out


def chemassist_search(target: str, model: ExpansionModel, stock: Stock, limits: SearchLimits) -> PeerResult:
    """chemassist's best-first search (tools.synthesis.search), reported like the peers."""
    start = time.monotonic()
    r = search(target, model, stock, limits)
    elapsed = time.monotonic() - start
    routes = [route_key((s.product, s.reactants) for s in route.steps) for route in r.routes] if r.solved else []
    return PeerResult("chemassist best-first", target, r.solved, r.first_route_s, elapsed, distinct(routes, 100))
