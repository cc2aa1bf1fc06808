"""The peer searches (AiZynthFinder MCTS, syntheseus Retro* and MCTS) run on chemassist's shipped classifier and
stock and find real routes on two easy held-out test products, as chemassist's own search does."""

import pytest

from tools.synthesis import Planner, SearchLimits, Stock
from tools.synthesis.peers import PeerResult, chemassist_search, route_key
from tools.synthesis.peers.aizynth import aizynth_search
from tools.synthesis.peers.syntheseus_search import syntheseus_search

# USPTO-50k test products, neither in the shipped stock; each of the four searches solved them in one and two steps
# within a few seconds on the loaded benchmark machine (benchmarks/synthesis_peers.py).
EASY = ["NC(=S)NC(=S)Nc1ccccc1", "CC(C)(C)OC(=O)N1CCN(Cc2ccc(N)cc2)CC1"]
LIMITS = SearchLimits(time_limit_s=20, max_routes=1, expansion_top_k=10, max_depth=6)


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner.default()


def _aizynth(target: str, planner: Planner, limits: SearchLimits) -> PeerResult:
    return aizynth_search(target, planner.model, planner.stock, limits)


def _retro_star(target: str, planner: Planner, limits: SearchLimits) -> PeerResult:
    return syntheseus_search(target, planner.model, planner.stock, limits, "retro*")


def _mcts(target: str, planner: Planner, limits: SearchLimits) -> PeerResult:
    return syntheseus_search(target, planner.model, planner.stock, limits, "mcts")


def _chemassist(target: str, planner: Planner, limits: SearchLimits) -> PeerResult:
    return chemassist_search(target, planner.model, planner.stock, limits)


PEERS = [_aizynth, _retro_star, _mcts, _chemassist]


def _leaves(route: frozenset[tuple[str, str]]) -> set[str]:
    made = {product for product, _ in route}
    return {r for _, reactants in route for r in reactants.split(".")} - made


@pytest.mark.parametrize("target", EASY)
@pytest.mark.parametrize("peer", PEERS, ids=lambda f: f.__name__.strip("_"))
def test_peer_finds_a_route_down_to_the_chemassist_stock(peer, target: str, planner: Planner) -> None:
    result = peer(target, planner, LIMITS)

    assert result.solved and result.routes, f"{result.searcher} found no route for {target}"
    route = result.routes[0]
    products = {product for product, _ in route}
    assert target in products  # the route makes the target itself...
    assert all(planner.stock.in_stock(leaf) for leaf in _leaves(route))  # ...from building blocks in stock
    assert result.first_route_s is not None and result.first_route_s <= result.elapsed_s


@pytest.mark.parametrize("peer", PEERS, ids=lambda f: f.__name__.strip("_"))
def test_peer_finds_nothing_when_the_stock_lacks_the_building_blocks(peer, planner: Planner) -> None:
    empty = Planner(planner.library, planner.model, Stock.from_smiles(["O"]))

    result = peer(EASY[0], empty, SearchLimits(time_limit_s=2, max_routes=1, max_depth=2))

    assert not result.solved and result.first_route_s is None and result.routes == []


def test_route_key_ignores_how_the_smiles_are_written() -> None:
    assert route_key([("OCC", ["C(=O)O", "CC"])]) == route_key([("CCO", ["CC", "OC=O"])])


def test_running_aizynthfinder_leaves_chemassists_template_extraction_alone(planner: Planner) -> None:
    # rxnutils (imported by AiZynthFinder) replaces rdchiral's special-group rule for the whole process; extracted
    # templates then carry whole rings and no longer match the shipped ones (a unit test caught it in the full run)
    from tests.unit.synthesis.test_synthesis_templates import BENZYLATION
    from tools.synthesis.extraction import extract_template

    _aizynth(EASY[0], planner, LIMITS)
    assert extract_template(BENZYLATION) == (
        "[C:3]-[O&H0&D2&+0:4]-[C&H2&D2&+0:1]-[c:2]>>Br-[C&H2&D2&+0:1]-[c:2].[C:3]-[O&H1&D1&+0:4]"
    )
