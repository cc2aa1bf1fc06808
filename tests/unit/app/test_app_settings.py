"""Settings come from CHEMASSIST_* variables or a .env file, with embedded defaults under the data dir."""

from app.settings import Settings


def test_defaults_live_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(data_dir=tmp_path / "var")
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'var' / 'chemassist.db'}"
    assert settings.resolved_milvus_uri == str(tmp_path / "var" / "milvus.db")
    assert (settings.host, settings.port, settings.llm_base_url) == ("127.0.0.1", 8501, None)


def test_environment_and_dotenv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("CHEMASSIST_PORT=9000\nCHEMASSIST_LLM_API_KEY=sk-local\n")
    monkeypatch.setenv("CHEMASSIST_MILVUS_URI", "http://milvus.lab:19530")
    settings = Settings()
    assert settings.port == 9000
    assert settings.llm_api_key.get_secret_value() == "sk-local"
    assert "sk-local" not in repr(settings)
    assert settings.resolved_milvus_uri == "http://milvus.lab:19530"
