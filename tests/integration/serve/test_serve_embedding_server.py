"""The CPU embedding server as a real process behind the gateway: OpenAI's /v1/embeddings with the shipped
all-MiniLM-L6-v2, the same vectors the literature library computes in-process, and clear errors."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from serve.gateway import BackendConfig, GatewayConfig, ServerThread, create_app
from tests.integration.serve.conftest import free_port, wait_for_health
from tools.literature.embedding import default_embedder

pytestmark = pytest.mark.slow
NAME = "all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def gateway_url() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "serve.embedding_server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        backend = f"http://127.0.0.1:{port}"
        wait_for_health(backend, timeout_s=120)  # loads the model before it listens
        config = GatewayConfig(
            backends=[BackendConfig(name="minilm", url=backend, models=[NAME])], aliases={"embeddings": NAME}
        )
        with ServerThread(create_app(config)) as gw:
            yield gw.url
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_embeddings_through_the_gateway_match_the_in_process_encoder(gateway_url):
    texts = ["benzene", "toluene", "sodium chloride"]
    reply = httpx.post(f"{gateway_url}/v1/embeddings", json={"model": "embeddings", "input": texts}, timeout=60)
    assert reply.status_code == 200
    body = reply.json()
    vectors = np.array([d["embedding"] for d in sorted(body["data"], key=lambda d: d["index"])], dtype=np.float32)
    assert vectors.shape == (3, 384) and body["model"] == NAME and body["usage"]["prompt_tokens"] > 0
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors, default_embedder().encode(texts), atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]  # benzene is nearer toluene than table salt


def test_base64_encoding_carries_the_same_floats(gateway_url):
    def embed(fmt: str) -> dict:
        payload = {"model": NAME, "input": "caffeine", "encoding_format": fmt}
        return httpx.post(f"{gateway_url}/v1/embeddings", json=payload, timeout=60).json()["data"][0]

    packed = np.frombuffer(base64.b64decode(embed("base64")["embedding"]), dtype=np.float32)
    np.testing.assert_allclose(packed, embed("float")["embedding"], atol=1e-6)


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"model": NAME, "input": []}, 400, "non-empty"),
        ({"model": NAME, "input": [[101, 2003]]}, 400, "token-id arrays"),
        ({"model": NAME, "input": "  "}, 400, "Empty strings"),
        ({"model": NAME, "input": "x", "encoding_format": "int8"}, 400, "encoding_format"),
        ({"model": "no-such-model", "input": "x"}, 404, "no-such-model"),
    ],
)
def test_bad_requests_get_clear_errors(gateway_url, payload, status, message):
    reply = httpx.post(f"{gateway_url}/v1/embeddings", json=payload, timeout=60)
    assert reply.status_code == status
    assert message in reply.json()["error"]["message"]
