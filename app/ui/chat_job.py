"""A chat turn running in a background thread, so the page can stream it, stop it, or be left and come back."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from app.errors import ChemassistError
from app.services import chat
from app.services.accounts import Account


@dataclass
class ChatJob:
    account: Account
    session_id: int
    text: str
    role: str | None = None
    tokens: list[str] = field(default_factory=list)
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: str | None = None
    result: chat.TurnResult | None = None
    stop_requested: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> ChatJob:
        self._thread = threading.Thread(target=self._run, name=f"chat-{self.session_id}", daemon=True)
        self._thread.start()
        return self

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "token":
            self.tokens.append(data["text"])
        elif kind in ("tool_call", "tool_result"):
            self.tools[data["id"]] = data

    def _run(self) -> None:
        try:
            self.result = chat.send(
                self.account, self.session_id, self.text, role=self.role,
                on_event=self._on_event, should_stop=self.stop_requested.is_set,
            )  # fmt: skip
        except ChemassistError as exc:
            self.error = str(exc)
        except Exception as exc:  # the page must show something, never hang on a dead thread
            self.error = f"The assistant failed unexpectedly ({type(exc).__name__}: {exc}). Your session is intact."

    @property
    def done(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    def stop(self) -> None:
        self.stop_requested.set()
