"""The served chat models from settings: the model chain by role (none configured: offline mode) and the model
that writes literature answers. Shared by the chat turn and the library's answers, below both."""

from __future__ import annotations

from typing import Any

from agents.models import ROLES, ModelChain, ModelEndpoint
from app.services import access
from app.settings import Settings, get_settings


def model_chain(settings: Settings | None = None) -> ModelChain:
    """Served models by role from settings; no base URL means offline mode."""
    settings = settings or get_settings()
    if not settings.llm_base_url:
        return ModelChain()
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    endpoints = []
    for role in ROLES:
        model = settings.llm_role_models.get(role) or settings.llm_model
        if model:
            endpoints.append(
                ModelEndpoint(role, model, settings.llm_base_url, key, settings.llm_timeout_s, settings.llm_max_tokens)
            )
    return ModelChain(endpoints=endpoints)


@access.operator
def literature_model(settings: Settings | None = None, chain: ModelChain | None = None) -> Any:
    """The served model that writes literature answers from retrieved passages (every sentence then checked
    against its cited passage); None in offline mode, where answers quote the passages."""
    chain = model_chain(settings or get_settings()) if chain is None else chain
    general = chain.order("general")
    return general[0].chat_model() if general else None
