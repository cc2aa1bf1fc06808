"""The library embeds through an OpenAI-compatible /v1/embeddings endpoint: chemassist's own embedding server
as a real process, directly and behind the gateway (with an API key); the start-up probe refuses a server
whose model gives other vectors, and a down endpoint falls back to the local model with a message."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest

from app.services import library
from app.settings import reset_settings_cache
from serve.gateway import ApiKey, BackendConfig, GatewayConfig, ServerThread, create_app
from tests.integration.serve.conftest import fake_argv, free_port, wait_for_health
from tools.literature import DEMO_DIR, chunk_document, read_path
from tools.literature.embedding import default_embedder, local_embedder, set_default_embedder
from tools.literature.remote_embedding import EmbeddingEndpointError, RemoteEmbedder, connect_embedder

pytestmark = pytest.mark.slow
NAME = "all-MiniLM-L6-v2"
KEY = "sk-lab-embeddings"


def _start(argv: list[str], url: str, timeout_s: float) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_health(url, timeout_s=timeout_s, process=proc)
    return proc


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start([sys.executable, "-m", "serve.embedding_server", "--port", str(port)], url, 180)
    try:
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def gateway_url(server_url: str) -> Iterator[str]:
    config = GatewayConfig(
        backends=[BackendConfig(name="minilm", url=server_url, models=[NAME])],
        aliases={"embeddings": NAME},
        api_keys=[ApiKey(name="library", key=KEY)],
    )
    with ServerThread(create_app(config)) as gateway:
        yield gateway.url


@pytest.fixture(scope="module")
def passages() -> list[str]:
    docs = read_path(DEMO_DIR / "fulltext" / "chemrxiv_0.txt")
    return [c.text for d in docs for c in chunk_document(d)][:40]


@pytest.fixture
def other_model_url(request) -> Iterator[str]:
    """The scripted OpenAI-compatible server under MiniLM's name: vectors of another model (384-d unless the
    test asks for another dimension with indirect parametrisation)."""
    dim = getattr(request, "param", 384)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start(fake_argv(port, "--model", NAME, "--embedding-dim", str(dim)), url, 20)
    try:
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _agreement(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.min(np.sum(a * b, axis=1)))


def test_the_embedding_server_gives_the_local_models_vectors_in_concurrent_batches(server_url, passages):
    choice = connect_embedder(server_url, local=local_embedder(), batch_size=8, concurrency=3)
    assert choice.remote and choice.message is None
    vectors = choice.embedder.encode(passages)  # 5 requests, 3 in flight
    assert vectors.shape == (len(passages), 384)
    assert _agreement(vectors, local_embedder().encode(passages)) >= 0.99


def test_through_the_gateway_by_role_with_an_api_key(gateway_url, passages):
    choice = connect_embedder(f"{gateway_url}/v1", local=local_embedder(), model="embeddings", api_key=KEY)
    assert choice.remote, choice.message
    assert choice.embedder.fingerprint == "embeddings/endpoint"
    assert _agreement(choice.embedder.encode(passages[:10]), local_embedder().encode(passages[:10])) >= 0.99


def test_a_wrong_api_key_is_refused_with_the_gateways_reason(gateway_url):
    choice = connect_embedder(gateway_url, local=local_embedder(), model="embeddings", api_key="sk-wrong")
    assert choice.embedder is local_embedder()
    assert "HTTP 401" in choice.message and "local" in choice.message


def test_the_probe_refuses_a_server_whose_model_gives_other_vectors(other_model_url):
    choice = connect_embedder(other_model_url, local=local_embedder())
    assert not choice.remote
    assert "vectors unlike the library's" in choice.message and "probe cosine" in choice.message


@pytest.mark.parametrize("other_model_url", [768], indirect=True)
def test_the_probe_refuses_a_different_dimension(other_model_url):
    choice = connect_embedder(other_model_url, local=local_embedder())
    assert not choice.remote and "gives 768-d vectors" in choice.message


def test_a_down_endpoint_falls_back_to_the_local_model_with_a_message():
    url = f"http://127.0.0.1:{free_port()}"
    choice = connect_embedder(url, local=local_embedder(), timeout_s=5)
    assert choice.embedder is local_embedder()
    assert "cannot be reached" in choice.message and "local all-MiniLM-L6-v2/torch model instead" in choice.message


def test_an_endpoint_that_goes_down_mid_ingest_hands_the_call_to_the_local_model(other_model_url, caplog):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start([sys.executable, "-m", "serve.embedding_server", "--port", str(port)], url, 180)
    remote = RemoteEmbedder(url, fallback=local_embedder())
    texts = ["furfural from bagasse", "glass transition of polystyrene"]
    before = remote.encode(texts)
    proc.kill()
    proc.wait(timeout=10)
    with caplog.at_level(logging.WARNING):
        after = remote.encode(texts)
    assert _agreement(before, after) >= 0.99
    assert "cannot be reached" in caplog.text and "local model instead" in caplog.text
    with pytest.raises(EmbeddingEndpointError, match="cannot be reached"):
        RemoteEmbedder(url).encode(texts)  # no fallback: the error says what is wrong


def test_the_app_embeds_through_the_configured_endpoint(gateway_url, monkeypatch, tmp_path):
    key_file = tmp_path / "embedding.key"
    key_file.write_text(KEY + "\n")
    monkeypatch.setenv("CHEMASSIST_EMBEDDING_BASE_URL", gateway_url)
    monkeypatch.setenv("CHEMASSIST_EMBEDDING_MODEL", "embeddings")
    monkeypatch.setenv("CHEMASSIST_EMBEDDING_API_KEY_FILE", str(key_file))
    reset_settings_cache()
    monkeypatch.setattr(library, "_embedder_choice", None)
    try:
        choice = library.library_embedder()
        assert choice.remote and default_embedder() is choice.embedder
        assert local_embedder().fingerprint == "all-MiniLM-L6-v2/torch"  # the reader's model stays local
    finally:
        set_default_embedder(None)
        reset_settings_cache()


def test_with_the_int8_cpu_model_the_probe_still_compares_with_the_exact_model(server_url, monkeypatch):
    monkeypatch.setenv("CHEMASSIST_EMBEDDING_BASE_URL", server_url)
    monkeypatch.setenv("CHEMASSIST_EMBEDDING_LOCAL_BACKEND", "onnx-int8")
    reset_settings_cache()
    monkeypatch.setattr(library, "_embedder_choice", None)
    try:
        choice = library.library_embedder()
        assert choice.remote, choice.message
        assert choice.embedder.fallback.fingerprint == "all-MiniLM-L6-v2/onnx-int8"  # takes over if it goes down
    finally:
        set_default_embedder(None)
        reset_settings_cache()
