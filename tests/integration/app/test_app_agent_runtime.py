"""One agent runtime: the web app's chat turn (chat.send, also what `chemassist chat` runs) uses the same planner
with the lab's inventory, the same literature store and the same literature-answering model as the evaluation
and the benchmarks (chat.standalone_graph)."""

from __future__ import annotations

import pytest

from app.services import accounts, chat, library, sessions, synthesis
from app.settings import reset_settings_cache
from tests.fakes.launch import fake_openai_server

PASSWORD = "correct horse battery"
# An ester no public stock holds: only the lab's inventory makes it a building block.
OUR_EPOXIDE = "CCCCCCCCCCCCOC(=O)c1ccc(OCC2CO2)cc1"
NOTE = """# Glimmerite pigment stability

Glimmerite pigment particles changed colour from blue to green when heated above 150 degrees Celsius.
The colour change was reversible on cooling below 90 degrees Celsius.
"""


@pytest.fixture
def alice(sqlite_db):
    chat.reset_graphs()
    yield accounts.create_user("alice", PASSWORD)
    chat.reset_graphs()
    library.close_stores()


@pytest.mark.slow
def test_the_chat_planner_knows_the_lab_inventory(alice):
    synthesis.add_inventory(f"smiles,name\n{OUR_EPOXIDE},our epoxide ester\n".encode())
    session = sessions.create_session(alice, "Inventory")
    turn = chat.send(alice, session.id, f"How do I make {OUR_EPOXIDE}?")
    result = turn.tool_calls[0]["result"]
    assert result["target_in_stock"] is True and "(inventory)" in result["message"]


@pytest.mark.slow
def test_chat_and_library_page_use_the_served_model_to_write_literature_answers(alice, tmp_path, monkeypatch):
    note = tmp_path / "glimmerite.md"
    note.write_text(NOTE)
    library.ingest_files([note])
    with fake_openai_server("--model", "general-model") as url:
        monkeypatch.setenv("CHEMASSIST_LLM_BASE_URL", f"{url}/v1")
        monkeypatch.setenv("CHEMASSIST_LLM_MODEL", "general-model")
        reset_settings_cache()
        chat.reset_graphs()
        session = sessions.create_session(alice, "Literature")
        turn = chat.send(alice, session.id, "search_literature At what temperature does glimmerite change colour?")
        on_the_library_page = library.ask_for(alice, "At what temperature does glimmerite change colour?")
    assert [c["name"] for c in turn.tool_calls] == ["search_literature"]
    assert turn.tool_calls[0]["result"]["mode"] == "model"
    assert on_the_library_page.mode == "model"


def test_the_web_graph_and_the_evaluation_graph_share_one_runtime(alice):
    web = chat.agent_graph().agent_runtime.tools
    evaluation = chat.standalone_graph(offline=True).agent_runtime.tools
    for ctx in (web, evaluation):
        assert ctx.planner_provider is synthesis.get_planner
        assert ctx.literature_store() is library.get_store()
