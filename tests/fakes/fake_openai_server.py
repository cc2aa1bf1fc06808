"""A small, real OpenAI-compatible HTTP server for tests: scripted, deterministic, no model.

Speaks the protocol vLLM and llama-server speak: GET /health, GET /v1/models, POST /v1/chat/completions
(JSON or SSE streaming ending with `data: [DONE]`, tool calls when a tool's name appears in the last user
message), POST /v1/completions, POST /v1/embeddings. Flags make it misbehave the way real backends do:
crash after N requests, hang (stop answering), fail to start, start slowly, run at most N requests at once
(the rest wait in a queue its /metrics reports, in vLLM's or llama-server's names), answer 429 with a
Retry-After like a rate-limited provider, demand an API key, log every connection and request it receives,
and spend prefill time on the part of a conversation its prefix cache does not hold.

    python tests/fakes/fake_openai_server.py --port 8011 --model fake-chat --crash-after 5

Standard library only, so it starts in a fraction of a second.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import socket
import sys
import threading
import time
import uuid
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeState:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.lock = threading.Lock()
        self.requests = 0
        self.hanging = threading.Event()
        self.prompt_tokens = 0  # totals for /metrics, in vLLM's names
        self.generated_tokens = 0
        self.running = 0
        self.waiting = 0
        self.slots = threading.Semaphore(args.max_running) if args.max_running else None
        self.prefixes: OrderedDict[str, None] = OrderedDict()  # the prefix cache: hashes of message prefixes
        self.log_lock = threading.Lock()

    def log(self, line: str) -> None:
        """One line per connection and request in --requests-log (what an outside provider would see)."""
        if self.args.requests_log:
            with self.log_lock, open(self.args.requests_log, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    def uncached_tokens(self, messages: list[dict[str, Any]]) -> int:
        """Words of MESSAGES past the longest prefix this replica has cached; caches every prefix of them."""
        keys, digest = [], hashlib.sha1()
        for message in messages:
            digest.update(json.dumps(message, sort_keys=True).encode())
            keys.append(digest.hexdigest())
        words = [len(str(m.get("content") or "").split()) + 4 for m in messages]  # a few tokens of chat template
        with self.lock:
            hit = max((i + 1 for i, k in enumerate(keys) if k in self.prefixes), default=0)
            for key in keys:
                self.prefixes[key] = None
                self.prefixes.move_to_end(key)
            while len(self.prefixes) > self.args.prefix_cache_entries:
                self.prefixes.popitem(last=False)
        return sum(words[hit:])

    def count(self) -> int:
        with self.lock:
            self.requests += 1
            return self.requests

    def add_tokens(self, prompt: int, generated: int) -> None:
        with self.lock:
            self.prompt_tokens += prompt
            self.generated_tokens += generated

    def metrics(self, models: list[str]) -> str:
        """The counters and gauges vLLM's /metrics has for token throughput and the queue (Prometheus text)."""
        kv = self.running / self.args.max_running if self.args.max_running else min(1.0, self.running / 64)
        if self.args.metrics_style == "llama":  # llama-server --metrics
            return (
                "\n".join(
                    [
                        "# HELP llamacpp:requests_processing Number of requests processing.",
                        "# TYPE llamacpp:requests_processing gauge",
                        f"llamacpp:requests_processing {self.running}",
                        "# HELP llamacpp:requests_deferred Number of requests deferred.",
                        "# TYPE llamacpp:requests_deferred gauge",
                        f"llamacpp:requests_deferred {self.waiting}",
                        "# HELP llamacpp:kv_cache_usage_ratio KV-cache usage. 1 means 100 percent usage.",
                        "# TYPE llamacpp:kv_cache_usage_ratio gauge",
                        f"llamacpp:kv_cache_usage_ratio {kv:.4f}",
                        "# HELP llamacpp:tokens_predicted_total Number of generation tokens processed.",
                        "# TYPE llamacpp:tokens_predicted_total counter",
                        f"llamacpp:tokens_predicted_total {self.generated_tokens}",
                    ]
                )
                + "\n"
            )
        label = f'{{model_name="{models[0]}"}}'
        lines = [
            "# HELP vllm:num_requests_running Number of requests in model execution batches.",
            "# TYPE vllm:num_requests_running gauge",
            f"vllm:num_requests_running{label} {float(self.running)}",
            "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.",
            "# TYPE vllm:num_requests_waiting gauge",
            f"vllm:num_requests_waiting{label} {float(self.waiting)}",
            "# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.",
            "# TYPE vllm:kv_cache_usage_perc gauge",
            f"vllm:kv_cache_usage_perc{label} {kv:.4f}",
            "# HELP vllm:prompt_tokens_total Number of prefill tokens processed.",
            "# TYPE vllm:prompt_tokens_total counter",
            f"vllm:prompt_tokens_total{label} {float(self.prompt_tokens)}",
            "# HELP vllm:generation_tokens_total Number of generation tokens processed.",
            "# TYPE vllm:generation_tokens_total counter",
            f"vllm:generation_tokens_total{label} {float(self.generated_tokens)}",
        ]
        return "\n".join(lines) + "\n"


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):  # content parts
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


