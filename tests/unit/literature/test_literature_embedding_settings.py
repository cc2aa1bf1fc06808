"""The embedding endpoint's settings: URL, model, key (or a key file), batch and concurrency limits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.settings import Settings


def test_the_key_file_wins_over_the_variable(tmp_path, monkeypatch):
    key_file = tmp_path / "key"
    key_file.write_text("sk-from-file\n")
    monkeypatch.setenv("CHEMASSIST_EMBEDDING_BASE_URL", "http://gpu-1:8000/v1")
    monkeypatch.setenv("CHEMASSIST_EMBEDDING_API_KEY", "sk-plain")
    monkeypatch.setenv("CHEMASSIST_EMBEDDING_API_KEY_FILE", str(key_file))
    settings = Settings(_env_file=None)
    assert settings.embedding_api_key.get_secret_value() == "sk-from-file"
    assert settings.embedding_model == "all-MiniLM-L6-v2" and settings.embedding_base_url == "http://gpu-1:8000/v1"


def test_an_empty_key_file_is_a_clear_error(tmp_path, monkeypatch):
    key_file = tmp_path / "key"
    key_file.write_text("")
    monkeypatch.setenv("CHEMASSIST_EMBEDDING_API_KEY_FILE", str(key_file))
    with pytest.raises(ValidationError, match="CHEMASSIST_EMBEDDING_API_KEY_FILE: .* is empty"):
        Settings(_env_file=None)


@pytest.mark.parametrize(
    ("name", "value"),
    [("EMBEDDING_CONCURRENCY", "0"), ("EMBEDDING_BATCH_SIZE", "5000"), ("EMBEDDING_LOCAL_BACKEND", "gpu")],
)
def test_absurd_values_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(f"CHEMASSIST_{name}", value)
    with pytest.raises(ValidationError, match=name.lower()):
        Settings(_env_file=None)
