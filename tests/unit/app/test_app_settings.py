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


def test_the_served_models_take_their_url_roles_and_reply_limit_from_the_settings(tmp_path):
    from app.services.chat_models import model_chain

    settings = Settings(
        data_dir=tmp_path / "var",
        llm_base_url="http://gateway:8000/v1",
        llm_model="base",
        llm_role_models={"chemistry": "chem-lora"},
        llm_max_tokens=512,
    )
    endpoints = {e.role: e for e in model_chain(settings).endpoints}
    assert endpoints["chemistry"].model == "chem-lora" and endpoints["general"].model == "base"
    assert {e.max_tokens for e in endpoints.values()} == {512}
    assert {e.base_url for e in endpoints.values()} == {"http://gateway:8000/v1"}
    assert not model_chain(Settings(data_dir=tmp_path / "var")).endpoints  # no URL: offline mode
