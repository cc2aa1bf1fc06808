"""Single-step suggestions and multi-step route search on the shipped USPTO-50k library (RetroSim model)."""

import threading

import pandas as pd
import pytest

from tools.synthesis import (
    InvalidLimits,
    InvalidSmiles,
    Planner,
    SafetyVerdict,
    SearchLimits,
    SimilarityModel,
    Stock,
    TargetRefused,
    TemplateLibrary,
)
from tools.synthesis.depict import step_svg
from tools.synthesis.library import DATA_DIR
from tools.synthesis.molecules import canonical

pytestmark = pytest.mark.slow  # loads the library and fingerprints 40k training products (about 6 s)

TINY_STOCK = ["CC(=O)Cl", "CC(=O)OC(C)=O", "Nc1ccc(O)cc1", "BrCc1ccccc1"]


@pytest.fixture(scope="module")
def library() -> TemplateLibrary:
    return TemplateLibrary.load()


@pytest.fixture(scope="module")
def model(library: TemplateLibrary) -> SimilarityModel:
    return SimilarityModel(library)


@pytest.fixture(scope="module")
def planner(library: TemplateLibrary, model: SimilarityModel) -> Planner:
    return Planner(library, model, Stock.default())


@pytest.fixture(scope="module")
def tiny(library: TemplateLibrary, model: SimilarityModel) -> Planner:
    return Planner(library, model, Stock.from_smiles(TINY_STOCK))


def test_acetanilide_comes_from_an_acetylating_agent_and_aniline(planner: Planner) -> None:
    result = planner.single_step("CC(=O)Nc1ccccc1", top_k=10)
    precursor_sets = {s.reactants_smiles for s in result.suggestions}
    assert {"CC(=O)Cl.Nc1ccccc1", "CC(=O)OC(C)=O.Nc1ccccc1"} <= precursor_sets


def test_a_suggestion_carries_template_class_and_precedents(planner: Planner) -> None:
    top = planner.single_step("CCOC(=O)c1ccccc1", top_k=5).suggestions[0]
    assert top.template and top.reaction_class and top.precedents[0].id.startswith("USPTO50K-train-")


def test_training_reactions_round_trip_to_their_recorded_reactants(planner: Planner) -> None:
    train = pd.read_csv(DATA_DIR / "train_reactions.csv.gz", nrows=200)
    unique = train[train.reactants_status == "unique"].head(5)
    found = [
        canonical(r) in {s.reactants_smiles for s in planner.single_step(p, top_k=10).suggestions}
        for p, r in zip(unique["product"], unique.reactants, strict=True)
    ]
    assert all(found)


def test_invalid_smiles_is_a_clear_error(planner: Planner) -> None:
    with pytest.raises(InvalidSmiles, match="not a valid SMILES"):
        planner.single_step("C1CC(", top_k=5)


def test_sarin_is_refused_before_any_planning(planner: Planner) -> None:
    with pytest.raises(TargetRefused, match="sarin"):
        planner.search("CC(C)OP(C)(=O)F", SearchLimits(time_limit_s=5))


def test_a_plugged_in_safety_screen_is_honoured(library: TemplateLibrary, model: SimilarityModel) -> None:
    strict = Planner(library, model, Stock(), safety_check=lambda smi: SafetyVerdict(True, "lab policy"))
    with pytest.raises(TargetRefused, match="lab policy"):
        strict.single_step("CCO")


def test_search_finds_the_two_step_route_to_benzyl_paracetamol_on_a_tiny_stock(tiny: Planner) -> None:
    result = tiny.search("CC(=O)Nc1ccc(OCc2ccccc2)cc1", SearchLimits(time_limit_s=30, max_routes=3))
    best = result.routes[0]
    assert result.solved and best.n_steps == 2 and set(best.leaves) <= {canonical(s) for s in TINY_STOCK}


def test_routes_are_distinct_and_export_as_json_trees(tiny: Planner) -> None:
    result = tiny.search("CC(=O)Nc1ccc(OCc2ccccc2)cc1", SearchLimits(time_limit_s=30, max_routes=3))
    step_sets = {frozenset((s.product, s.reactants_smiles) for s in r.steps) for r in result.routes}
    tree = result.to_dict()["routes"][0]["tree"]
    assert len(step_sets) == len(result.routes) > 1 and tree["children"][0]["type"] == "reaction"


def test_search_returns_within_its_time_limit_when_stock_is_empty(library, model) -> None:  # noqa: ANN001
    hopeless = Planner(library, model, Stock())
    result = hopeless.search("CC(=O)Nc1ccc(OCc2ccccc2)cc1C(=O)N1CCOCC1", SearchLimits(time_limit_s=1.0))
    assert not result.solved and result.stop_reason == "time limit" and result.routes[0].leaves


def test_a_stop_flag_ends_the_search(tiny: Planner) -> None:
    stop = threading.Event()
    stop.set()
    result = tiny.search("CC(=O)Nc1ccc(OCc2ccccc2)cc1", should_stop=stop.is_set)
    assert result.stop_reason == "stopped by the user" and result.iterations == 0


def test_progress_is_reported(tiny: Planner) -> None:
    seen = []
    tiny.search("CC(=O)Nc1ccc(OCc2ccccc2)cc1", SearchLimits(time_limit_s=10, max_routes=1), progress=seen.append)
    assert seen and seen[-1].iterations >= 1


def test_target_already_in_stock_says_so_when_asked_to_stop_there(tiny: Planner) -> None:
    result = tiny.search("Nc1ccc(O)cc1", stop_at_stock=True)
    assert result.target_in_stock and not result.routes and "already in stock" in result.message


def test_target_in_stock_is_made_from_the_rest_of_the_stock(tiny: Planner) -> None:
    result = tiny.search("CC(=O)Nc1ccc(O)cc1", SearchLimits(time_limit_s=20, max_routes=2))
    assert not result.target_in_stock and result.solved  # paracetamol is not on the tiny shelf: a plain search
    in_stock = Planner(tiny.library, tiny.model, Stock.from_smiles([*TINY_STOCK, "CC(=O)Nc1ccc(O)cc1"]))
    result = in_stock.search("CC(=O)Nc1ccc(O)cc1", SearchLimits(time_limit_s=20, max_routes=2))
    assert result.target_in_stock and result.target_stock_source == "custom"
    assert {"CC(=O)OC(C)=O", "Nc1ccc(O)cc1"} in [set(r.leaves) for r in result.routes]


def test_absurd_limits_are_refused(tiny: Planner) -> None:
    with pytest.raises(InvalidLimits, match="time limit"):
        tiny.search("CCO", SearchLimits(time_limit_s=-1))


def test_each_step_draws_as_svg(planner: Planner) -> None:
    suggestion = planner.single_step("CC(=O)Nc1ccccc1", top_k=1).suggestions[0]
    assert step_svg(suggestion).lstrip().startswith("<?xml")
