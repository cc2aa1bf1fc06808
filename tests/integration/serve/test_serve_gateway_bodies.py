"""Bodies of any size pass through the gateway whole, in both directions: megabyte chat replies and embedding
batches (JSON, with or without a Content-Length), multi-megabyte prompts, and long SSE streams.

The backend is a small real HTTP server (stdlib, in a thread) whose replies are known byte for byte, so each
test compares what the client got with what the backend sent."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from serve.gateway import BackendConfig, GatewayConfig, ServerThread, create_app

MiB = 1 << 20
CLIENT_TIMEOUT = httpx.Timeout(60, connect=5)  # a hung gateway fails the test instead of blocking it


@functools.cache
def filler(size: int) -> str:
    """SIZE characters that differ along their length (a lost, doubled or reordered piece shows)."""
    return "".join(f"{i:09d}," for i in range(size // 10 + 1))[:size]


@functools.cache
def chat_reply(size: int, received: bytes) -> bytes:
    content = filler(size)
    message = {"role": "assistant", "content": content}
    received_sha256 = hashlib.sha256(received).hexdigest()
    return json.dumps({"object": "chat.completion", "received_sha256": received_sha256, "choices": [message]}).encode()


def embeddings_reply(size: int) -> bytes:
    vectors = [
        [round((i * 7919 + j) % 1000 / 999, 6) for j in range(1024)] for i in range(size // 10_400 + 1)
    ]  # ~10 kB each
    return json.dumps(
        {"object": "list", "data": [{"index": i, "embedding": v} for i, v in enumerate(vectors)]}
    ).encode()


def sse_reply(size: int) -> list[bytes]:
    text = filler(size)
    events = [json.dumps({"choices": [{"delta": {"content": text[i : i + 65536]}}]}) for i in range(0, size, 65536)]
    return [f"data: {e}\n\n".encode() for e in [*events, "[DONE]"]]


class Backend(BaseHTTPRequestHandler):
    """POST /v1/chat/completions: `reply_bytes` of content (SSE if `stream`); /v1/embeddings: a chunked reply."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *_: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._send(200, b'{"status": "ok"}')

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        received = self.rfile.read(int(self.headers["Content-Length"]))
        body = json.loads(received)
        size = body["reply_bytes"]
        if self.path == "/v1/embeddings":
            self._send_chunked(embeddings_reply(size))
        elif body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for event in sse_reply(size):
                self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif "cut_after" in body:  # promises the whole reply, sends the start of it, and dies
            data = chat_reply(size, received)
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: body["cut_after"]])
            self.close_connection = True
        else:
            self._send(200, chat_reply(size, received))

    def _send(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_chunked(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(data), 100_000):
            piece = data[i : i + 100_000]
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")


@contextlib.contextmanager
def serving(**settings: object) -> Iterator[str]:
    """The URL of a gateway (with these settings) in front of one Backend on a free loopback port."""
    backend = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{backend.server_address[1]}"
    config = GatewayConfig(backends=[BackendConfig(name="big", url=url, models=["fake-chat"])], **settings)
    try:
        with ServerThread(create_app(config)) as gw:
            yield gw.url
    finally:
        backend.shutdown()
        backend.server_close()


@pytest.fixture
def gateway() -> Iterator[str]:
    with serving() as url:
        yield url


def test_a_chat_reply_of_one_and_a_half_mib_arrives_whole(gateway):
    body = json.dumps(
        {"model": "fake-chat", "messages": [{"role": "user", "content": "hi"}], "reply_bytes": 3 * MiB // 2}
    )
    resp = httpx.post(f"{gateway}/v1/chat/completions", content=body, timeout=CLIENT_TIMEOUT)
    assert resp.content == chat_reply(3 * MiB // 2, body.encode())


def test_an_embeddings_reply_of_two_and_a_half_mib_without_a_length_arrives_whole(gateway):
    body = {"model": "fake-chat", "input": ["benzene"] * 300, "reply_bytes": 5 * MiB // 2}
    resp = httpx.post(f"{gateway}/v1/embeddings", json=body, timeout=CLIENT_TIMEOUT)
    assert resp.content == embeddings_reply(5 * MiB // 2)


def test_a_six_mib_prompt_reaches_the_backend_whole_and_its_long_reply_comes_back(gateway):
    prompt = filler(6 * MiB)
    body = json.dumps({"model": "fake-chat", "messages": [{"role": "user", "content": prompt}], "reply_bytes": 2 * MiB})
    resp = httpx.post(f"{gateway}/v1/chat/completions", content=body, timeout=CLIENT_TIMEOUT)
    assert resp.content == chat_reply(2 * MiB, body.encode())  # it carries the sha256 of the body received


def test_a_streamed_reply_of_three_mib_arrives_whole_in_small_reads(gateway):
    body = {
        "model": "fake-chat",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "reply_bytes": 3 * MiB,
    }
    with httpx.stream("POST", f"{gateway}/v1/chat/completions", json=body, timeout=CLIENT_TIMEOUT) as resp:
        pieces = list(resp.iter_bytes(chunk_size=4096))
    assert b"".join(pieces) == b"".join(sse_reply(3 * MiB))


def test_a_long_reply_the_backend_breaks_off_is_an_error_for_the_client_not_a_short_success(gateway):
    body = {"model": "fake-chat", "messages": [{"role": "user", "content": "hi"}], "reply_bytes": 3 * MiB}
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{gateway}/v1/chat/completions", json={**body, "cut_after": 2 * MiB}, timeout=CLIENT_TIMEOUT)


def test_a_client_that_pauses_longer_than_the_read_timeout_still_gets_the_whole_reply():
    body = json.dumps({"model": "fake-chat", "messages": [{"role": "user", "content": "hi"}], "reply_bytes": 24 * MiB})
    expected = chat_reply(24 * MiB, body.encode())  # made now, so the backend answers at once
    with (
        serving(read_timeout_s=1) as url,
        httpx.stream("POST", f"{url}/v1/chat/completions", content=body, timeout=CLIENT_TIMEOUT) as resp,
    ):
        pieces = resp.iter_bytes()
        first = next(pieces)
        time.sleep(3)  # the buffers fill and the gateway stops reading the backend: the backend is not late
        content = first + b"".join(pieces)
    assert content == expected
