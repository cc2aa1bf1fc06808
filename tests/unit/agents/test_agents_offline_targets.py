"""Offline mode plans a route to the molecule asked for, not to the reagent named beside it."""

from agents.offline import plan_tool_calls

TOOLS = ["plan_synthesis", "molecule_info", "search_literature", "predict_properties", "find_similar"]


def calls(text):
    return [(c["name"], c["args"].get("target") or c["args"].get("query")) for c in plan_tool_calls(text, TOOLS)]


def test_the_target_is_planned_and_the_starting_material_is_not():
    assert calls("How do I make aspirin from salicylic acid?") == [("plan_synthesis", "aspirin")]


def test_a_reagent_after_with_or_using_is_never_the_target():
    assert calls("How do I make a nitrile from an amide with POCl3?") == [("molecule_info", "POCl3")]
    assert ("plan_synthesis", "nitric acid") not in calls("Plan a synthesis of 3-nitrobenzoic acid using nitric acid")


def test_questions_about_facts_and_dilutions_get_information_not_a_route():
    # history: facts about the molecule or the library's documents, never a route
    assert calls("Who first synthesised sarin, and in what year?")[0][0] in ("molecule_info", "search_literature")
    assert "plan_synthesis" not in [name for name, _ in calls("Who first synthesised sarin, and in what year?")]
    assert calls("How do I prepare a 10% hydrogen peroxide solution from 30%?") == [
        ("molecule_info", "hydrogen peroxide")
    ]
