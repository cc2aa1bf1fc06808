"""A model that misbehaves does not break a turn: malformed tool calls, endless tool loops, slow servers."""

import time

from langchain_core.messages import AIMessage, HumanMessage

from agents.graph import build_graph
from agents.models import ModelChain, ModelEndpoint
from agents.offline import OFFLINE_MODEL_NAME
from agents.toolkit import ToolContext, build_tools
from tests.fakes.launch import fake_openai_server
from tests.fakes.scripted_chat_model import ScriptedChatModel

TOOLS = build_tools(ToolContext())


def turn(graph, text="Tell me about aspirin"):
    return graph.invoke({"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": "t"}})


def test_a_malformed_tool_call_comes_back_as_an_error_the_model_can_read():
    def script(messages):
        if messages[-1].type == "tool":
            return AIMessage(content=f"The tool said: {messages[-1].content}")
        return AIMessage(content="", tool_calls=[{"name": "molecule_info", "args": {"smiles": 42}, "id": "c1"}])

    state = turn(build_graph(ModelChain(offline=ScriptedChatModel(script=script)), TOOLS))
    [tool_message] = [m for m in state["messages"] if m.type == "tool"]
    assert tool_message.status == "error" and "query" in tool_message.content
    assert state["messages"][-1].content.startswith("The tool said:")


def test_an_endless_tool_loop_is_cut_at_the_step_cap():
    model = ScriptedChatModel(
        script=lambda m: AIMessage(
            content="", tool_calls=[{"name": "molecule_info", "args": {"query": "CCO"}, "id": f"c{len(m)}"}]
        )
    )
    state = turn(build_graph(ModelChain(offline=model), TOOLS, max_steps=3))
    assert model.calls == 3
    assert "stopped after 3 step" in state["messages"][-1].content
    assert "C2H6O" in state["messages"][-1].content  # what the tools found is still reported


def test_a_slow_model_server_times_out_and_offline_mode_answers():
    with fake_openai_server("--delay-ms", "5000") as url:
        chain = ModelChain([ModelEndpoint("chemistry", "fake-chat", f"{url}/v1", timeout_s=1)])
        started = time.monotonic()
        state = turn(build_graph(chain, TOOLS))
    assert state["model_used"] == OFFLINE_MODEL_NAME
    assert "TimeoutError" in state["messages"][-1].content
    assert time.monotonic() - started < 30
