"""Chat models by role (chemistry / materials / general) on OpenAI-compatible servers, with fallback.

If the model for a role cannot be reached, the next role's model answers, and finally the offline model:
a turn never fails just because a server is down, and the answer says who answered. Every request carries
the research session id (X-Chemassist-Session), so the gateway's sticky routing keeps a conversation on the
replica that holds its prefix cache; an answer the gateway got from an outside provider comes back marked
(X-Chemassist-External), and `outside_provider` reads that mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableConfig
from langchain_openai import ChatOpenAI

from agents.offline import OFFLINE_MODEL_NAME, OfflineChatModel

ROLES = ("chemistry", "materials", "general")
UNREACHABLE = (
    openai.APIConnectionError,
    openai.APITimeoutError,
    openai.NotFoundError,
    openai.InternalServerError,
    openai.AuthenticationError,
    openai.PermissionDeniedError,
    openai.RateLimitError,
    openai.BadRequestError,
    httpx.HTTPError,
)
SESSION_HEADER = "X-Chemassist-Session"
EXTERNAL_HEADER = "x-chemassist-external"  # as httpx gives response headers: lower case


@dataclass(frozen=True)
class ModelEndpoint:
    """One served model: which role it plays and where it answers."""

    role: str
    model: str
    base_url: str
    api_key: str | None = None
    timeout_s: float = 60.0
    max_tokens: int | None = None  # per reply; a model that never writes its end token stops here

    def chat_model(self) -> BaseChatModel:
        return ChatOpenAI(
            model=self.model,
            base_url=self.base_url,
            api_key=self.api_key or "not-needed",  # type: ignore[arg-type]
            timeout=self.timeout_s,
            max_completion_tokens=self.max_tokens,  # the field max_tokens by its alias (vLLM and llama-server take it)
            max_retries=0,  # fall back to the next model instead of waiting
            streaming=True,
            temperature=0,
            include_response_headers=True,  # the gateway says in a header which outside provider answered
        )


@dataclass
class ModelChain:
    """The served models in fallback order for each role, ending with the offline model."""

    endpoints: Sequence[ModelEndpoint] = ()
    offline: BaseChatModel = field(default_factory=OfflineChatModel)
    # Clients are built once: a new ChatOpenAI per call costs a fresh HTTP client and TLS context.
    _bound: dict[tuple[ModelEndpoint | None, tuple[str, ...]], Any] = field(default_factory=dict, repr=False)

    def _model(self, endpoint: ModelEndpoint | None, tools: Sequence[Any]) -> Any:
        key = (endpoint, tuple(getattr(t, "name", str(t)) for t in tools))
        if key not in self._bound:
            model = endpoint.chat_model() if endpoint else self.offline
            self._bound[key] = model.bind_tools(tools) if tools else model
        return self._bound[key]

    def order(self, role: str) -> list[ModelEndpoint]:
        own = [e for e in self.endpoints if e.role == role]
        others = [e for r in ROLES if r != role for e in self.endpoints if e.role == r]
        rest = [e for e in self.endpoints if e not in own and e not in others]
        seen: set[tuple[str, str]] = set()
        ordered = []
        for e in own + others + rest:  # the same model serving two roles is tried once
            if (e.model, e.base_url) not in seen:
                seen.add((e.model, e.base_url))
                ordered.append(e)
        return ordered

    @property
    def is_offline(self) -> bool:
        return not self.endpoints

    def invoke(
        self,
        role: str,
        messages: list[BaseMessage],
        tools: Sequence[Any],
        config: RunnableConfig | None = None,
    ) -> tuple[AIMessage, str, list[str]]:
        """(reply, model name, notes about models that failed) for the first model that answers."""
        notes: list[str] = []
        session = ((config or {}).get("configurable") or {}).get("thread_id")
        headers = {"extra_headers": {SESSION_HEADER: str(session)}} if session is not None else {}
        for endpoint in self.order(role):
            try:
                reply = self._model(endpoint, tools).invoke(messages, config=config, **headers)
                return reply, f"{endpoint.model} ({endpoint.role})", notes
            except UNREACHABLE as exc:
                notes.append(
                    f"The {endpoint.role} model '{endpoint.model}' at {endpoint.base_url} failed: "
                    f"{type(exc).__name__}. "
                )
        reply = self._model(None, tools).invoke(messages, config=config)
        return reply, OFFLINE_MODEL_NAME, notes


def outside_provider(reply: BaseMessage) -> str | None:
    """The outside provider that wrote REPLY, as the gateway marked it; None for the lab's own servers."""
    headers = reply.response_metadata.get("headers") or {}
    return headers.get(EXTERNAL_HEADER) if isinstance(headers, dict) else None
