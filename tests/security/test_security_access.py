"""The hostile colleague: every service that acts for a user goes through the one access policy, which re-reads
the account each time; deactivated and demoted accounts lose their powers at their next action.

The first tests enumerate app/services (not a hand-kept list): a new service function that takes an account but
skips the policy, or reads user data with no account and no operator mark, fails here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import app.services
from app.db.models import Role
from app.errors import AccountDisabled, NotFound, PermissionDenied, ValidationFailed
from app.services import access, accounts, export, feedback, review, serving, sessions, workshops
from app.services.identity import Account

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
USER_DATA_MARKERS = ("session_scope(", "get_store(")


def service_modules() -> list[Any]:
    """Every service module, those inside service packages (app/services/export/) included. access (the policy's
    own rules) and identity (the Account type) are what the others ask."""
    names = [
        m.name
        for m in pkgutil.walk_packages(app.services.__path__, prefix="app.services.")
        if not any(part.startswith("_") for part in m.name.split("."))
        and m.name.split(".")[2] not in ("access", "identity")
    ]
    return [importlib.import_module(name) for name in names]


def public_functions() -> list[tuple[str, Any]]:
    found = []
    for module in service_modules():
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            found.append((f"{module.__name__.split('.')[2]}.{name}", fn))  # export.to_json, from export/session_file
    return found


def takes_account(fn: Any) -> bool:
    target = inspect.unwrap(fn)
    return any(p in access.ACTOR_PARAMS for p in inspect.signature(target).parameters)


GUARDED = [(name, fn) for name, fn in public_functions() if access.entry_kind(fn) == "guarded"]


def test_the_enumeration_finds_the_services_it_must_police():
    names = {name for name, _ in GUARDED}
    assert {"sessions.get_session", "export.to_json", "accounts.set_role", "serving.launch"} <= names


@pytest.mark.parametrize("name,fn", public_functions(), ids=[n for n, _ in public_functions()])
def test_every_service_that_acts_for_an_account_goes_through_the_policy(name, fn):
    if takes_account(fn):
        assert access.entry_kind(fn) == "guarded", f"{name} takes an account but is not @access.guarded"
        return
    source = inspect.getsource(inspect.unwrap(fn))
    if any(marker in source for marker in USER_DATA_MARKERS):
        assert access.entry_kind(fn) in ("operator", "sign_in"), (
            f"{name} reads or writes user data without an account: guard it, or mark it @access.operator "
            "(local CLI only) or @access.sign_in"
        )


def _service_calls(path: Path) -> list[tuple[str, str, ast.Call]]:
    """(module, function, call) for each `module.function(...)` call of an app.services module in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "app.services":
            for alias in node.names:
                aliases[alias.asname or alias.name] = alias.name
    calls = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in aliases
        ):
            calls.append((aliases[node.func.value.id], node.func.attr, node))
    return calls


UI_FILES = sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("app/ui/*.py")])


@pytest.mark.parametrize("path", UI_FILES, ids=[p.relative_to(ROOT).as_posix() for p in UI_FILES])
def test_pages_never_call_operator_functions_and_always_name_the_actor(path):
    for module_name, attr, call in _service_calls(path):
        fn = getattr(importlib.import_module(f"app.services.{module_name}"), attr, None)
        if not inspect.isfunction(fn):
            continue
        where = f"{path.name}:{call.lineno} {module_name}.{attr}"
        assert access.entry_kind(fn) != "operator", f"{where} is for the local operator only"
        if access.entry_kind(fn) == "guarded":
            param = fn.__access_actor__
            position = list(inspect.signature(inspect.unwrap(fn)).parameters).index(param)
            named = any(k.arg == param for k in call.keywords)
            passed = named or len(call.args) > position
            assert passed, f"{where} must pass the signed-in account as '{param}'"


# --------------------------------------------------------------------------- accounts that change under a session


@pytest.fixture
def people(sqlite_db):
    admin = accounts.create_user("root", PASSWORD, role=Role.admin)
    second_admin = accounts.create_user("ada", PASSWORD, role=Role.admin)
    alice = accounts.create_user("alice", PASSWORD)
    bob = accounts.create_user("bob", PASSWORD)
    mallory = accounts.create_user("mallory", PASSWORD)
    return {"admin": admin, "ada": second_admin, "alice": alice, "bob": bob, "mallory": mallory}


def _dummy(param: inspect.Parameter) -> Any:
    text = str(param.annotation)
    for marker, value in (("int", 1), ("float", 1.0), ("bool", False), ("str", "x"), ("bytes", b"{}")):
        if marker in text:
            return value
    if "list" in text or "Sequence" in text:
        return []
    return None


