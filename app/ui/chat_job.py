"""A chat turn running as a background job (app.services.jobs), so the page can stream it, stop it, or be left and
come back; it also says what the turn is doing now (which tool runs, or that the answer is being written)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from app.services import chat
from app.services.accounts import Account
from app.services.jobs import Job


def _failure(exc: BaseException) -> str:
    return f"The assistant failed unexpectedly ({type(exc).__name__}: {exc}). Your session is intact."


@dataclass
class ChatJob:
    account: Account
    session_id: int
    text: str
    role: str | None = None
    tokens: list[str] = field(default_factory=list)
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    job: Job[chat.TurnResult] | None = field(default=None, repr=False)
    _tool_started: dict[str, float] = field(default_factory=dict, repr=False)

    def start(self) -> ChatJob:
        self.job = Job(self._run, name=f"chat-{self.session_id}", message="thinking", describe_error=_failure)
        self.job.start()
        return self

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "token":
            self.tokens.append(data["text"])
        elif kind in ("tool_call", "tool_result"):
            self.tools[data["id"]] = data
            if kind == "tool_call":
                self._tool_started[data["id"]] = time.monotonic()
            else:
                self._tool_started.pop(data["id"], None)

    def _run(self, job: Job[chat.TurnResult]) -> chat.TurnResult:
        return chat.send(
            self.account, self.session_id, self.text, role=self.role,
            on_event=self._on_event, should_stop=lambda: job.cancel_requested,
        )  # fmt: skip

    @property
    def done(self) -> bool:
        return self.job is not None and self.job.finished

    @property
    def error(self) -> str | None:
        return self.job.error if self.job is not None else None

    @property
    def result(self) -> chat.TurnResult | None:
        return self.job.result if self.job is not None else None

    @property
    def stopping(self) -> bool:
        return self.job is not None and self.job.cancel_requested

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def status(self) -> str:
        """'Running predict_properties (3.2 s)…', 'Writing the answer…' or 'Thinking…' (while not done)."""
        if self.stopping:
            return "Stopping after the current step…"
        running = [(self.tools[i]["name"], t) for i, t in list(self._tool_started.items()) if i in self.tools]
        if running:
            now = time.monotonic()
            return "Running " + ", ".join(f"{name} ({now - t:.1f} s)" for name, t in running) + "…"
        return "Writing the answer…" if self.tokens else "Thinking…"
