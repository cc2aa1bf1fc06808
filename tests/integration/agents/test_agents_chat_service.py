"""A chat turn through the service on each database: stored messages, tool calls, artifacts, a checkpointed
thread that continues when the session is reopened, and access control."""

import pytest

from app.errors import NotFound, ValidationFailed
from app.services import accounts, chat, sessions


@pytest.fixture
def alice(db_url):
    chat.reset_graphs()
    yield accounts.create_user("alice", "correct horse battery")
    chat.reset_graphs()


def test_a_turn_is_stored_with_tool_calls_and_artifacts(alice):
    session = sessions.create_session(alice, chat.DEFAULT_TITLE)
    events = []
    turn = chat.send(alice, session.id, "Tell me about aspirin", on_event=lambda kind, data: events.append(kind))
    assert turn.offline and "C9H8O4" in turn.message.content
    assert [c["name"] for c in turn.tool_calls] == ["molecule_info"]
    assert turn.tool_calls[0]["duration_s"] is not None
    assert [a.kind.value for a in turn.artifacts] == ["molecule"]
    assert {"tool_call", "tool_result", "token"} <= set(events)
    assert [m.role for m in sessions.list_messages(alice, session.id)] == ["user", "assistant"]
    assert sessions.get_session(alice, session.id).title == "Tell me about aspirin"


def test_a_reopened_session_continues_its_thread(alice):
    session = sessions.create_session(alice, "Thread")
    chat.send(alice, session.id, "Tell me about aspirin")
    chat.reset_graphs()  # as after a restart of the app
    chat.send(alice, session.id, "Tell me about caffeine")
    state = chat.agent_graph().get_state({"configurable": {"thread_id": str(session.id)}}).values
    assert [m.content for m in state["messages"] if m.type == "human"] == [
        "Tell me about aspirin",
        "Tell me about caffeine",
    ]


def test_only_the_owner_can_chat_in_a_session(alice):
    bob = accounts.create_user("bob", "correct horse battery")
    session = sessions.create_session(alice, "Private")
    with pytest.raises(NotFound):
        chat.send(bob, session.id, "Tell me about aspirin")
    assert sessions.list_messages(alice, session.id) == []


@pytest.mark.parametrize(
    ("text", "role", "message"),
    [("   ", None, "Type a question"), ("x" * 9000, None, "at most 8000"), ("hello", "wizard", "Unknown model role")],
)
def test_bad_requests_are_refused_and_nothing_is_stored(alice, text, role, message):
    session = sessions.create_session(alice, "S")
    with pytest.raises(ValidationFailed, match=message):
        chat.send(alice, session.id, text, role=role)
    assert sessions.list_messages(alice, session.id) == []


def test_stop_ends_the_turn_and_keeps_what_was_said(alice):
    session = sessions.create_session(alice, "S")
    turn = chat.send(alice, session.id, "Tell me about aspirin", should_stop=lambda: True)
    assert turn.stopped and "(Stopped.)" in turn.message.content
    assert [m.role for m in sessions.list_messages(alice, session.id)] == ["user", "assistant"]
