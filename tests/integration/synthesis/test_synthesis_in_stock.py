"""Issue 19: a chemist asking how to make a compound that can be bought gets routes from other building blocks
(the target never its own starting material) with the stock it can be bought from; the stop option keeps the old
answer. Runs the shipped planner (template classifier, USPTO-50k stock), the agent tool, its answer and the CLI."""

import pytest
from typer.testing import CliRunner

from agents import answers
from agents.synthesis_tool import plan_synthesis
from agents.toolkit import ToolContext
from tools.synthesis import Planner, SearchLimits
from tools.synthesis.molecules import inchikey

pytestmark = pytest.mark.slow  # loads the template library and the classifier (a few seconds)

PARACETAMOL = "CC(=O)Nc1ccc(O)cc1"
ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
LIMITS = SearchLimits(time_limit_s=30, max_routes=5)


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner.default()


@pytest.fixture(scope="module")
def paracetamol(planner: Planner):
    return planner.search(PARACETAMOL, LIMITS)


def _leaf_keys(route) -> set[str]:
    return {inchikey(leaf) for leaf in route.leaves}


@pytest.mark.parametrize(
    ("target", "building_block"),
    [(PARACETAMOL, "Nc1ccc(O)cc1"), (ASPIRIN, "O=C(O)c1ccccc1O")],  # 4-aminophenol, salicylic acid
)
def test_a_purchasable_drug_gets_routes_from_other_building_blocks(planner: Planner, target, building_block) -> None:
    result = planner.search(target, LIMITS)
    assert result.target_in_stock and result.target_stock_source == "uspto50k" and result.solved
    assert all(inchikey(target) not in _leaf_keys(route) for route in result.routes)
    best = result.routes[0]
    assert best.solved and len(best.leaves) >= 2 and building_block in best.leaves
    assert "already in stock (uspto50k), so it can be bought" in result.message


def test_stop_at_stock_gives_the_old_answer(planner: Planner) -> None:
    result = planner.search(PARACETAMOL, LIMITS, stop_at_stock=True)
    assert (result.routes, result.stopped_at_stock, result.stop_reason) == ([], True, "target in stock")
    assert result.message == "CC(=O)Nc1ccc(O)cc1 is already in stock (uspto50k): nothing to plan."


def test_a_step_names_its_class_generality_and_patent_precedents(paracetamol) -> None:
    step = paracetamol.routes[0].to_dict()["steps"][0]
    assert step["reactants"] == ["CC(=O)OC(C)=O", "Nc1ccc(O)cc1"]
    assert (step["reaction_class"], step["reaction_class_name"]) == (2, "acylation and related processes")
    assert step["template_count"] == 40 and not step["rare_template"]
    assert step["patents"] and all(
        p["patent"].startswith("US") and ">>" in p["reaction_smiles"] for p in step["patents"]
    )


def test_a_route_shows_its_length_shape_and_score_parts(paracetamol) -> None:
    route = paracetamol.routes[0].to_dict()
    parts = route["score_parts"]
    assert (route["n_steps"], route["longest_linear_sequence"], route["convergent"]) == (1, 1, False)
    assert parts["score"] == pytest.approx(route["score"], abs=1e-3)
    assert parts["score"] == pytest.approx(parts["product_of_step_scores"] * parts["length_penalty"], abs=1e-3)
    assert all(leaf["source"] == "uspto50k" for leaf in route["leaves"])


def test_the_agent_tool_reads_a_drug_name_and_its_answer_says_both(planner: Planner) -> None:
    ctx = ToolContext(synthesis_time_limit_s=30, planner_provider=lambda: planner)
    result = plan_synthesis("acetaminophen", ctx)
    text = answers.synthesis(result)
    assert result["target_in_stock"] and result["routes"]
    assert "can also be bought: it is in stock (USPTO-50k stock)" in text
    assert "`CC(=O)OC(C)=O` + `Nc1ccc(O)cc1` → `CC(=O)Nc1ccc(O)cc1`" in text and "acylation" in text
    assert "nothing to plan" not in text and text.count("in stock (USPTO-50k stock)") == 1


def test_the_agent_tool_can_stop_at_stock_and_says_so_once(planner: Planner) -> None:
    ctx = ToolContext(synthesis_time_limit_s=30, planner_provider=lambda: planner)
    text = answers.synthesis(plan_synthesis("paracetamol", ctx, stop_at_stock=True))
    assert (
        text
        == "`CC(=O)Nc1ccc(O)cc1` is already a building block in stock (USPTO-50k stock), so there is nothing to plan."
    )


def test_the_cli_plans_a_purchasable_target_by_name_unless_told_to_stop(tmp_path, monkeypatch) -> None:
    from app.cli.retro import cli
    from app.services import synthesis as service
    from app.settings import reset_settings_cache

    monkeypatch.setenv("CHEMASSIST_DATA_DIR", str(tmp_path / "var"))
    reset_settings_cache()
    service.reset_planners()
    try:
        routed = CliRunner().invoke(cli, ["aspirin", "-t", "30", "--routes", "2"], terminal_width=200)
        stopped = CliRunner().invoke(cli, ["aspirin", "--stop-at-stock"], terminal_width=200)
    finally:
        reset_settings_cache()
        service.reset_planners()
    assert routed.exit_code == 0 and "so it can be bought" in routed.output
    assert "O=C(O)c1ccccc1O" in routed.output and "longest linear sequence 1" in routed.output
    assert "starting material CC(=O)Cl: USPTO-50k stock" in routed.output
    assert stopped.exit_code == 0 and "nothing to plan" in stopped.output and "Route 1" not in stopped.output


def test_the_class_predictor_is_right_on_templates_it_never_saw() -> None:
    import pandas as pd

    from tools.synthesis.library import DATA_DIR
    from tools.synthesis.reaction_classes import evaluate

    valid = pd.read_csv(DATA_DIR / "patent_reactions.csv.gz").dropna(subset=["reaction_class"])  # USPTO-50k valid
    result = evaluate(valid.sample(1500, random_state=0), folds=3)
    assert result.accuracy > 0.85 and result.confident_accuracy > 0.95  # PROVENANCE.md: 93.7% and 98.6% on all