def _call_with(fn: Any, actor: Account) -> Any:
    signature = inspect.signature(inspect.unwrap(fn))
    args: dict[str, Any] = {}
    for name, param in signature.parameters.items():
        if name == fn.__access_actor__:
            args[name] = actor
        elif param.default is inspect.Parameter.empty:
            args[name] = _dummy(param)
    return fn(**args)


@pytest.fixture
def deactivated(sqlite_db):
    """The Account a browser cached at sign-in, for an account deactivated since (one user: argon2 is slow)."""
    stale = accounts.create_user("mallory", PASSWORD)
    accounts.set_active("mallory", False)
    return stale


@pytest.fixture
def demoted(sqlite_db):
    """The cached Account of an admin demoted to chemist since (another admin stays: the last one can't go)."""
    accounts.create_user("root", PASSWORD, role=Role.admin)
    stale = accounts.create_user("ada", PASSWORD, role=Role.admin)
    accounts.set_role("ada", Role.chemist)
    return stale


@pytest.mark.parametrize("name,fn", GUARDED, ids=[n for n, _ in GUARDED])
def test_a_deactivated_account_can_do_nothing_at_all(deactivated, name, fn):
    stale = deactivated
    with pytest.raises(AccountDisabled):
        _call_with(fn, stale)


ADMIN_ONLY = [(n, fn) for n, fn in GUARDED if fn.__access_requires__ == Role.admin]


@pytest.mark.parametrize("name,fn", ADMIN_ONLY, ids=[n for n, _ in ADMIN_ONLY])
def test_a_demoted_admin_loses_admin_powers_at_once(demoted, name, fn):
    stale = demoted
    with pytest.raises(PermissionDenied):
        _call_with(fn, stale)


def test_a_demoted_admin_cannot_promote_or_reset_a_colleague(people):
    stale = people["ada"]
    accounts.set_role("ada", Role.chemist, actor=people["admin"])
    with pytest.raises(PermissionDenied):
        accounts.set_role("mallory", Role.admin, actor=stale)
    with pytest.raises(PermissionDenied):
        accounts.reset_password("alice", "a fresh password 123", actor=stale)
    assert accounts.find_account("mallory").role == Role.chemist
    assert accounts.authenticate("alice", PASSWORD).username == "alice"


def test_a_deactivated_account_keeps_no_session_power(people):
    alice, mallory = people["alice"], people["mallory"]
    shared = sessions.create_session(alice, "Shared notes")
    sessions.share_session(alice, shared.id, "mallory")
    own = sessions.create_session(mallory, "Mine")
    accounts.set_active("mallory", False, actor=people["admin"])
    for attempt in (
        lambda: sessions.create_session(mallory, "after deactivation"),
        lambda: sessions.get_session(mallory, shared.id),
        lambda: export.to_json(mallory, own.id),
        lambda: export.to_markdown(mallory, shared.id),
    ):
        with pytest.raises(AccountDisabled, match="deactivated"):
            attempt()
    assert [s.title for s in sessions.list_sessions(alice)] == ["Shared notes"]


def test_a_promoted_chemist_gets_the_new_role_without_signing_in_again(people):
    stale = people["bob"]
    accounts.set_role("bob", Role.instructor)
    assert review.list_feedback(stale) == []  # reviewers only: the fresh role counts


def test_changing_ones_password_ends_every_stay_signed_in_token(people):
    alice = people["alice"]
    stolen = accounts.issue_token(alice.id)
    assert accounts.account_for_token(stolen) is not None
    accounts.change_password(alice, PASSWORD, "a brand new passphrase")
    assert accounts.account_for_token(stolen) is None


def test_only_admins_create_users_from_the_app(people):
    with pytest.raises(PermissionDenied):
        accounts.create_user("eve", PASSWORD, actor=people["mallory"], role=Role.admin)
    with pytest.raises(NotFound):
        accounts.find_account("eve")


# --------------------------------------------------------------------------- another user's ids


def _alice_world(people: dict[str, Account]) -> dict[str, Any]:
    alice = people["alice"]
    info = sessions.create_session(alice, "Alice's private route work")
    sessions.add_message(alice, info.id, "user", "How do I make paracetamol?")
    answer = sessions.add_message(alice, info.id, "assistant", "Acetylate 4-aminophenol.", model="offline")
    art = sessions.add_artifact(alice, info.id, "table", {"rows": []}, title="t", message_id=answer.id)
    return {"session": info.id, "answer": answer.id, "artifact": art.id}


