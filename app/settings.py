"""chemassist settings: the one place configuration is read (env prefix CHEMASSIST_, optional .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHEMASSIST_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        default=Path("var"), description="Where the SQLite database, Milvus Lite file and logs live."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/chemassist.db (PostgreSQL for scale).",
    )
    milvus_uri: str | None = Field(
        default=None, description="Milvus URI; default the Milvus Lite file <data_dir>/milvus.db."
    )
    literature_in_process_search: bool | None = Field(
        default=None,
        description="Search the library's vectors inside the app process (fast); default: on for a Milvus Lite "
        "file, off for a Milvus server.",
    )
    literature_in_process_max_chunks: int = Field(
        default=500_000, ge=0, description="Largest library searched in-process (500k chunks take ~0.75 GB)."
    )
    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible base URL (gateway, vLLM, llama-server); unset = offline mode.",
    )
    llm_api_key: SecretStr | None = Field(default=None, description="API key for the LLM endpoint, if it needs one.")
    llm_api_key_file: Path | None = Field(
        default=None, description="A file holding the LLM endpoint's API key (kept out of the environment and ps)."
    )
    llm_model: str | None = Field(default=None, description="Model name to request from the LLM endpoint.")
    llm_role_models: dict[str, str] = Field(
        default_factory=dict,
        description='Model per role, JSON: {"chemistry": "chem-lora", "materials": "mat-lora", "general": "base"}.',
    )
    embedding_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible /v1/embeddings endpoint for the library (gateway, embedding server, vLLM, "
        "llama-server); unset = the local CPU model. Probed at start: it must give the library's vectors.",
    )
    embedding_api_key: SecretStr | None = Field(default=None, description="API key for the embedding endpoint.")
    embedding_api_key_file: Path | None = Field(
        default=None, description="A file holding the embedding endpoint's API key."
    )
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2", description="Model name to request from the embedding endpoint."
    )
    embedding_batch_size: int = Field(default=64, ge=1, le=2048, description="Passages per embedding request.")
    embedding_concurrency: int = Field(default=4, ge=1, le=64, description="Embedding requests in flight at once.")
    embedding_local_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        default="torch",
        description="The library's CPU embedder: torch (sentence-transformers), onnx (same vectors) or onnx-int8 "
        "(faster, cosine ~0.99 to torch's).",
    )
    llm_timeout_s: float = Field(default=60.0, gt=0, description="Timeout of one call to the LLM endpoint.")
    llm_max_tokens: int = Field(
        default=2048, ge=16, le=262_144, description="Most tokens one model reply may write (its answer is cut there)."
    )
    agent_max_steps: int = Field(default=6, ge=1, le=50, description="Model calls allowed in one chat turn.")
    agent_time_limit_s: float = Field(default=180.0, gt=0, description="Time allowed for one chat turn.")
    synthesis_time_limit_s: float = Field(default=20.0, gt=0, le=3600, description="Retrosynthesis search time.")
    host: str = Field(default="127.0.0.1", description="Address the web app listens on.")
    port: int = Field(default=8501, ge=1, le=65535, description="Port the web app listens on.")
    login_max_free_failures: int = Field(default=3, ge=1, description="Failed logins allowed before slowing down.")
    login_max_delay_s: int = Field(default=60, ge=1, description="Longest wait imposed after repeated failures.")
    sso_enabled: bool = Field(
        default=False, description="Offer single sign-on through Streamlit's st.login (OIDC, see README)."
    )
    sso_auto_create: bool = Field(default=False, description="Create a chemist account on first SSO sign-in.")
    session_days: int = Field(default=14, ge=1, description="How long a 'stay signed in' browser token lives.")
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key that signs session exports; default: a random key made at first use and kept in the "
        "app database (shared by every web replica of the installation).",
    )
    secret_key_file: Path | None = Field(default=None, description="A file holding the export-signing key.")
    # Read by `chemassist gateway` only; kept out of the command line, where `ps` would show the keys.
    gateway_api_keys: SecretStr | None = Field(
        default=None, description="Gateway API keys: NAME=KEY[:RATE_PER_S] entries separated by commas or newlines."
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @model_validator(mode="after")
    def _secrets_from_files(self) -> Settings:
        """A secret given as a file (readable by the app's user only, say) wins over the plain variable."""
        for file_field, field in (
            ("llm_api_key_file", "llm_api_key"),
            ("embedding_api_key_file", "embedding_api_key"),
            ("secret_key_file", "secret_key"),
        ):
            path = getattr(self, file_field)
            if path is None:
                continue
            try:
                text = Path(path).expanduser().read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ValueError(f"CHEMASSIST_{file_field.upper()}: cannot read {path}: {exc.strerror}") from None
            if not text:
                raise ValueError(f"CHEMASSIST_{file_field.upper()}: {path} is empty")
            setattr(self, field, SecretStr(text))
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'chemassist.db'}"

    @property
    def resolved_milvus_uri(self) -> str:
        return self.milvus_uri or str(self.data_dir / "milvus.db")

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    def ensure_dirs(self) -> None:
        """Make the data and log folders, readable by the app's own user only (0700)."""
        for folder in (self.data_dir, self.logs_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.chmod(0o700)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Forget the cached settings (tests and the CLI's --data-dir change the environment)."""
    get_settings.cache_clear()
