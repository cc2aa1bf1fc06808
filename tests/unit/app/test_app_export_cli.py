"""`chemassist sessions export|import` and `chemassist export session|register-adapter`, as an operator runs them."""

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from app.cli.main import app
from app.services import accounts, sessions
from serve.catalog import load_catalog

runner = CliRunner()
PASSWORD = "correct horse battery"
EXAMPLE_CATALOG = Path(__file__).resolve().parents[3] / "serve" / "examples" / "catalog.yaml"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_every_export_command_has_help():
    for args in (["export"], ["export", "finetune"], ["export", "register-adapter"], ["sessions", "import"]):
        result = invoke(*args, "--help")
        assert result.exit_code == 0 and "Usage" in result.output, args


def test_export_then_import_as_another_user(sqlite_db, tmp_path):
    alice = accounts.create_user("alice", PASSWORD)
    accounts.create_user("bob", PASSWORD)
    info = sessions.create_session(alice, "Solvent screen")
    sessions.add_message(alice, info.id, "user", "logS of caffeine?")
    out = tmp_path / "s.json"

    exported = invoke("sessions", "export", info.id, "--user", "alice", "-o", out)
    imported = invoke("sessions", "import", out, "--user", "bob", "--title", "Copy of solvent screen")
    markdown = invoke("export", "session", info.id, "-u", "alice", "-o", tmp_path / "s.md")

    assert exported.exit_code == 0 and imported.exit_code == 0 and markdown.exit_code == 0, imported.output
    assert json.loads(out.read_text())["format"] == "chemassist-session"
    assert [s.title for s in sessions.list_sessions(accounts.find_account("bob"))] == ["Copy of solvent screen"]
    assert "> logS of caffeine?" in (tmp_path / "s.md").read_text()


def test_import_of_a_tampered_file_says_so(sqlite_db, tmp_path):
    alice = accounts.create_user("alice", PASSWORD)
    info = sessions.create_session(alice, "Kept")
    out = tmp_path / "s.json"
    invoke("sessions", "export", info.id, "-u", "alice", "-o", out)
    out.write_text(out.read_text().replace("Kept", "Changed"))
    result = invoke("sessions", "import", out, "-u", "alice")
    assert result.exit_code == 1 and "modified after export" in result.output
    assert [s.title for s in sessions.list_sessions(alice)] == ["Kept"]


def test_an_unreadable_session_is_not_found(sqlite_db, tmp_path):
    alice = accounts.create_user("alice", PASSWORD)
    accounts.create_user("bob", PASSWORD)
    info = sessions.create_session(alice, "Private")
    result = invoke("sessions", "export", info.id, "-u", "bob", "-f", "pdf", "-o", tmp_path / "x.pdf")
    assert result.exit_code == 1 and "does not exist or is not shared with you" in result.output


def test_register_adapter_in_a_catalog(tmp_path):
    catalog = tmp_path / "catalog.yaml"
    shutil.copyfile(EXAMPLE_CATALOG, catalog)
    base = ["export", "register-adapter", "--catalog", catalog, "--path", "/models/lora/poly", "--role", "materials"]
    ok = invoke(*base, "--base", "qwen2.5-7b-instruct", "--name", "polymer-lora")
    unknown = invoke(*base, "--base", "gpt-9", "--name", "polymer-lora-2")
    assert ok.exit_code == 0, ok.output
    assert "polymer-lora" in load_catalog(catalog).get("qwen2.5-7b-instruct").served_names
    assert unknown.exit_code == 1 and "no base model named 'gpt-9'" in unknown.output
