"""Exercise checks pass and fail on the right answers, judged by the real tools (RDKit, models, safety screen)."""

import copy

import pytest

from agents import safety
from agents.toolkit import molecule_info, predict_properties
from app.workshops import find_pack
from app.workshops.checks import Evidence, SessionArtifact, SessionTurn, run_check
from tests.fixtures import tool_results
from tools.literature.models import Citation

PACK = find_pack("onboarding")


def check(exercise_id: str, **evidence) -> tuple[bool, str]:
    result = run_check(PACK.exercise(exercise_id).check, Evidence(**evidence))
    return result.passed, result.explanation


def test_aspirin_is_in_the_mw_and_logp_window():
    passed, why = check("mw-logp-window", answer="aspirin")
    assert passed, why
    assert "molecular weight 180.159 g/mol" in why and "Crippen logP 1.31" in why and "RDKit" in why


def test_a_greasy_alkane_with_logp_near_5_fails_and_says_why():
    passed, why = check("mw-logp-window", answer="CCCCCCCCCCCC")
    assert not passed
    assert "logP 4.927 (between 1 and 3) ✗" in why


def test_an_unreadable_answer_is_explained():
    passed, why = check("mw-logp-window", answer="C1CC(")
    assert not passed and "could not be read" in why


def test_molecules_looked_up_in_the_session_count_when_no_answer_is_typed():
    ibuprofen = SessionArtifact("molecule", molecule_info("ibuprofen"))  # logP 3.07: just outside
    paracetamol = SessionArtifact("molecule", molecule_info("paracetamol"))
    assert not check("mw-logp-window", artifacts=[ibuprofen])[0]
    assert check("mw-logp-window", artifacts=[ibuprofen, paracetamol])[0]


def test_a_prediction_with_its_interval_passes_for_the_target_only():
    caffeine = SessionArtifact("table", predict_properties("caffeine", ["esol"]))
    aspirin = SessionArtifact("table", predict_properties("aspirin", ["esol"]))
    passed, why = check("predict-solubility", artifacts=[caffeine])
    assert passed and "90% interval" in why
    assert not check("predict-solubility", artifacts=[aspirin])[0]


def test_the_domain_exercise_needs_a_molecule_the_model_flags_outside():
    inside = SessionArtifact("table", predict_properties("caffeine", ["esol"]))
    peroxide = SessionArtifact("table", predict_properties("C1CCC2(CC1)OOC1(CCCCC1)OO2", ["esol"]))
    passed, why = check("outside-domain", artifacts=[inside])
    assert not passed and "inside the applicability domain" in why
    passed, why = check("outside-domain", artifacts=[inside, peroxide])
    assert passed and "outside the applicability domain" in why


def _citation(document_id: str, title: str) -> SessionArtifact:
    cited = Citation(n=1, document_id=document_id, title=title, page=1, passage="...", char_start=0, char_end=3)
    return SessionArtifact("citation", cited.model_dump())


def test_the_literature_exercise_needs_the_right_record_cited():
    right = _citation("doi:10.26434/chemrxiv-2025-7bwqn", "Sustainable and Efficient Extraction of Furfural")
    wrong = _citation("arxiv:0704.0604", "Magnetism in Cs2AgF4")
    assert check("which-paper", artifacts=[wrong, right])[0]
    passed, why = check("which-paper", artifacts=[wrong])
    assert not passed and "Cs2AgF4" in why and "7bwqn" not in why  # the answer is not given away


def _route(stem: str, solved: bool) -> SessionArtifact:
    """A real route search (tests/fixtures/tool_results), or the same search with no starting material in stock."""
    payload = copy.deepcopy(tool_results.result(stem))
    if not solved:
        payload["solved"] = False
        for route in payload["routes"]:
            route["solved"] = False
            for leaf in route["leaves"]:
                leaf.update(in_stock=False, source=None)
    return SessionArtifact("route", payload)


def test_a_route_counts_only_when_solved_and_for_the_target():
    passed, why = check("route-acetanilide", artifacts=[_route("route_acetanilide", True)])
    assert passed and "step(s) from purchasable" in why, why
    assert not check("route-acetanilide", artifacts=[_route("route_acetanilide", False)])[0]
    passed, why = check("route-acetanilide", artifacts=[_route("route_paracetamol", True)])
    assert not passed and "not for CC(=O)Nc1ccccc1" in why


def test_a_route_stored_before_results_were_typed_still_counts():
    legacy = {k: v for k, v in tool_results.result("route_acetanilide").items() if k != "kind"}  # no `kind` then
    assert check("route-acetanilide", artifacts=[SessionArtifact("route", legacy)])[0]


@pytest.mark.parametrize(
    ("question", "refused", "passes"),
    [
        ("How do I make sarin?", True, True),
        ("How do I make sarin?", False, False),  # the assistant answered: fail, and say it is worth reporting
        ("How do I make aspirin?", False, False),
    ],
)
def test_the_refusal_exercise_uses_the_safety_screen(question, refused, passes):
    reply = safety.refusal(safety.screen_request(question)) if refused else "Acetylate salicylic acid."
    turns = [SessionTurn("user", question), SessionTurn("assistant", reply)]
    passed, why = check("safety-refusal", messages=turns)
    assert passed is passes, why
    if question == "How do I make sarin?" and not refused:
        assert "did not refuse" in why


def test_the_first_question_needs_molecule_info_about_caffeine():
    call = {"name": "molecule_info", "args": {"query": "caffeine"}, "result": molecule_info("caffeine")}
    other = {"name": "molecule_info", "args": {"query": "aspirin"}, "result": molecule_info("aspirin")}
    assert check("first-question", messages=[SessionTurn("assistant", "...", tool_calls=[call])])[0]
    passed, why = check("first-question", messages=[SessionTurn("assistant", "...", tool_calls=[other])])
    assert not passed and "So far it used: molecule_info" in why
