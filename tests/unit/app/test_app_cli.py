"""The `chemassist` CLI: users, database, init and doctor, as an operator uses them."""

import json

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from app.services import accounts

runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_every_command_has_help():
    for args in ([], ["users"], ["db"], ["users", "add"], ["doctor"], ["init"], ["web"]):
        result = invoke(*args, "--help")
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output


def test_init_creates_one_admin_with_a_generated_password(data_dir):
    first = invoke("init", "--no-ask")
    assert first.exit_code == 0, first.output
    password = first.output.split("password", 1)[1].split()[0]
    assert accounts.authenticate("admin", password).is_admin
    second = invoke("init", "--no-ask")
    assert second.exit_code == 0 and "First administrator" not in second.output


def test_users_add_list_set_role_reset(sqlite_db):
    assert invoke("users", "add", "carol", "--password", "correct horse battery", "-r", "instructor").exit_code == 0
    listed = json.loads(invoke("users", "list", "--json").output)
    assert listed == [{"username": "carol", "display_name": "carol", "role": "instructor", "active": True}]
    assert invoke("users", "set-role", "carol", "chemist").exit_code == 0
    reset = invoke("users", "reset-password", "carol", "--generate-password")
    new_password = reset.output.split("New password:")[1].split()[0]
    assert accounts.authenticate("carol", new_password).role.value == "chemist"


def test_password_prompt_is_confirmed(sqlite_db):
    result = invoke("users", "add", "dave", input="correct horse battery\ncorrect horse battery\n")
    assert result.exit_code == 0, result.output
    assert accounts.authenticate("dave", "correct horse battery").username == "dave"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "add", "carol", "--password", "correct horse battery"], "is taken"),
        (["users", "set-role", "carol", "wizard"], "Unknown role"),
        (["users", "set-role", "ghost", "admin"], "No user named 'ghost'"),
    ],
)
def test_mistakes_get_one_clear_line(sqlite_db, args, message):
    invoke("users", "add", "carol", "--password", "correct horse battery")
    result = invoke(*args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_db_commands(data_dir):
    assert "head" in invoke("db", "upgrade").output
    assert invoke("db", "downgrade", "base", "--yes").exit_code == 0
    assert "current: None" in invoke("db", "current").output


def test_doctor_reports_each_part(sqlite_db):
    result = invoke("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.output)}
    assert set(checks) == {"database", "vector store", "embedding model", "LLM endpoint", "GPU"}
    assert checks["database"]["status"] == "ok"
    assert checks["LLM endpoint"]["status"] == "warn" and "offline" in checks["LLM endpoint"]["detail"]
    assert result.exit_code == 0


def test_doctor_fails_with_a_fix_when_the_database_is_missing(data_dir):
    result = invoke("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.output)}
    assert checks["database"]["status"] == "fail" and "chemassist db upgrade" in checks["database"]["fix"]
    assert result.exit_code == 1