def _tool_call(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Call the first tool whose name appears in the last user message (not after a tool result)."""
    if not messages or messages[-1].get("role") != "user":
        return None
    text = _last_user_text(messages)
    for tool in tools:
        fn = tool.get("function", {})
        name = fn.get("name", "")
        if name and name in text:
            params = fn.get("parameters", {}) or {}
            required = params.get("required") or list((params.get("properties") or {}).keys())[:1]
            after = text.split(name, 1)[1].strip(" :,.") or text
            args = {key: after for key in required[:1]}
            return {
                "id": f"call_{hashlib.sha1(text.encode()).hexdigest()[:12]}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
    return None


def _reply_text(messages: list[dict[str, Any]], prefix: str) -> str:
    if messages and messages[-1].get("role") == "tool":
        return f"Tool result: {messages[-1].get('content', '')}"
    return f"{prefix}{_last_user_text(messages)}"


def _embedding(text: str, dim: int) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    raw = [(digest[i % len(digest)] - 127.5) / 127.5 for i in range(dim)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [round(x / norm, 6) for x in raw]


def make_handler(state: FakeState) -> type[BaseHTTPRequestHandler]:
    args = state.args

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Small SSE writes would otherwise wait on Nagle + delayed ACK (~40 ms each), as real servers avoid.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *a: Any) -> None:  # noqa: A002 - stdlib signature
            if not args.quiet:
                sys.stdout.write(f"{self.address_string()} {format % a}\n")
                sys.stdout.flush()

        # -- misbehaviour -----------------------------------------------------------------------
        def _before(self) -> bool:
            # Health checks and metrics scrapes do not count toward --crash-after / --hang-after; a hung server
            # hangs them too.
            n = state.requests if self.path in ("/health", "/metrics") else state.count()
            if args.crash_after is not None and n > args.crash_after:
                sys.stdout.write(f"crashing after {args.crash_after} requests\n")
                sys.stdout.flush()
                os._exit(3)
            if (args.hang_after is not None and n > args.hang_after) or state.hanging.is_set():
                state.hanging.set()
                time.sleep(3600)
                return False
            if args.delay_ms:
                time.sleep(args.delay_ms / 1000)
            return True

        # -- plumbing ---------------------------------------------------------------------------
        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
            self._json(status, {"error": {"message": message, "type": kind, "code": status}})

        def _body(self) -> dict[str, Any] | None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                self._error(400, "request body is not valid JSON")
                return None
            if not isinstance(body, dict):
                self._error(400, "request body must be a JSON object")
                return None
            model = body.get("model")
            if model not in args.model:
                self._error(404, f"The model `{model}` does not exist.", "NotFoundError")
                return None
            return body

        def _sse(self, chunks: list[dict[str, Any]]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in [*(json.dumps(c) for c in chunks), "[DONE]"]:
                if args.token_interval_ms:  # paced like a GPU server's decode steps (the first one: prefill)
                    time.sleep(args.token_interval_ms / 1000)
                payload = f"data: {chunk}\n\n".encode()
                self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        # -- routes -----------------------------------------------------------------------------
        def _refused(self) -> bool:
            """Log the request; answer 401 without the right key, 429 when told to. True if answered."""
            auth = self.headers.get("Authorization", "")
            state.log(f"{self.command} {self.path} key={'yes' if auth else 'no'}")
            if args.require_key and auth != f"Bearer {args.require_key}":
                self._error(401, "Incorrect API key provided.", "invalid_api_key")
                return True
            if args.status_429 is not None and self.command == "POST":
                data = json.dumps({"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded"}})
                self.send_response(429)
                self.send_header("Retry-After", f"{args.status_429:g}")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data.encode())
                return True
            return False

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            if self._refused() or not self._before():
                return
            if self.path == "/health":
                self._json(200, {"status": "ok"})
            elif self.path == "/metrics":
                data = state.metrics(args.model).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            elif self.path == "/v1/models":
                now = int(time.time())
                data = [{"id": m, "object": "model", "created": now, "owned_by": "fake"} for m in args.model]
                self._json(200, {"object": "list", "data": data})
            else:
                self._error(404, f"no route {self.path}")

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            if self._refused() or not self._before():
                return
            routes = {
                "/v1/chat/completions": self._chat,
                "/v1/completions": self._completions,
                "/v1/embeddings": self._embeddings,
            }
            route = routes.get(self.path)
            if route is None:
                self._error(404, f"no route {self.path}")
                return
            body = self._body()
            if body is None:
                return
            if state.slots is not None:  # a full batch: wait in the queue, as a saturated server does
                with state.lock:
                    state.waiting += 1
                state.slots.acquire()
                with state.lock:
                    state.waiting -= 1
            with state.lock:
                state.running += 1
            try:
                if args.work_ms:
                    time.sleep(args.work_ms / 1000)
                if args.prefill_ms_per_token and isinstance(body.get("messages"), list):
                    time.sleep(args.prefill_ms_per_token * state.uncached_tokens(body["messages"]) / 1000)
                route(body)
            finally:
                with state.lock:
                    state.running -= 1
                if state.slots is not None:
                    state.slots.release()

        def _chat(self, body: dict[str, Any]) -> None:
            messages = body.get("messages")
            if not isinstance(messages, list) or not messages:
                self._error(400, "'messages' must be a non-empty list")
                return
            call = _tool_call(messages, body.get("tools") or [])
            text = None if call else _reply_text(messages, args.reply_prefix)
            finish = "tool_calls" if call else "stop"
            limit = body.get("max_completion_tokens") or body.get("max_tokens")  # a word is a token here
            if text and isinstance(limit, int) and len(text.split(" ")) > limit:
                text, finish = " ".join(text.split(" ")[:limit]), "length"
            cid, created, model = f"chatcmpl-{uuid.uuid4().hex[:16]}", int(time.time()), body["model"]
            prompt_tokens = sum(len(str(m.get("content") or "").split()) for m in messages)
            completion_tokens = len(text.split()) if text else 1
            usage = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            }
            state.add_tokens(prompt_tokens, completion_tokens)
            if not body.get("stream"):
                message: dict[str, Any] = {"role": "assistant", "content": text}
                if call:
                    message["tool_calls"] = [call]
                choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
                self._json(
                    200,
                    {
                        "id": cid,
                        "object": "chat.completion",
                        "created": created,
                        "model": model,
                        "choices": [choice],
                        "usage": usage,
                    },
                )
                return
            base = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
            deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
            if call:
                deltas.append({"tool_calls": [{"index": 0, **call}]})
            else:
                words = (text or "").split(" ")
                deltas += [{"content": w if i == 0 else " " + w} for i, w in enumerate(words)]
            chunks = [{**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
            chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
            if (body.get("stream_options") or {}).get("include_usage"):
                chunks.append({**base, "choices": [], "usage": usage})
            self._sse(chunks)

        def _completions(self, body: dict[str, Any]) -> None:
            prompt = body.get("prompt")
            if not isinstance(prompt, str):
                self._error(400, "'prompt' must be a string")
                return
            text = f"{args.reply_prefix}{prompt}"
            cid, created = f"cmpl-{uuid.uuid4().hex[:16]}", int(time.time())
            base = {"id": cid, "object": "text_completion", "created": created, "model": body["model"]}
            if body.get("stream"):
                words = text.split(" ")
                chunks = [
                    {
                        **base,
                        "choices": [{"index": 0, "text": (w if i == 0 else " " + w), "finish_reason": None}],
                    }
                    for i, w in enumerate(words)
                ]
                chunks.append({**base, "choices": [{"index": 0, "text": "", "finish_reason": "stop"}]})
                self._sse(chunks)
                return
            n_prompt, n_out = len(prompt.split()), len(text.split())
            self._json(
                200,
                {
                    **base,
                    "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
                    "usage": {
                        "prompt_tokens": n_prompt,
                        "completion_tokens": n_out,
                        "total_tokens": n_prompt + n_out,
                    },
                },
            )

        def _embeddings(self, body: dict[str, Any]) -> None:
            inputs = body.get("input")
            if isinstance(inputs, str):
                inputs = [inputs]
            if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) for t in inputs):
                self._error(400, "'input' must be a string or a non-empty list of strings")
                return
            data = [
                {"object": "embedding", "index": i, "embedding": _embedding(t, args.embedding_dim)}
                for i, t in enumerate(inputs)
            ]
            tokens = sum(len(t.split()) for t in inputs)
            self._json(
                200,
                {
                    "object": "list",
                    "data": data,
                    "model": body["model"],
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                },
            )

    return Handler


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on stdout).")
    parser.add_argument("--model", action="append", help="Model id served (repeatable). Default fake-chat.")
    parser.add_argument("--reply-prefix", default="echo: ")
    parser.add_argument("--embedding-dim", type=int, default=8)
    parser.add_argument("--crash-after", type=int, default=None, help="Exit with code 3 on API request N+1.")
    parser.add_argument("--hang-after", type=int, default=None, help="Stop answering from API request N+1 on.")
    parser.add_argument("--fail-start", action="store_true", help="Exit with code 2 before listening.")
    parser.add_argument("--startup-delay", type=float, default=0.0, help="Seconds to wait before listening.")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="Added latency per request.")
    parser.add_argument(
        "--token-interval-ms", type=float, default=0.0, help="Pause before each streamed chunk, as decoding does."
    )
    parser.add_argument("--max-running", type=int, default=0, help="Requests served at once; the rest queue.")
    parser.add_argument(
        "--work-ms", type=float, default=0.0, help="Time each API request takes once running (health stays quick)."
    )
    parser.add_argument("--metrics-style", choices=["vllm", "llama"], default="vllm", help="/metrics names.")
    parser.add_argument("--status-429", type=float, default=None, help="Answer every POST 429, Retry-After this.")
    parser.add_argument("--require-key", default=None, help="Answer 401 unless 'Authorization: Bearer KEY'.")
    parser.add_argument("--requests-log", default=None, help="Append every connection and request to this file.")
    parser.add_argument(
        "--prefill-ms-per-token", type=float, default=0.0, help="Prefill time per prompt word not in the cache."
    )
    parser.add_argument("--prefix-cache-entries", type=int, default=256, help="Message prefixes cached (LRU).")
    parser.add_argument("--quiet", action="store_true", help="No access log.")
    args = parser.parse_args(argv)
    args.model = args.model or ["fake-chat"]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.fail_start:
        sys.stderr.write("fake server: told to fail at start\n")
        sys.exit(2)
    time.sleep(args.startup_delay)
    ThreadingHTTPServer.request_queue_size = 512  # the stdlib default (5) drops bursts of connections
    state = FakeState(args)

    class Server(ThreadingHTTPServer):
        def verify_request(self, request: Any, client_address: Any) -> bool:
            state.log(f"CONNECT {client_address[0]}")
            return True

    server = Server((args.host, args.port), make_handler(state))
    server.daemon_threads = True
    sys.stdout.write(f"listening on http://{args.host}:{server.server_address[1]}\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
