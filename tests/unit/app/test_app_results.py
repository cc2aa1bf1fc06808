"""Typed tool results (tools.results): real tool results read as their kind, stored artifacts of older versions
still load, and every renderer (chat card, Markdown/PDF blocks, answer text) reads the typed fields."""

import copy
import json

import pytest

from agents import answers
from app.services import chat, export, sessions
from app.services.accounts import create_user
from app.services.export.blocks import RENDERERS as BLOCK_RENDERERS
from app.ui import artifacts
from tests.fixtures import tool_results
from tools import results

PASSWORD = "correct horse battery"


@pytest.mark.parametrize("stem", tool_results.stems())
def test_each_real_tool_result_is_read_as_its_kind_and_written_back_unchanged(stem):
    tool, data = tool_results.load(stem)
    typed = results.parse(tool, data)
    assert (typed.kind, results.dump(typed)) == (results.TOOL_KINDS[tool], data)


def test_the_fixtures_are_what_the_tools_return_today():
    from tests.fixtures.tool_results import build

    rebuilt = build.build()
    assert sorted(rebuilt) == tool_results.stems()
    for stem, (tool, data) in rebuilt.items():
        assert (tool, build.stable(data)) == (tool_results.load(stem)[0], build.stable(tool_results.result(stem))), stem


def test_errors_refusals_and_unknown_payloads_get_their_own_kinds():
    assert results.parse("molecule_info", {"error": "Unknown name 'aspirn'."}) == results.ToolError(
        error="Unknown name 'aspirn'."
    )
    assert results.parse("molecule_info", {"refused": True, "reason": "controlled"}).kind == "refusal"
    assert results.parse("plan_synthesis", {"target": "x", "refused": True, "reason": "r"}).kind == "route_search"
    odd = results.stored("table", {"columns": ["a"], "data": [[1]]})
    assert isinstance(odd, results.UnknownResult) and odd.data == {"columns": ["a"], "data": [[1]]}
    bad = results.stored("molecule", {"mol_weight": "heavy"})  # does not fit: kept whole, never an error page
    assert isinstance(bad, results.UnknownResult) and bad.data == {"mol_weight": "heavy"}


def test_payloads_stored_before_results_were_typed_still_load(sqlite_db):
    """What chat and the pages stored until now: the tools' dicts without `kind`, nulls where a page had no seed."""
    alice = create_user("alice", PASSWORD)
    info = sessions.create_session(alice, "old session")
    legacy = {k: v for k, v in tool_results.result("prediction_paracetamol").items() if k != "kind"}
    screen = {**tool_results.result("screen_paracetamol"), "seed": None, "seed_smiles": None}
    screen.pop("kind")
    sessions.add_artifact(alice, info.id, "table", legacy, title="Predicted properties of paracetamol")
    sessions.add_artifact(alice, info.id, "table", screen, title="Screen from the Properties page")
    stored = [results.stored(a.kind.value, a.payload) for a in sessions.list_artifacts(alice, info.id)]
    assert [type(r) for r in stored] == [results.PredictionResult, results.ScreenResult]
    assert stored[0].predictions[0].value == legacy["predictions"][0]["value"]
    assert stored[1].seed == "" and len(stored[1].rows) == len(screen["rows"])


def test_chat_stores_each_result_with_its_kind_and_title():
    stored = []
    for stem in ("molecule_aspirin", "prediction_paracetamol", "similarity_aspirin", "route_paracetamol"):
        tool, data = tool_results.load(stem)
        stored += chat._artifacts_for(chat.ToolCallRecord("c", tool, {}, data))
    assert [(kind, title, payload["kind"]) for kind, title, payload in stored] == [
        ("molecule", "aspirin (C9H8O4)", "molecule"),
        ("table", "Predicted properties of paracetamol", "prediction"),
        ("table", "Molecules similar to aspirin", "similarity"),
        ("route", "Routes to CC(=O)Nc1ccc(O)cc1", "route_search"),  # the planner names its target by SMILES
    ]
    refused = chat.ToolCallRecord("c", "plan_synthesis", {}, {"target": "x", "refused": True, "reason": "no"})
    failed = chat.ToolCallRecord("c", "molecule_info", {}, {"error": "Unknown name"})
    assert chat._artifacts_for(refused) == chat._artifacts_for(failed) == []


def test_every_stored_kind_has_a_chat_card_and_document_blocks():
    kinds = set(results.STORED_KINDS)
    assert set(artifacts.RENDERERS) == kinds
    assert set(BLOCK_RENDERERS) | {"citation"} == kinds  # citations go into the bibliography
    assert set(answers.FORMATTERS) == kinds - {"citation"} | {"literature"}  # an answer cites its citations


def _step() -> results.RouteStep:
    search = results.parse("plan_synthesis", tool_results.result("route_paracetamol"))
    assert isinstance(search, results.RouteSearchResult)
    return search.routes[0].steps[0]


