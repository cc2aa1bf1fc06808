"""The ChatOpenAI path against a real OpenAI-compatible server process (tests/fakes), tool calls and
streaming included, and the fallback to offline mode when the server is down."""

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from agents.graph import CUT_OFF_NOTE, build_graph
from agents.models import ModelChain, ModelEndpoint
from agents.offline import OFFLINE_MODEL_NAME
from agents.toolkit import ToolContext, build_tools
from tests.fakes.launch import fake_openai_server, free_port


@pytest.fixture(scope="module")
def fake_server():
    with fake_openai_server("--model", "chem-lora") as url:
        yield f"{url}/v1"


@pytest.fixture(scope="module")
def tools():
    return build_tools(ToolContext())


def test_served_model_calls_a_tool_and_streams_its_answer(fake_server, tools):
    chain = ModelChain([ModelEndpoint("chemistry", "chem-lora", fake_server, timeout_s=10)])
    graph = build_graph(chain, tools, InMemorySaver())
    tokens = []
    for chunk, meta in graph.stream(
        {"messages": [HumanMessage("molecule_info aspirin")]},
        {"configurable": {"thread_id": "x"}},
        stream_mode="messages",
    ):
        if meta.get("langgraph_node") == "agent" and chunk.content:
            tokens.append(chunk.content)
    state = graph.get_state({"configurable": {"thread_id": "x"}}).values
    tool_messages = [m for m in state["messages"] if m.type == "tool"]
    assert [m.name for m in tool_messages] == ["molecule_info"]
    assert "C9H8O4" in tool_messages[0].content
    assert state["model_used"] == "chem-lora (chemistry)"
    assert len(tokens) > 1 and "".join(tokens) == state["messages"][-1].content


def test_an_answer_cut_at_the_length_limit_says_so(fake_server, tools):
    chain = ModelChain([ModelEndpoint("chemistry", "chem-lora", fake_server, timeout_s=10, max_tokens=3)])
    state = build_graph(chain, tools, InMemorySaver()).invoke(
        {"messages": [HumanMessage("Tell me everything about the boiling point of ethanol")]},
        {"configurable": {"thread_id": "cut"}},
    )
    answer = state["messages"][-1].content
    assert answer.startswith("echo: Tell me\n\n")  # the server stopped after 3 tokens ...
    assert answer.endswith(f"*{CUT_OFF_NOTE}*")  # ... and the reader is told why


def test_unreachable_server_falls_back_to_offline_and_says_so(tools):
    dead = f"http://127.0.0.1:{free_port()}/v1"
    chain = ModelChain([ModelEndpoint("chemistry", "chem-lora", dead, timeout_s=2)])
    state = build_graph(chain, tools).invoke(
        {"messages": [HumanMessage("Tell me about caffeine")]}, {"configurable": {"thread_id": "y"}}
    )
    assert state["model_used"] == OFFLINE_MODEL_NAME
    answer = state["messages"][-1].content
    assert "chem-lora" in answer and "failed" in answer and "C8H10N4O2" in answer
