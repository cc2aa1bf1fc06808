"""A lean HTTP/1.1 keep-alive client for the gateway's backends (asyncio protocol + httptools).

The proxy needs little of a general client: one request at a time per connection, the body bytes already
encoded, the reply's status and headers, then its body in whatever pieces the network delivers. Doing just
that on the same parser uvicorn uses costs a fraction of a general-purpose client's CPU per request, which
is most of what a proxy in front of a fast backend spends.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable
from typing import cast
from urllib.parse import urlsplit

import httptools

# Bytes buffered from a backend before we stop reading it until the proxy takes them: a slow client slows the
# backend instead of filling memory. A reply longer than this is relayed while it arrives, never held whole.
BUFFER_LIMIT = 1 << 20


class UpstreamError(Exception):
    """The backend could not be reached or broke off; `kind` names it for metrics (connect, timeout, read)."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind


class Connection(asyncio.Protocol):
    """One keep-alive connection; holds the reply being read (status, headers, body pieces not yet taken)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self._waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timeout = 0.0
        self._last_data = 0.0
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.complete = False
        self.keep_alive = True
        self.until_eof = False
        self.error: UpstreamError | None = None
        self.pieces: list[bytes] = []
        self.buffered = 0
        self.paused = False

    # -- asyncio protocol -------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        sock = transport.get_extra_info("socket")
        if sock is not None:  # small request writes must not wait for the backend's delayed ACK
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self._last_data = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError("read", f"unparsable reply ({exc})"))
            return
        self.wake()

    def eof_received(self) -> bool | None:
        return None  # close the transport: connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._disarm()
        if self.headers_done and self.until_eof and not self.complete:
            self.complete = True  # a body delimited by the end of the connection
        elif not self.complete and self.error is None:
            self.error = UpstreamError("read", "backend closed the connection")
        self.wake()

    # -- httptools callbacks ----------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()
        names = {name for name, _ in self.headers}
        self.until_eof = b"content-length" not in names and b"transfer-encoding" not in names
        self.headers_done = True

    def on_body(self, body: bytes) -> None:
        self.pieces.append(body)
        self.buffered += len(body)
        if self.buffered > BUFFER_LIMIT and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        self.complete = True
        self._disarm()

    # -- used by the proxy ------------------------------------------------------------------------
    def send_request(self, head: bytes, body: bytes, read_timeout: float) -> None:
        assert self.transport is not None
        self._reset()
        self._timeout = read_timeout
        self._last_data = self.loop.time()
        self._timer = self.loop.call_at(self._last_data + read_timeout, self._check_idle)
        self.transport.write(head + body if len(body) < 65536 else head)
        if len(body) >= 65536:
            self.transport.write(body)

    def take(self) -> bytes:
        """The body bytes received since the last call (b'' if none)."""
        pieces = self.pieces
        if not pieces:
            return b""
        data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        self.pieces = []
        self.buffered = 0
        if self.paused and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        return data

    async def wait(self) -> None:
        """Until something new arrives: headers, body, the end, or an error (then raises it)."""
        if self.error is not None:
            raise self.error
        fut = self.loop.create_future()
        self._waiter = fut
        try:
            await fut
        finally:
            self._waiter = None
        if self.error is not None:
            raise self.error

    async def read_headers(self) -> None:
        """Until the reply's status and headers are in; a failure or cancellation closes the connection."""
        await self._wait_until(lambda: self.headers_done)

    async def read_buffered(self) -> None:
        """Until the reply is complete or BUFFER_LIMIT of it waits in `pieces` (then reading is paused until
        take()); a failure or cancellation closes the connection."""
        await self._wait_until(lambda: self.complete or self.paused)

    async def _wait_until(self, done: Callable[[], bool]) -> None:
        try:
            while not done():
                await self.wait()
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        self.closed = True
        self._disarm()
        if self.transport is not None:
            self.transport.close()

    # -- internals --------------------------------------------------------------------------------
    def wake(self) -> None:
        """Let the coroutine in wait() look again (also used when the client goes away)."""
        fut = self._waiter
        if fut is not None and not fut.done():
            fut.set_result(None)

    def _fail(self, error: UpstreamError) -> None:
        if self.error is None:
            self.error = error
        self.abort()
        self.wake()

    def _check_idle(self) -> None:
        # One timer per request, pushed forward lazily: cheaper than arming a timeout for every body piece.
        self._timer = None
        if self.complete or self.closed:
            return
        if self.paused:  # we stopped reading (the client is slow), not the backend: that is no timeout
            self._last_data = self.loop.time()
        due = self._last_data + self._timeout
        if self.loop.time() >= due:
            self._fail(UpstreamError("timeout", f"no reply within {self._timeout:g} s"))
        else:
            self._timer = self.loop.call_at(due, self._check_idle)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Upstream:
    """Keep-alive connections to one backend; `request` hands back a Connection with the reply's headers read."""

    def __init__(self, url: str, api_key: str | None, connect_timeout: float, read_timeout: float, max_idle: int = 256):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"backend URL {url!r} must look like http://host:port or https://host")
        self.tls = ssl.create_default_context() if parts.scheme == "https" else None
        self.host, self.port = parts.hostname, parts.port or (443 if self.tls else 80)
        self.prefix = parts.path.rstrip("/")
        self.url, self.api_key = url, api_key  # what it was built from: a refreshed backend list reuses it if equal
        self.closed = False
        host_header = parts.netloc.encode()
        auth = f"Authorization: Bearer {api_key}\r\n".encode() if api_key else b""
        self._fixed = b"Host: " + host_header + b"\r\n" + auth
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.max_idle = max_idle
        self.idle: list[Connection] = []

    def _head(self, method: str, path: str, length: int) -> bytes:
        return (
            f"{method} {self.prefix}{path} HTTP/1.1\r\n".encode()
            + self._fixed
            + (f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n".encode() if length else b"\r\n")
        )

    async def _connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        factory: Callable[[], Connection] = lambda: Connection(loop)  # noqa: E731
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(factory, self.host, self.port, ssl=self.tls), self.connect_timeout
            )
        except TimeoutError:
            raise UpstreamError("timeout", f"no connection within {self.connect_timeout:g} s") from None
        except (OSError, ssl.SSLError) as exc:
            raise UpstreamError("connect", f"unreachable ({type(exc).__name__})") from None
        return conn

    async def request(self, method: str, path: str, body: bytes = b"", read_timeout: float | None = None) -> Connection:
        """Send a request and wait for the reply's headers; raises UpstreamError (nothing reached the client)."""
        head = self._head(method, path, len(body))
        timeout = self.read_timeout if read_timeout is None else read_timeout
        while self.idle:
            conn = self.idle.pop()
            if conn.closed:
                continue
            conn.send_request(head, body, timeout)
            try:
                await conn.read_headers()
                return conn
            except UpstreamError as exc:
                # A kept-alive connection the backend closed just now fails before any reply byte: try a
                # fresh one, as browsers and HTTP clients do. A timeout is the backend's, not the socket's.
                if exc.kind == "timeout" or conn.headers_done:
                    raise
        conn = await self._connect()
        conn.send_request(head, body, timeout)
        await conn.read_headers()
        return conn

    def release(self, conn: Connection) -> None:
        """Give a connection back after its reply was read in full; anything else is closed."""
        if conn.complete and conn.keep_alive and not conn.closed and conn.error is None and not self.closed:
            conn._disarm()
            if len(self.idle) < self.max_idle:
                self.idle.append(conn)
                return
        conn.abort()

    def close(self) -> None:
        """Close the idle connections; those still in use are closed when released."""
        self.closed = True
        while self.idle:
            self.idle.pop().abort()
