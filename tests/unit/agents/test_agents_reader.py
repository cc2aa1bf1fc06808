"""The offline reader: the messages the issue found misread, follow-ups, names, windows and bad input."""

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from agents.graph import build_graph
from agents.mentions import close_spelling, find_molecules
from agents.models import ModelChain
from agents.offline import plan_tool_calls
from agents.reader import context_from, property_windows, read
from agents.tool_context import ToolContext
from agents.toolkit import build_tools

TOOLS = [
    "molecule_info",
    "predict_properties",
    "plan_synthesis",
    "find_similar",
    "search_literature",
    "screen_candidates",
]


def calls(text, turns=()):
    context = context_from(list(turns)) if turns else None
    return [(c["name"], c["args"]) for c in plan_tool_calls(text, TOOLS, context)]


@pytest.mark.parametrize(
    ("text", "tool", "query", "props"),
    [
        ("Metformin - polar surface area please", "molecule_info", "Metformin", ["tpsa"]),
        ("Could you compute the TPSA and the molecular weight for lidocaine?", "molecule_info", "lidocaine", None),
        ("Will 4-aminophenol dissolve in water? Estimate its logS", "predict_properties", "4-aminophenol", ["esol"]),
        ("I need the logD7.4 of propranolol", "predict_properties", "propranolol", ["lipophilicity"]),
        ("Retrosynthesis for N-phenylbenzamide please", "plan_synthesis", "N-phenylbenzamide", None),
        ("4-(2-hydroxyethyl)phenol", "molecule_info", "4-(2-hydroxyethyl)phenol", None),
        ("What is the molecular weight of hydrogen peroxide?", "molecule_info", "hydrogen peroxide", None),
        ("Tell me about C[N+](=O)[O-]", "molecule_info", "C[N+](=O)[O-]", None),
    ],
)
def test_the_messages_the_issue_found_misread(text, tool, query, props):
    made = calls(text)
    assert made, text
    name, args = made[0] if tool != "predict_properties" else next(c for c in made if c[0] == tool)
    assert name == tool
    assert (args.get("query") or args.get("target")) == query
    if props is not None:
        assert read(text).properties[: len(props)] == tuple(props) or set(props) <= set(read(text).properties)


def test_an_inchi_is_read_as_a_molecule():
    [(name, args)] = calls("What is InChI=1S/C2H6O/c1-2-3/h3H,2H2,1H3 ?")
    assert name == "molecule_info" and args["query"].startswith("InChI=1S/C2H6O")


def test_a_literature_question_naming_a_chemical_searches_the_library():
    assert calls("What furfural yields were obtained from bagasse?")[0][0] == "search_literature"


def test_several_properties_and_molecules_in_one_message():
    made = calls("logP and solubility of caffeine and theophylline?")
    assert ("molecule_info", {"query": "caffeine"}) in made and ("molecule_info", {"query": "theophylline"}) in made
    assert {c[0] for c in made} == {"molecule_info", "predict_properties"}


def test_close_spellings_of_names_are_read_as_the_name_and_ties_are_not_guessed():
    assert close_spelling("ibuprofin") == "ibuprofen"
    assert close_spelling("paracetamole") == "paracetamol"
    assert close_spelling("solubility") is None  # an ordinary word of a question
    [m], _ = find_molecules("how heavy is ibuprofin?")
    assert m.read_as == "close spelling" and m.query == "ibuprofen"


def test_abbreviations_inside_sentences_are_the_table_names():
    [m], _ = find_molecules("What is the molecular weight of NBS?")
    assert m.read_as == "abbreviation" and m.entry == "N-bromosuccinimide"
    assert [x.text for x in find_molecules("Dissolve it in DCM and add TFA")[0]] == ["DCM", "TFA"]


def test_follow_ups_resolve_against_the_conversation():
    assert calls("and its logP?", ["What is the molecular weight of aspirin?"]) == [
        ("molecule_info", {"query": "aspirin"})
    ]
    assert calls("what about caffeine?", ["Predict the solubility of aspirin"]) == [
        ("predict_properties", {"query": "caffeine", "properties": ["esol"]})
    ]
    assert calls("plan a route to it", ["Tell me about paracetamol"])[0] == (
        "plan_synthesis",
        {"target": "paracetamol"},
    )
    compared = calls("compare them", ["What is the logP of aspirin and ibuprofen?"])
    assert [a["query"] for _, a in compared] == ["aspirin", "ibuprofen"]


def test_the_second_one_is_the_second_molecule_the_last_answer_listed():
    context = context_from(["find molecules similar to ibuprofen"], listed=["CCO", "CC(C)Cc1ccccc1", "c1ccccc1"])
    [(name, args)] = [
        (c["name"], c["args"]) for c in plan_tool_calls("what is the TPSA of the second one?", TOOLS, context)
    ]
    assert name == "molecule_info" and args["query"] == "CC(C)Cc1ccccc1"


def test_property_windows_have_one_unit_converter():
    assert property_windows("Tg > 250 °C and logS above -4") == {"tg": [523.15, None], "esol": [-4.0, None]}
    assert property_windows("Tg below 400 K") == {"tg": [None, 400.0]}
    assert property_windows("glass transition above 500 °F") == {"tg": [533.15, None]}


@pytest.mark.parametrize("text", ["asdkjh qwe zzkx", "", "hello!", "Wie ist das Wetter?"])
def test_messages_with_nothing_to_act_on_get_no_tools(text):
    assert calls(text) == []


def test_a_conversation_survives_bad_input_and_answers_in_the_unit_asked():
    graph = build_graph(ModelChain(), build_tools(ToolContext()))
    config = {"configurable": {"thread_id": "reader-test"}}
    for bad in ["", "qwertzuiop asdfgh", "C1CC(", "Tell me about flurbozanide"]:
        state = graph.invoke({"messages": [HumanMessage(bad)]}, config)
        assert isinstance(state["messages"][-1], AIMessage) and state["messages"][-1].content.strip()
    state = graph.invoke({"messages": [HumanMessage("Tg of *CC(*)c1ccccc1 in °C?")]}, config)
    answer = str(state["messages"][-1].content)
    first = answer.split("\n")[0]
    assert "°C" in first and "predicted glass transition temperature Tg" in first


def test_the_shipped_example_vectors_belong_to_the_examples():
    """Edit reader_examples.jsonl and this fails until `python -m agents.reader` rebuilds the vectors."""
    import numpy as np

    from agents.reader import SHIPPED_VECTORS, examples_digest

    with np.load(SHIPPED_VECTORS) as shipped:
        assert str(shipped["digest"]) == examples_digest()
