"""The hostile colleague at the shell: private data files, secrets kept out of `ps`, and bad paths and files that
end in a clear message instead of a traceback."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from app.services import accounts, bootstrap, sessions
from app.settings import Settings

runner = CliRunner()
PASSWORD = "correct horse battery"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.slow
def test_init_makes_the_data_folder_and_its_files_private(tmp_path):
    data = tmp_path / "var"
    env = {**os.environ, "CHEMASSIST_DATA_DIR": str(data), "CHEMASSIST_MILVUS_URI": str(data / "milvus.db")}
    env.pop("CHEMASSIST_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", "from app.cli.main import main; main()", "init", "--no-demo", "--no-ask"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert mode(data) == 0o700 and mode(data / "logs") == 0o700
    files = [p for p in data.rglob("*") if p.is_file()]
    assert files and all(mode(p) == 0o600 for p in files), {str(p): oct(mode(p)) for p in files}


def test_an_older_installation_is_made_private_at_the_next_start(tmp_path):
    data = tmp_path / "var"
    (data / "logs").mkdir(parents=True)
    (data / "chemassist.db").write_bytes(b"")
    (data / "logs" / "web.log").write_text("x")
    for p in (data, data / "logs"):
        p.chmod(0o755)
    for p in (data / "chemassist.db", data / "logs" / "web.log"):
        p.chmod(0o644)
    changed = bootstrap.protect_data_dir(data)
    assert len(changed) == 4
    assert {oct(mode(p)) for p in (data, data / "logs")} == {"0o700"}
    assert {oct(mode(p)) for p in (data / "chemassist.db", data / "logs" / "web.log")} == {"0o600"}


def test_the_llm_key_and_the_signing_key_can_come_from_files(tmp_path, monkeypatch):
    (tmp_path / "llm.key").write_text("sk-from-a-file\n")
    (tmp_path / "signing.key").write_text("a long random signing key\n")
    monkeypatch.setenv("CHEMASSIST_LLM_API_KEY_FILE", str(tmp_path / "llm.key"))
    monkeypatch.setenv("CHEMASSIST_SECRET_KEY_FILE", str(tmp_path / "signing.key"))
    settings = Settings()
    assert settings.llm_api_key is not None and settings.llm_api_key.get_secret_value() == "sk-from-a-file"
    assert settings.secret_key is not None and settings.secret_key.get_secret_value() == "a long random signing key"
    monkeypatch.setenv("CHEMASSIST_LLM_API_KEY_FILE", str(tmp_path / "missing.key"))
    with pytest.raises(ValueError, match="cannot read"):
        Settings()


def test_export_to_a_path_that_cannot_be_written_says_so(sqlite_db, tmp_path):
    alice = accounts.create_user("alice", PASSWORD)
    info = sessions.create_session(alice, "Kept")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = invoke("sessions", "export", info.id, "-u", "alice", "-o", blocker / "out.json")
    assert result.exit_code == 1 and "Cannot write" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_import_of_deeply_nested_json_says_so(sqlite_db, tmp_path):
    accounts.create_user("alice", PASSWORD)
    bomb = tmp_path / "bomb.json"
    bomb.write_text(json.dumps({"format": "chemassist-session"})[:-1] + ', "x": ' + "[" * 50_000 + "]" * 50_000 + "}")
    result = invoke("sessions", "import", bomb, "-u", "alice")
    assert result.exit_code == 1 and "levels deep" in result.output
    assert isinstance(result.exception, SystemExit)
