"""What a chemist judges a route by: longest linear sequence, convergence, the score's parts, rare templates; and
the target never a starting material of its own routes, even written as another tautomer."""

import math

from tools.synthesis import SearchLimits, Stock, Suggestion, search
from tools.synthesis.routes import STEP_PENALTY, Route


def _step(product: str, reactants: tuple[str, ...], score: float = 0.5, count: int = 10) -> Suggestion:
    return Suggestion(product, reactants, score, 1, "", 2, template_count=count)


def _route(*steps: Suggestion) -> Route:
    cost = sum(-math.log(s.score) + STEP_PENALTY for s in steps)
    return Route(steps[0].product, steps, {}, math.exp(-cost))


# Amide from an acid and an amine, each made in its own step: two branches joined in the last step.
CONVERGENT = _route(
    _step("CC(=O)NCc1ccccc1", ("CC(=O)O", "NCc1ccccc1")),
    _step("CC(=O)O", ("CC(=O)OC",), 0.8),
    _step("NCc1ccccc1", ("N#Cc1ccccc1",), 0.6),
)
LINEAR = _route(
    _step("CC(=O)NCc1ccccc1", ("CC(=O)Cl", "NCc1ccccc1")),
    _step("NCc1ccccc1", ("N#Cc1ccccc1",), 0.6, count=1),
)


def test_two_branches_joined_make_a_convergent_route() -> None:
    assert (CONVERGENT.n_steps, CONVERGENT.longest_linear_sequence, CONVERGENT.convergent) == (3, 2, True)


def test_a_chain_of_steps_is_linear() -> None:
    assert (LINEAR.n_steps, LINEAR.longest_linear_sequence, LINEAR.convergent) == (2, 2, False)


def test_the_score_is_the_product_of_its_parts() -> None:
    parts = CONVERGENT.score_parts()
    assert parts["step_scores"] == [0.5, 0.8, 0.6]
    assert parts["score"] == round(0.5 * 0.8 * 0.6 * math.exp(-0.3), 4) == round(CONVERGENT.score, 4)
    assert CONVERGENT.score_text().startswith("0.178 = 0.500 × 0.800 × 0.600 (step scores) × 0.741 (length penalty")


def test_a_template_seen_once_is_flagged_rare() -> None:
    data = LINEAR.to_dict()
    assert [s["rare_template"] for s in data["steps"]] == [False, True] and data["rare_steps"] == 1


class ScriptedModel:
    """An expansion model with fixed answers: 4-hydroxypyridine 'from' its own pyridone tautomer, or from
    4-chloropyridine and water."""

    name = "scripted"

    def propose(self, product: str, top_k: int = 10, deadline: float | None = None) -> list[Suggestion]:
        if product != "Oc1ccncc1":
            return []
        return [_step(product, ("O=c1cc[nH]cc1",), 0.9), _step(product, ("Clc1ccncc1", "O"), 0.4)][:top_k]


def test_the_target_written_as_another_tautomer_is_not_its_own_starting_material() -> None:
    stock = Stock.from_smiles(["Oc1ccncc1", "O=c1cc[nH]cc1", "Clc1ccncc1", "O"])
    result = search("Oc1ccncc1", ScriptedModel(), stock, SearchLimits(time_limit_s=5))
    assert [set(r.leaves) for r in result.routes] == [{"Clc1ccncc1", "O"}]


def test_a_reaction_that_changes_nothing_has_an_empty_difference_fingerprint() -> None:
    from tools.synthesis.reaction_classes import difference_fingerprint

    assert not difference_fingerprint("CCO", "CCO").any()
    assert difference_fingerprint("CC(=O)Cl.Nc1ccccc1", "CC(=O)Nc1ccccc1").any()


def test_shipped_templates_say_whether_their_class_is_recorded_or_predicted() -> None:
    from tools.synthesis import TemplateLibrary

    library = TemplateLibrary.load()
    assert library.template(127).best_class == (2, "recorded")  # Ac2O + aniline, labelled in USPTO-50k
    assert library.template(388).best_class == (2, "predicted")  # AcOH + aniline: no labelled reaction
    assert library.template(388).class_confidence >= 0.8
