"""Research sessions: the lifecycle, and access enforced in the service layer (not only hidden in the UI)."""

import pytest

from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.services import accounts, sessions

PASSWORD = "correct horse battery"


@pytest.fixture
def alice(db_url):
    return accounts.create_user("alice", PASSWORD)


@pytest.fixture
def bob(db_url):
    return accounts.create_user("bob", PASSWORD)


def test_create_rename_archive_and_find(alice):
    created = sessions.create_session(alice, "  Polyimide   Tg screen ")
    assert created.title == "Polyimide Tg screen"
    sessions.rename_session(alice, created.id, "Polyimide Tg screen v2")
    sessions.set_archived(alice, created.id, True)
    assert sessions.list_sessions(alice) == []
    found = sessions.list_sessions(alice, query="v2", include_archived=True)
    assert [(s.title, s.archived) for s in found] == [("Polyimide Tg screen v2", True)]


def test_search_matches_message_text_and_treats_wildcards_literally(alice):
    solvents = sessions.create_session(alice, "Solvent screen")
    sessions.create_session(alice, "Catalysts")
    sessions.add_message(alice, solvents.id, "user", "What is the logS of caffeine?")
    assert [s.title for s in sessions.list_sessions(alice, query="caffeine")] == ["Solvent screen"]
    assert sessions.list_sessions(alice, query="%") == []


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_bad_titles_are_refused_and_nothing_changes(alice, title):
    kept = sessions.create_session(alice, "Kept")
    with pytest.raises(ValidationFailed):
        sessions.create_session(alice, title)
    with pytest.raises(ValidationFailed):
        sessions.rename_session(alice, kept.id, title)
    assert [s.title for s in sessions.list_sessions(alice)] == ["Kept"]


def test_delete_needs_the_title_typed_again(alice):
    doomed = sessions.create_session(alice, "Doomed")
    sessions.add_message(alice, doomed.id, "user", "hello")
    with pytest.raises(ValidationFailed, match="nothing was deleted"):
        sessions.delete_session(alice, doomed.id, confirm_title="doomed?")
    assert sessions.get_session(alice, doomed.id).message_count == 1
    sessions.delete_session(alice, doomed.id, confirm_title="Doomed")
    with pytest.raises(NotFound):
        sessions.get_session(alice, doomed.id)


def test_another_user_cannot_read_change_or_delete_by_id(alice, bob):
    private = sessions.create_session(alice, "Alice's secret route")
    for attempt in (
        lambda: sessions.get_session(bob, private.id),
        lambda: sessions.list_messages(bob, private.id),
        lambda: sessions.rename_session(bob, private.id, "mine now"),
        lambda: sessions.set_archived(bob, private.id, True),
        lambda: sessions.delete_session(bob, private.id, confirm_title="Alice's secret route"),
        lambda: sessions.add_message(bob, private.id, "user", "injected"),
        lambda: sessions.add_artifact(bob, private.id, "molecule", {"smiles": "C"}),
        lambda: sessions.share_session(bob, private.id, "bob"),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert sessions.list_sessions(bob) == []
    assert sessions.get_session(alice, private.id).title == "Alice's secret route"
    assert sessions.list_messages(alice, private.id) == []


def test_shared_sessions_are_read_only_for_the_recipient(alice, bob):
    shared = sessions.create_session(alice, "Shared route")
    sessions.add_message(alice, shared.id, "user", "plan a route to paracetamol")
    sessions.share_session(alice, shared.id, "bob")
    assert [m.content for m in sessions.list_messages(bob, shared.id)] == ["plan a route to paracetamol"]
    assert [s.access for s in sessions.list_sessions(bob, scope="shared")] == ["shared"]
    with pytest.raises(PermissionDenied, match="read-only"):
        sessions.rename_session(bob, shared.id, "hijacked")
    with pytest.raises(PermissionDenied):
        sessions.add_message(bob, shared.id, "user", "hello")
    sessions.unshare_session(alice, shared.id, "bob")
    with pytest.raises(NotFound):
        sessions.get_session(bob, shared.id)


def test_sharing_with_unknown_user_is_a_clear_error(alice):
    s = sessions.create_session(alice, "S")
    with pytest.raises(ValidationFailed, match="No active user named 'ghost'"):
        sessions.share_session(alice, s.id, "ghost")


def test_messages_and_artifacts_are_kept_with_the_session(alice):
    s = sessions.create_session(alice, "Aspirin")
    msg = sessions.add_message(
        alice,
        s.id,
        "assistant",
        "Aspirin is C9H8O4.",
        model="offline",
        tool_calls=[{"name": "mol_info", "args": {"smiles": "CC(=O)Oc1ccccc1C(=O)O"}}],
    )
    sessions.add_artifact(alice, s.id, "molecule", {"smiles": "CC(=O)Oc1ccccc1C(=O)O"}, message_id=msg.id)
    [stored] = sessions.list_messages(alice, s.id)
    assert stored.tool_calls[0]["name"] == "mol_info" and stored.model == "offline"
    [artifact] = sessions.list_artifacts(alice, s.id)
    assert (artifact.kind.value, artifact.payload["smiles"]) == ("molecule", "CC(=O)Oc1ccccc1C(=O)O")
    with pytest.raises(ValidationFailed, match="Unknown artifact kind"):
        sessions.add_artifact(alice, s.id, "spreadsheet", {})
