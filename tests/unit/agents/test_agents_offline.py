"""Routing, mention finding and the offline model: the same tool calls a real model would make."""

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agents.mentions import molecules_in
from agents.offline import HELP, OfflineChatModel, plan_tool_calls
from agents.reader import property_windows
from agents.router import route

ALL_TOOLS = (
    "molecule_info",
    "find_similar",
    "predict_properties",
    "screen_candidates",
    "plan_synthesis",
    "search_literature",
)


@pytest.mark.parametrize(
    ("text", "intent", "role"),
    [
        ("How do I make paracetamol?", "synthesis", "chemistry"),
        ("Plan a route to CC(=O)Nc1ccc(O)cc1", "synthesis", "chemistry"),
        ("What does the literature report about furfural yields?", "literature", "general"),
        ("Predict the solubility of caffeine", "property", "chemistry"),
        ("Design a polymer with Tg above 250 C", "property", "materials"),
        ("What is the molecular weight of aspirin?", "molecule", "chemistry"),
        ("Which paper reports the synthesis of stanene quantum dots?", "literature", "general"),
        ("Good morning", "general", "general"),
    ],
)
def test_router(text, intent, role):
    assert route(text) == (route(text).__class__(intent=intent, role=role))


def test_mentions_find_smiles_and_names_but_not_words():
    assert molecules_in("Compare aspirin with CC(=O)Nc1ccc(O)cc1 and caffeine.") == [
        "aspirin",
        "CC(=O)Nc1ccc(O)cc1",
        "caffeine",
    ]
    # CO2 is the name table's abbreviation of carbon dioxide; the words around it are not molecules
    assert molecules_in("I need CO2 data. Is this a good idea?") == ["CO2"]
    assert molecules_in("Is this a good idea? Can you help me with it?") == []


def test_property_windows_convert_celsius_to_kelvin():
    assert property_windows("Tg > 250 °C and logS above -4") == {"tg": [523.15, None], "esol": [-4.0, None]}
    assert property_windows("Tg below 400 K") == {"tg": [None, 400.0]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tell me about aspirin", [("molecule_info", {"query": "aspirin"})]),
        ("Predict the solubility of caffeine", [("predict_properties", {"query": "caffeine", "properties": ["esol"]})]),
        ("Find molecules similar to ibuprofen", [("find_similar", {"query": "ibuprofen"})]),
        ("How do I make paracetamol?", [("plan_synthesis", {"target": "paracetamol"})]),
        (
            "Design a polymer like *CC(*)c1ccccc1 with Tg > 250 °C",
            [("screen_candidates", {"seed": "*CC(*)c1ccccc1", "windows": {"tg": [523.15, None]}})],
        ),
        (
            "What does the library say about furfural extraction from bagasse?",
            [("search_literature", {"question": "What does the library say about furfural extraction from bagasse?"})],
        ),
    ],
)
def test_offline_plans_the_tool_calls(text, expected):
    assert [(c["name"], c["args"]) for c in plan_tool_calls(text, ALL_TOOLS)] == expected


def test_offline_model_calls_tools_then_answers_from_their_results():
    model = OfflineChatModel().bind_tools([type("T", (), {"name": n})() for n in ALL_TOOLS])
    first = model.invoke([HumanMessage("Tell me about aspirin")])
    [call] = first.tool_calls
    result = {
        "input": "aspirin",
        "canonical_smiles": "CC(=O)Oc1ccccc1C(=O)O",
        "formula": "C9H8O4",
        "inchikey": "BSYNRYMUTXBXSQ-UHFFFAOYSA-N",
        "mol_weight": 180.159,
        "provenance": "computed by RDKit",
    }
    answer = model.invoke(
        [
            HumanMessage("Tell me about aspirin"),
            first,
            ToolMessage(json.dumps(result), tool_call_id=call["id"], name="molecule_info"),
        ]
    )
    assert isinstance(answer, AIMessage) and not answer.tool_calls
    assert "C9H8O4" in answer.content and "computed by RDKit" in answer.content


def test_offline_model_explains_itself_when_nothing_applies():
    assert OfflineChatModel().invoke([HumanMessage("hi")]).content == HELP