def test_another_chemists_session_ids_read_as_not_found_everywhere(people):
    world = _alice_world(people)
    mallory, sid = people["mallory"], world["session"]
    attempts = {
        "get": lambda: sessions.get_session(mallory, sid),
        "messages": lambda: sessions.list_messages(mallory, sid),
        "artifacts": lambda: sessions.list_artifacts(mallory, sid),
        "rename": lambda: sessions.rename_session(mallory, sid, "mine now"),
        "archive": lambda: sessions.set_archived(mallory, sid),
        "delete": lambda: sessions.delete_session(mallory, sid, confirm_title="Alice's private route work"),
        "share": lambda: sessions.share_session(mallory, sid, "mallory"),
        "unshare": lambda: sessions.unshare_session(mallory, sid, "alice"),
        "add message": lambda: sessions.add_message(mallory, sid, "user", "hi"),
        "add artifact": lambda: sessions.add_artifact(mallory, sid, "table", {}),
        "feedback": lambda: feedback.give_feedback(mallory, world["answer"], -1, "bad"),
        "json": lambda: export.to_json(mallory, sid),
        "markdown": lambda: export.to_markdown(mallory, sid),
        "pdf": lambda: export.to_pdf(mallory, sid),
    }
    for what, attempt in attempts.items():
        with pytest.raises(NotFound):
            attempt()
            pytest.fail(what)
    assert sessions.get_session(people["alice"], sid).title == "Alice's private route work"


def test_a_workshop_group_share_needs_the_sessions_owner_and_a_member(people):
    world = _alice_world(people)
    admin = people["admin"]
    ws = workshops.create_workshop(admin, "onboarding")
    with pytest.raises((NotFound, PermissionDenied)):
        workshops.share_with_group(people["mallory"], world["session"], ws.id)
    with pytest.raises((NotFound, PermissionDenied)):
        workshops.dashboard(people["mallory"], ws.id)


def test_a_read_only_viewers_export_holds_none_of_the_owners_feedback(people):
    world = _alice_world(people)
    alice, bob = people["alice"], people["bob"]
    feedback.give_feedback(alice, world["answer"], -1, "private note: ask Bob later", "Use Ac2O, not AcCl")
    sessions.share_session(alice, world["session"], "bob")
    seen_by_bob = json.loads(export.to_json(bob, world["session"]))
    assert seen_by_bob["feedback"] == []
    assert "private note" not in json.dumps(seen_by_bob)
    seen_by_alice = json.loads(export.to_json(alice, world["session"]))
    assert [f["comment"] for f in seen_by_alice["feedback"]] == ["private note: ask Bob later"]


def test_model_servers_are_started_and_stopped_by_admins_only(people, tmp_path):
    tmp_path = tmp_path / "serve-state"
    tmp_path.mkdir()
    plan = serving.make_plan(ROOT / "serve" / "examples" / "catalog.yaml", None)
    for attempt in (
        lambda: serving.launch(plan, tmp_path, "anything", actor=people["mallory"]),
        lambda: serving.down(tmp_path, ["anything"], actor=people["mallory"]),
        lambda: serving.up(plan, tmp_path, ["anything"], actor=people["mallory"]),
    ):
        with pytest.raises(PermissionDenied, match="administrator"):
            attempt()
    assert not any(tmp_path.iterdir())  # nothing was started or written


# --------------------------------------------------------------------------- signed exports


def test_an_edited_export_is_refused_even_with_a_recomputed_checksum(people):
    world = _alice_world(people)
    alice = people["alice"]
    document = json.loads(export.to_json(alice, world["session"]))
    document["messages"][1]["content"] = "Acetylate 4-aminophenol with 10 g of sodium azide."
    document["checksum"] = export.checksum(document)
    with pytest.raises(ValidationFailed, match="changed after it was exported"):
        export.import_session(alice, json.dumps(document))
    assert len(sessions.list_sessions(alice)) == 1


def test_an_export_signed_elsewhere_is_refused_as_foreign(people, monkeypatch):
    world = _alice_world(people)
    alice = people["alice"]
    monkeypatch.setenv("CHEMASSIST_SECRET_KEY", "the key of another installation")
    from app.settings import reset_settings_cache

    reset_settings_cache()
    foreign = export.to_json(alice, world["session"])
    monkeypatch.delenv("CHEMASSIST_SECRET_KEY")
    reset_settings_cache()
    with pytest.raises(ValidationFailed, match="signed by another chemassist installation"):
        export.import_session(alice, foreign)
    assert export.import_session(alice, export.to_json(alice, world["session"])).messages == 2


def test_an_unsigned_version_1_file_is_refused_with_a_reason(people):
    world = _alice_world(people)
    document = json.loads(export.to_json(people["alice"], world["session"]))
    del document["signature"]
    document["checksum"] = export.checksum(document)
    with pytest.raises(ValidationFailed, match="carries no chemassist signature"):
        export.import_session(people["alice"], json.dumps(document))


def test_deeply_nested_json_is_refused_with_a_message_not_a_traceback(people):
    for depth in (200, 100_000):
        nested = '{"format": "chemassist-session", "x": ' + "[" * depth + "]" * depth + "}"
        with pytest.raises(ValidationFailed, match="levels deep"):
            export.import_session(people["alice"], nested)