def test_the_chat_route_card_says_what_the_planner_recorded():
    search = results.parse("plan_synthesis", tool_results.result("route_paracetamol"))
    assert isinstance(search, results.RouteSearchResult)
    best = search.routes[0]
    assert best.facts() == [
        "1 step · longest linear sequence 1 · linear · solved",
        "score 0.390",
        "2 of 2 starting materials in stock",
    ]
    assert artifacts.score_line(best) == (
        "1 step · longest linear sequence 1 · linear · score 0.390 = 0.430 (step score) × 0.905 (length penalty, "
        "0.905 per step)"
    )
    assert best.steps[0].facts() == [
        "reaction class: acylation and related processes (class 2)",
        "score 0.430",
        "template 127, from 40 training reactions",
        "precedent patents: US20040167155A1, US05852017, US05691384",
    ]
    assert [leaf.stock_text for leaf in best.leaves] == ["in stock · USPTO-50k stock"] * 2
    assert artifacts.stock_badge(best.leaves[0]) == ":green-badge[in stock · USPTO-50k stock]"


def test_a_step_says_how_its_class_was_found_and_flags_a_rare_template():
    step = _step().model_copy(
        update={
            "reaction_class": 7,
            "reaction_class_source": "predicted",
            "class_confidence": 0.874,
            "rare_template": True,
        }
    )
    header = artifacts.step_header(step, 2)
    assert header.startswith("**Step 2** · reaction class: acylation and related processes (class 7, predicted with")
    assert "confidence 0.87) · score 0.430" in header and ":orange-badge[rare template: seen once]" in header
    unrecorded = _step().model_copy(update={"reaction_class": None, "reaction_class_name": None})
    assert unrecorded.class_text == "not recorded for this template"
    assert artifacts.stock_badge(results.Leaf(smiles="C")) == ":red-badge[not in stock]"
    lab = results.Leaf(smiles="BrCc1ccccc1", in_stock=True, source="inventory", name="benzyl bromide")
    assert lab.stock_text == "in stock · lab inventory (benzyl bromide)"


def test_a_protection_flag_on_a_step_is_shown_by_every_renderer():
    """4-benzyloxyphenol from hydroquinone leaves one phenol OH free: the planner flags it (tools.synthesis)."""
    search = results.parse("plan_synthesis", tool_results.result("route_benzyloxyphenol"))
    assert isinstance(search, results.RouteSearchResult)
    best = search.routes[0]
    [note] = best.steps[0].protection_notes
    assert note.startswith("may need protection of phenol OH (atom 0 of Oc1ccc(O)cc1)") and "usually" in note
    assert best.steps[0].facts()[-1] == f"protecting group? {note}"
    assert "1 step(s) may need protection" in best.facts()
    assert note in answers.synthesis(search)
    rendered = export.render_markdown(BLOCK_RENDERERS["route_search"]("Routes", search))
    assert "may need protection of phenol OH" in rendered
    assert "protection" not in answers.synthesis(tool_results.result("route_paracetamol"))


def test_steps_stored_before_the_protection_check_load_as_not_judged():
    old = copy.deepcopy(tool_results.result("route_benzyloxyphenol"))
    for route in old["routes"]:
        route.pop("protection_steps")
        for step in route["steps"]:
            del step["protection_checked"], step["protection_flags"]
    search = results.stored("route", old)
    assert isinstance(search, results.RouteSearchResult)
    step = search.routes[0].steps[0]
    assert (step.protection_checked, step.protection_notes, search.routes[0].protection_steps) == (False, [], 0)


def test_answers_read_typed_results_and_tool_dicts_alike():
    items = [tool_results.load("molecule_aspirin"), tool_results.load("prediction_paracetamol")]
    typed = [(name, results.parse(name, data)) for name, data in items]
    text = answers.compose("aspirin and paracetamol", items)
    assert text == answers.compose("aspirin and paracetamol", typed)
    assert "| molecular weight | 180.159 | g/mol |" in text  # the label every renderer uses
    assert "Aqueous solubility logS (ESOL)" in text and "needs a polymer repeat unit" in text


def test_the_synthesis_page_reads_the_typed_result_and_exports_the_planners_route():
    from app.ui import synthesis as page

    data = copy.deepcopy(tool_results.result("route_paracetamol"))
    for leaf in data["routes"][0]["leaves"]:
        del leaf["name"]  # as Route.to_dict() writes a leaf the lab has no name for
    search = page.typed({k: v for k, v in data.items() if k != "kind"} | {"input": "paracetamol"})
    row = page.summary_table(search).to_dict("records")[0]
    assert (row["reaction classes"], row["in stock"], row["steps"]) == (
        "acylation and related processes (class 2)",
        "2 / 2",
        1,
    )
    exported = json.loads(page.route_json(search, search.routes[0]))
    assert exported["route"] == data["routes"][0]  # the planner's route as it wrote it
    assert (exported["input"], exported["stop_reason"]) == ("paracetamol", data["stop_reason"])
    assert results.dump(search)["input"] == "paracetamol" and "input" not in results.dump(
        results.parse("plan_synthesis", data)
    )
